package api

import "crypto/subtle"

// A constant-time comparison does not help when the other side is a literal.
func checkPassword(password string) bool {
	return subtle.ConstantTimeCompare([]byte(password), []byte("s3cr3t-maint")) == 1
}
