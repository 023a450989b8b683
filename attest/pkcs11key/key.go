//go:build cgo

package pkcs11key

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/miekg/pkcs11"

	"glassbox.dev"
)

// PKCS#11 v3.0 names of Ed25519, which the binding predates.
const (
	ckkECEdwards           = 0x40
	ckmECEdwardsKeyPairGen = 0x1055
	ckmEdDSA               = 0x1057
	maxSessions            = 4
	edwards25519CurveName  = "edwards25519"
	printableStringTag     = 0x13
	objectIdentifierTag    = 0x06
	octetStringTag         = 0x04
)

// ed25519OID is 1.3.101.112 (RFC 8410) in DER.
var ed25519OID = []byte{objectIdentifierTag, 3, 0x2b, 0x65, 0x70}

// modules are the modules this process loaded, by path: a module is
// initialised once per process and stays loaded.
var modules = struct {
	sync.Mutex
	m map[string]*pkcs11.Ctx
}{m: map[string]*pkcs11.Ctx{}}

func loadModule(path string) (*pkcs11.Ctx, error) {
	modules.Lock()
	defer modules.Unlock()
	if c := modules.m[path]; c != nil {
		return c, nil
	}
	c := pkcs11.New(path)
	if c == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "cannot load the PKCS#11 module %s: no such file, or not a PKCS#11 library", path)
	}
	if err := c.Initialize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		c.Destroy()
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "initialise the PKCS#11 module %s: %v", path, err)
	}
	modules.m[path] = c
	return c, nil
}

func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// Key is an Ed25519 private key in a PKCS#11 token: a crypto.Signer whose
// private half never leaves the module. It is safe for concurrent use; it
// keeps a few sessions and opens them again (and logs in) when the token
// lost them.
type Key struct {
	uri  *URI
	ctx  *pkcs11.Ctx
	slot uint
	pin  string
	pub  ed25519.PublicKey

	mu       sync.Mutex
	closed   bool
	idle     []pkcs11.SessionHandle
	sessions chan struct{} // one token per session that may be open
}

// Open finds the key a PKCS#11 URI names and reads its public half.
func Open(uri string) (*Key, error) {
	k, err := openToken(uri)
	if err != nil {
		return nil, err
	}
	err = k.with(func(sh pkcs11.SessionHandle) error {
		if _, err := k.find(sh, pkcs11.CKO_PRIVATE_KEY); err != nil {
			return err
		}
		pubObj, err := k.find(sh, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		k.pub, err = readPublic(k.ctx, sh, pubObj)
		return err
	})
	if err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// openToken finds the token a PKCS#11 URI names and reads its PIN: a Key
// with no session yet, whose public half is not read.
func openToken(uri string) (*Key, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	pin, err := u.pin()
	if err != nil {
		return nil, err
	}
	ctx, err := loadModule(u.ModulePath)
	if err != nil {
		return nil, err
	}
	slot, err := findSlot(ctx, u)
	if err != nil {
		return nil, err
	}
	return &Key{uri: u, ctx: ctx, slot: slot, pin: pin, sessions: make(chan struct{}, maxSessions)}, nil
}

// findSlot is the one slot whose token the URI names.
func findSlot(ctx *pkcs11.Ctx, u *URI) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, glassbox.Errorf(glassbox.EUNAVAILABLE, "list the tokens of %s: %v", u.ModulePath, err)
	}
	var found []uint
	for _, s := range slots {
		if u.SlotID != nil && s != *u.SlotID {
			continue
		}
		ti, err := ctx.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if (u.Token == "" || ti.Label == u.Token) && (u.Serial == "" || ti.SerialNumber == u.Serial) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return 0, glassbox.Errorf(glassbox.ENOTFOUND, "no token of %s matches %s", u.ModulePath, u)
	case 1:
		return found[0], nil
	}
	return 0, glassbox.Errorf(glassbox.EINVALID, "%d tokens of %s match %s: add serial= or slot-id=", len(found), u.ModulePath, u)
}

// Public is the key's Ed25519 public key.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// URI names the key, without its PIN.
func (k *Key) URI() string { return k.uri.String() }

