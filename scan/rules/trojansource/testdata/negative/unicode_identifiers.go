package geo

// Größe is German for size; non-ASCII Latin letters are fine.
func Größe(r float64) float64 { return r * r }

var café = Größe(2)
