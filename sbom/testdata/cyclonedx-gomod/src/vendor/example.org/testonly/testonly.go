package testonly

// Help helps tests.
func Help() {}