// Sign signs message with pure Ed25519 (CKM_EDDSA): opts must ask for no
// hash, as ed25519.PrivateKey's Sign does; the message is given whole.
func (k *Key) Sign(_ io.Reader, message []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.Hash(0) {
		return nil, errors.New("pkcs11key: Ed25519 keys sign messages, not digests (want crypto.Hash(0))")
	}
	var sig []byte
	err := k.with(func(sh pkcs11.SessionHandle) error {
		priv, err := k.find(sh, pkcs11.CKO_PRIVATE_KEY)
		if err != nil {
			return err
		}
		if err := k.ctx.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmEdDSA, nil)}, priv); err != nil {
			return err
		}
		sig, err = k.ctx.Sign(sh, message)
		return err
	})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "sign with %s: %v", k.uri, err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sign with %s: the module returned %d bytes, not an Ed25519 signature", k.uri, len(sig))
	}
	return sig, nil
}

// with runs f in a logged-in session of the key's token. A session f
// failed in is closed, not reused (an operation may be left active in
// it); one the token lost (it was reset, or the module restarted) is
// opened again, once.
func (k *Key) with(f func(pkcs11.SessionHandle) error) error {
	for attempt := 0; ; attempt++ {
		sh, err := k.session()
		if err != nil {
			return err
		}
		if err = f(sh); err == nil {
			k.put(sh)
			return nil
		}
		k.drop(sh)
		lost := isCode(err, pkcs11.CKR_SESSION_HANDLE_INVALID) || isCode(err, pkcs11.CKR_SESSION_CLOSED) || isCode(err, pkcs11.CKR_USER_NOT_LOGGED_IN) || isCode(err, pkcs11.CKR_DEVICE_REMOVED) || isCode(err, pkcs11.CKR_TOKEN_NOT_PRESENT)
		if !lost || attempt > 0 {
			return err
		}
		// The token lost this session, so it lost the idle ones too:
		// the retry opens a new one.
		k.dropIdle()
	}
}

func (k *Key) session() (pkcs11.SessionHandle, error) {
	k.sessions <- struct{}{}
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		<-k.sessions
		return 0, glassbox.Errorf(glassbox.EUNAVAILABLE, "the key %s is closed", k.uri)
	}
	if n := len(k.idle); n > 0 {
		sh := k.idle[n-1]
		k.idle = k.idle[:n-1]
		k.mu.Unlock()
		return sh, nil
	}
	k.mu.Unlock()
	sh, err := k.ctx.OpenSession(k.slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		<-k.sessions
		return 0, glassbox.Errorf(glassbox.EUNAVAILABLE, "open a session with %s: %v", k.uri, err)
	}
	if err := k.ctx.Login(sh, pkcs11.CKU_USER, k.pin); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		k.ctx.CloseSession(sh)
		<-k.sessions
		if isCode(err, pkcs11.CKR_PIN_INCORRECT) || isCode(err, pkcs11.CKR_PIN_LOCKED) {
			return 0, glassbox.Errorf(glassbox.EINVALID, "log in to %s: %v (check the PIN in pin-source)", k.uri, err)
		}
		return 0, glassbox.Errorf(glassbox.EUNAVAILABLE, "log in to %s: %v", k.uri, err)
	}
	return sh, nil
}

func (k *Key) put(sh pkcs11.SessionHandle) {
	k.mu.Lock()
	if k.closed {
		k.ctx.CloseSession(sh)
	} else {
		k.idle = append(k.idle, sh)
	}
	k.mu.Unlock()
	<-k.sessions
}

func (k *Key) dropIdle() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, sh := range k.idle {
		k.ctx.CloseSession(sh)
	}
	k.idle = nil
}

func (k *Key) drop(sh pkcs11.SessionHandle) {
	k.ctx.CloseSession(sh)
	<-k.sessions
}

// Close closes the key's sessions (one in use, when it is done); the
// module stays loaded for other keys.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	for _, sh := range k.idle {
		k.ctx.CloseSession(sh)
	}
	k.idle = nil
	return nil
}

