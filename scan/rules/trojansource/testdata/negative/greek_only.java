class Stats {
  double μέσοςΌρος(double[] xs) { return 0; }
}
