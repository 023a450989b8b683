package oscal

import (
	"crypto/sha1"
	"fmt"
	"strings"
)

// uuidNamespace is the UUIDv5 namespace of every UUID glassbox derives for
// OSCAL documents: itself the UUIDv5 of "https://glassbox.dev/ns/oscal" in
// the URL namespace of RFC 9562.
var uuidNamespace = uuid5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, Namespace)

// UUID returns a UUIDv5 (RFC 9562) derived from parts, so that the same
// content always gets the same UUID and an assessment written twice is the
// same bytes. Parts are joined with a byte no part contains.
func UUID(parts ...string) string {
	b := uuid5(uuidNamespace, strings.Join(parts, "\x00"))
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New() // RFC 9562 fixes SHA-1 for version 5; it names, it does not protect
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}