// find is the one object of class the URI names.
func (k *Key) find(sh pkcs11.SessionHandle, class uint) (pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}
	if k.uri.Object != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, k.uri.Object))
	}
	if len(k.uri.ID) > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, k.uri.ID))
	}
	if err := k.ctx.FindObjectsInit(sh, tmpl); err != nil {
		return 0, err
	}
	objs, _, err := k.ctx.FindObjects(sh, 2)
	if ferr := k.ctx.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	kind := "private"
	if class == pkcs11.CKO_PUBLIC_KEY {
		kind = "public"
	}
	switch len(objs) {
	case 0:
		return 0, glassbox.Errorf(glassbox.ENOTFOUND, "no %s key %s in the token (create it with 'glassbox keys generate --attestation-key/--log-key URI')", kind, k.uri)
	case 1:
	default:
		return 0, glassbox.Errorf(glassbox.EINVALID, "more than one %s key matches %s: add id=", kind, k.uri)
	}
	attrs, err := k.ctx.GetAttributeValue(sh, objs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil)})
	if err != nil {
		return 0, err
	}
	if len(attrs) != 1 || decodeULong(attrs[0].Value) != ckkECEdwards {
		return 0, glassbox.Errorf(glassbox.EINVALID, "the key %s is not an Edwards-curve key; the centre signs with Ed25519 only", k.uri)
	}
	return objs[0], nil
}

func decodeULong(b []byte) uint {
	// CK_ULONG in the module's native byte order (little-endian here).
	var v uint
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint(b[i])
	}
	return v
}

// readPublic reads an Ed25519 public key object: its curve must be
// Ed25519 and its point 32 bytes (DER OCTET STRING, as PKCS#11 v3.0 says,
// or raw, as some modules give).
func readPublic(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle, obj pkcs11.ObjectHandle) (ed25519.PublicKey, error) {
	attrs, err := ctx.GetAttributeValue(sh, obj, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil), pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, err
	}
	var params, point []byte
	for _, a := range attrs {
		switch a.Type {
		case pkcs11.CKA_EC_PARAMS:
			params = a.Value
		case pkcs11.CKA_EC_POINT:
			point = a.Value
		}
	}
	if !isEd25519Params(params) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the key's curve is not Ed25519 (CKA_EC_PARAMS %x)", params)
	}
	switch {
	case len(point) == 34 && point[0] == octetStringTag && point[1] == 32:
		point = point[2:]
	case len(point) == ed25519.PublicKeySize:
	default:
		return nil, glassbox.Errorf(glassbox.EINVALID, "the key's point is %d bytes, not an Ed25519 public key", len(point))
	}
	return ed25519.PublicKey(append([]byte(nil), point...)), nil
}

func isEd25519Params(p []byte) bool {
	if string(p) == string(ed25519OID) {
		return true
	}
	return len(p) == 2+len(edwards25519CurveName) && p[0] == printableStringTag && int(p[1]) == len(edwards25519CurveName) && string(p[2:]) == edwards25519CurveName
}

// Generate makes an Ed25519 key pair in the token the URI names, under its
// object label and id (a random id if it gives none): the private half
// sensitive, never extractable, for signing only. It refuses when the
// token already holds a key of that label or id.
func Generate(uri string) (ed25519.PublicKey, error) {
	k, err := openToken(uri)
	if err != nil {
		return nil, err
	}
	u, ctx := k.uri, k.ctx
	sh, err := ctx.OpenSession(k.slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "open a session with %s: %v", u, err)
	}
	defer ctx.CloseSession(sh)
	if err := ctx.Login(sh, pkcs11.CKU_USER, k.pin); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log in to %s: %v (check the PIN)", u, err)
	}
	for _, class := range []uint{pkcs11.CKO_PRIVATE_KEY, pkcs11.CKO_PUBLIC_KEY} {
		if _, err := k.find(sh, class); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			if err == nil {
				err = glassbox.Errorf(glassbox.ECONFLICT, "the token already holds a key %s; refusing to make another (a log cannot change its key)", u)
			}
			return nil, err
		}
	}
	id := u.ID
	if len(id) == 0 {
		id = make([]byte, 16)
		rand.Read(id)
	}
	common := func(extra ...*pkcs11.Attribute) []*pkcs11.Attribute {
		a := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkECEdwards),
			pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		}
		if u.Object != "" {
			a = append(a, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
		}
		return append(a, extra...)
	}
	params := append([]byte{printableStringTag, byte(len(edwards25519CurveName))}, edwards25519CurveName...)
	pubT := common(
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params))
	privT := common(
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false))
	pubObj, _, err := ctx.GenerateKeyPair(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmECEdwardsKeyPairGen, nil)}, pubT, privT)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "generate an Ed25519 key in %s: %v (does the module support CKM_EC_EDWARDS_KEY_PAIR_GEN?)", u, err)
	}
	pub, err := readPublic(ctx, sh, pubObj)
	if err != nil {
		return nil, fmt.Errorf("the key just made in %s: %w", u, err)
	}
	return pub, nil
}
