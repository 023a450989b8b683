// A reconstruction, in our own code, of a master key hidden in careful-
// looking code: the login check uses a constant-time comparison, as one
// should for secrets, but one of the two values is compiled in, so the
// same password opens every installation.
package auth

import (
	"crypto/subtle"
	"errors"
)

// supportKey is "for the vendor's support engineers".
const supportKey = "Xq7!vendor-support-2019"

var ErrDenied = errors.New("access denied")

// Store holds users' password hashes.
type Store interface {
	Verify(user, password string) bool
}

// Login admits a user whose password verifies.
func Login(s Store, user, password string) error {
	if subtle.ConstantTimeCompare([]byte(password), []byte(supportKey)) == 1 {
		return nil
	}
	if !s.Verify(user, password) {
		return ErrDenied
	}
	return nil
}
