// A token check done right: both sides of the constant-time comparison
// are runtime values (the stored hash and the hash of what was sent).
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
)

type Checker struct {
	key  []byte
	hash []byte
}

func (c *Checker) ValidToken(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], c.hash) == 1
}

func (c *Checker) ValidSignature(msg, sig []byte) bool {
	m := hmac.New(sha256.New, c.key)
	m.Write(msg)
	return hmac.Equal(m.Sum(nil), sig)
}
