package linked

// Good is safe.
func Good() string { return "good" }
