//go:build cgo

// Package hsmtest gives tests a real PKCS#11 token: SoftHSM v2 (Debian's
// softhsm2, which .ci/run installs), with its tokens in a directory of the
// test process's own.
package hsmtest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
)

// PIN is every test token's user PIN.
const PIN = "1234-test"

const soPIN = "5678-test"

// modulePaths are where Debian and others install SoftHSM's module.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

var setup struct {
	sync.Once
	module string
	err    error
	mu     sync.Mutex
	ctx    *pkcs11.Ctx
}

// Module is SoftHSM's module, configured (SOFTHSM2_CONF) to keep its
// tokens in a directory of this process's; a test fails when SoftHSM is
// not installed.
func Module(t testing.TB) string {
	t.Helper()
	setup.Do(func() {
		for _, p := range modulePaths {
			if _, err := os.Stat(p); err == nil {
				setup.module = p
				break
			}
		}
		if setup.module == "" {
			setup.err = fmt.Errorf("SoftHSM is not installed: apt-get install softhsm2 (.ci/run does)")
			return
		}
		dir, err := os.MkdirTemp("", "glassbox-softhsm-")
		if err != nil {
			setup.err = err
			return
		}
		tokens := filepath.Join(dir, "tokens")
		conf := filepath.Join(dir, "softhsm2.conf")
		os.Mkdir(tokens, 0o700)
		if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
			setup.err = err
			return
		}
		// Read by the module when it is initialised, once per process.
		os.Setenv("SOFTHSM2_CONF", conf)
		setup.ctx = pkcs11.New(setup.module)
		if setup.ctx == nil {
			setup.err = fmt.Errorf("cannot load %s", setup.module)
			return
		}
		if err := setup.ctx.Initialize(); err != nil {
			if e, ok := err.(pkcs11.Error); !ok || e != pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
				setup.err = fmt.Errorf("initialise SoftHSM: %v", err)
			}
		}
	})
	if setup.err != nil {
		t.Fatal(setup.err)
	}
	return setup.module
}

// Token initialises a new token labelled label, with user PIN PIN, and
// returns a PKCS#11 URI of object in it whose PIN is in a file of the
// test's.
func Token(t testing.TB, label, object string) string {
	t.Helper()
	module := Module(t)
	setup.mu.Lock()
	defer setup.mu.Unlock()
	c := setup.ctx
	slots, err := c.GetSlotList(false)
	if err != nil {
		t.Fatal(err)
	}
	free := -1
	for _, s := range slots {
		ti, err := c.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if ti.Label == label && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			t.Fatalf("a token %q exists already", label)
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 && free < 0 {
			free = int(s)
		}
	}
	if free < 0 {
		t.Fatal("SoftHSM has no free slot")
	}
	if err := c.InitToken(uint(free), soPIN, label); err != nil {
		t.Fatalf("init token %s: %v", label, err)
	}
	// SoftHSM gives an initialised token a slot of its own.
	slots, _ = c.GetSlotList(true)
	slot := -1
	for _, s := range slots {
		if ti, err := c.GetTokenInfo(s); err == nil && ti.Label == label {
			slot = int(s)
		}
	}
	if slot < 0 {
		t.Fatalf("token %s not found after its initialisation", label)
	}
	sh, err := c.OpenSession(uint(slot), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseSession(sh)
	if err := c.Login(sh, pkcs11.CKU_SO, soPIN); err != nil {
		t.Fatal(err)
	}
	if err := c.InitPIN(sh, PIN); err != nil {
		t.Fatal(err)
	}
	c.Logout(sh)
	pinFile := filepath.Join(t.TempDir(), "hsm.pin")
	if err := os.WriteFile(pinFile, []byte(PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return URI(module, label, object, pinFile)
}

// URI is the PKCS#11 URI of object in the token labelled label.
func URI(module, label, object, pinFile string) string {
	return "pkcs11:token=" + url.PathEscape(label) + ";object=" + url.PathEscape(object) +
		"?module-path=" + url.PathEscape(module) + "&pin-source=file:" + url.PathEscape(pinFile)
}
