package pkcs11key

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"glassbox.dev"
)

// Scheme starts a PKCS#11 URI: a key reference that starts with it names
// a key in a module, any other is a file.
const Scheme = "pkcs11:"

// MaxURI bounds a PKCS#11 URI.
const MaxURI = 4096

// URI is a PKCS#11 URI (RFC 7512) naming one key: the token that holds it,
// the key's label or id, the module to load and where its PIN is.
//
//	pkcs11:token=glassbox;object=attestation?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/glassbox/secrets/hsm.pin
type URI struct {
	Token  string // the token's label
	Serial string // the token's serial number
	SlotID *uint  // the slot
	Object string // the key's label (CKA_LABEL)
	ID     []byte // the key's id (CKA_ID)

	ModulePath string // the module (a shared library) to load
	PinSource  string // a file holding the user PIN
	PinValue   string // the user PIN itself (never shown)
}

// ParseURI reads a PKCS#11 URI. It must name a module (module-path), the
// token (token, serial or slot-id), the key (object or id) and the PIN
// (pin-source or pin-value); attributes glassbox does not use are refused
// by name, so a misspelt one is not silently ignored.
func ParseURI(s string) (*URI, error) {
	if len(s) > MaxURI {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a PKCS#11 URI is at most %d bytes, not %d", MaxURI, len(s))
	}
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a PKCS#11 URI starts with %q", Scheme)
	}
	path, query, _ := strings.Cut(rest, "?")
	var u URI
	seen := map[string]bool{}
	attr := func(part, sep string) (string, string, error) {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return "", "", fmt.Errorf("%q is not an attribute (name=value, separated by %q)", part, sep)
		}
		if seen[k] {
			return "", "", fmt.Errorf("attribute %q is given twice", k)
		}
		seen[k] = true
		val, err := url.PathUnescape(v)
		if err != nil {
			return "", "", fmt.Errorf("attribute %q: %v", k, err)
		}
		return k, val, nil
	}
	fail := func(err error) (*URI, error) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 URI %s: %v", redact(s), err)
	}
	if path != "" {
		for part := range strings.SplitSeq(path, ";") {
			k, v, err := attr(part, ";")
			if err != nil {
				return fail(err)
			}
			switch k {
			case "token":
				u.Token = v
			case "serial":
				u.Serial = v
			case "slot-id":
				n, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					return fail(fmt.Errorf("slot-id %q is not a number", v))
				}
				id := uint(n)
				u.SlotID = &id
			case "object":
				u.Object = v
			case "id":
				u.ID = []byte(v)
			case "type":
				if v != "private" {
					return fail(fmt.Errorf("type=%s: a signing key is type=private", v))
				}
			case "manufacturer", "model", "library-manufacturer", "library-description", "library-version", "slot-description", "slot-manufacturer":
				return fail(fmt.Errorf("attribute %q is not used here: name the token by token=, serial= or slot-id=", k))
			default:
				if !strings.HasPrefix(k, "x-") {
					return fail(fmt.Errorf("unknown attribute %q (RFC 7512)", k))
				}
			}
		}
	}
	if query != "" {
		for part := range strings.SplitSeq(query, "&") {
			k, v, err := attr(part, "&")
			if err != nil {
				return fail(err)
			}
			switch k {
			case "module-path":
				u.ModulePath = v
			case "pin-source":
				u.PinSource = strings.TrimPrefix(v, "file:")
			case "pin-value":
				u.PinValue = v
			case "module-name":
				return fail(fmt.Errorf("module-name is not looked up: give the module's file as module-path="))
			default:
				if !strings.HasPrefix(k, "x-") {
					return fail(fmt.Errorf("unknown query attribute %q (RFC 7512)", k))
				}
			}
		}
	}
	switch {
	case u.ModulePath == "":
		return fail(fmt.Errorf("no module-path= (the module's shared library, e.g. /usr/lib/softhsm/libsofthsm2.so)"))
	case u.Token == "" && u.Serial == "" && u.SlotID == nil:
		return fail(fmt.Errorf("no token=, serial= or slot-id=: which token holds the key?"))
	case u.Object == "" && len(u.ID) == 0:
		return fail(fmt.Errorf("no object= or id=: which key?"))
	case u.PinSource == "" && u.PinValue == "":
		return fail(fmt.Errorf("no pin-source= (a file holding the PIN) or pin-value="))
	case u.PinSource != "" && u.PinValue != "":
		return fail(fmt.Errorf("both pin-source= and pin-value=; keep one"))
	}
	return &u, nil
}

// pin reads the user PIN.
func (u *URI) pin() (string, error) {
	if u.PinValue != "" {
		return u.PinValue, nil
	}
	fi, err := os.Stat(u.PinSource)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 PIN file: %v", err)
	}
	if fi.Size() > 1024 {
		return "", glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 PIN file %s is larger than 1 KiB; it is not a PIN", u.PinSource)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 PIN file %s may be read by others (mode %04o): chmod 600 it", u.PinSource, fi.Mode().Perm())
	}
	b, err := os.ReadFile(u.PinSource)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 PIN file: %v", err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", glassbox.Errorf(glassbox.EINVALID, "the PKCS#11 PIN file %s is empty", u.PinSource)
	}
	return p, nil
}

// String is the key's name for messages: the token and the key, never the
// PIN.
func (u *URI) String() string {
	var b strings.Builder
	b.WriteString(Scheme)
	sep := ""
	add := func(k, v string) {
		if v != "" {
			b.WriteString(sep + k + "=" + url.PathEscape(v))
			sep = ";"
		}
	}
	add("token", u.Token)
	add("serial", u.Serial)
	if u.SlotID != nil {
		add("slot-id", strconv.FormatUint(uint64(*u.SlotID), 10))
	}
	add("object", u.Object)
	add("id", string(u.ID))
	return b.String()
}

// redact is a URI fit for an error message: its path attributes, and its
// query (where the module and the PIN are) left out whole, however a PIN
// was spelt in it.
func redact(s string) string {
	path, _, hasQuery := strings.Cut(s, "?")
	if hasQuery {
		return path + "?…"
	}
	return path
}
