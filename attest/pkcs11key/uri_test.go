package pkcs11key

import (
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	u, err := ParseURI("pkcs11:token=glass%20box;object=attestation;id=%01%02;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/hsm.pin")
	if err != nil {
		t.Fatal(err)
	}
	if u.Token != "glass box" || u.Object != "attestation" || string(u.ID) != "\x01\x02" || u.ModulePath != "/usr/lib/softhsm/libsofthsm2.so" || u.PinSource != "/run/hsm.pin" {
		t.Errorf("%+v", u)
	}
	if got := u.String(); got != "pkcs11:token=glass%20box;object=attestation;id=%01%02" {
		t.Errorf("String = %s", got)
	}
	for _, tc := range []struct{ uri, want string }{
		{"file:/x", `starts with "pkcs11:"`},
		{"pkcs11:object=a?module-path=/m&pin-value=1", "token="},
		{"pkcs11:token=t?module-path=/m&pin-value=1", "object="},
		{"pkcs11:token=t;object=a?pin-value=1", "module-path="},
		{"pkcs11:token=t;object=a?module-path=/m", "pin-source="},
		{"pkcs11:token=t;object=a;objekt=b?module-path=/m&pin-value=1", `unknown attribute "objekt"`},
		{"pkcs11:token=t;token=u;object=a?module-path=/m&pin-value=1", "twice"},
		{"pkcs11:token=t;object=a;type=public?module-path=/m&pin-value=1", "type=private"},
		{"pkcs11:token=t;object=%zz?module-path=/m&pin-value=1", "object"},
		{"pkcs11:token=t;object=a?module-path=/m&pin-value=secret1&pin-source=/p", "keep one"},
		{"pkcs11:token=t;object=a?module-path=/m&pin-value=1&pin-value=secret1", "twice"},
		{"pkcs11:token=t;object=a?module-path=/m&PIN-VALUE=secret1", "unknown query attribute"},
		{"pkcs11:token=t;slot-id=x;object=a?module-path=/m&pin-value=1", "slot-id"},
	} {
		_, err := ParseURI(tc.uri)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURI(%q) = %v; want an error naming %q", tc.uri, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret1") {
			t.Errorf("the error shows the PIN: %v", err)
		}
	}
}

// FuzzParseURI: no URI panics the parser, and what it accepts names a
// module, a token, a key and a PIN.
func FuzzParseURI(f *testing.F) {
	f.Add("pkcs11:token=t;object=a?module-path=/m&pin-source=file:/p")
	f.Add("pkcs11:serial=1;slot-id=3;id=%01?module-path=/m&pin-value=1&x-y=z")
	f.Add("pkcs11:;;??&&==")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		if u.ModulePath == "" || (u.Token == "" && u.Serial == "" && u.SlotID == nil) || (u.Object == "" && len(u.ID) == 0) || (u.PinSource == "" && u.PinValue == "") {
			t.Fatalf("accepted an incomplete URI %q: %+v", s, u)
		}
		if u.PinValue != "" && strings.Contains(u.String(), "pin") {
			t.Fatalf("String shows the PIN: %s", u.String())
		}
	})
}
