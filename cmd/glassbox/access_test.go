package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
)

// TestAccessListsAndVerifiesEveryRead: 'glassbox access' lists each read the
// centre recorded of a release, verified offline, and exits 1 when the keys
// it is given do not verify them.
func TestAccessListsAndVerifiesEveryRead(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	src := writeFile(t, filepath.Join(f.dir, "src", "main.c"), []byte("int main(void) { return 0; }\n"))
	id := strings.TrimSpace(mustRun(t, "--data", f.data, "submit", "--product", "router", "--version", "2.1.0", "--source", filepath.Dir(src), "--artifact", f.artifact))

	ctx := context.Background()
	c, err := (&globals{data: f.data}).openLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, err := attest.LoadPublicKey(f.pub)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := findRelease(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	r := access.NewRecorder(c.Notary, c.Store, key)
	const n = 3
	for i := range n {
		_, err := r.Record(ctx, access.Read{
			Principal: &glassbox.Principal{User: glassbox.User{ID: "alice", Role: glassbox.RoleEvaluator}, Org: glassbox.Organisation{ID: "lab-a", Name: "Lab A"}, Token: "tok_1"},
			Basis:     access.BasisGrant, Grant: "grant-7", Kind: access.KindSourceFile, Release: rel,
			Paths: []access.Path{{Path: fmt.Sprintf("src/file%d.c", i), Digest: glassbox.DigestOf([]byte{byte(i)})}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, "--data", f.data, "access", "router@2.1.0")
	for _, want := range []string{"3 reads, 3 verified", "lab-a/alice", "grant grant-7", "source-file", "src/file0.c", "src/file2.c"} {
		if !strings.Contains(out, want) {
			t.Errorf("glassbox access: no %q in\n%s", want, out)
		}
	}
	var list struct {
		Reads []struct {
			Verified bool
			Access   access.Predicate
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", f.data, "access", id, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Reads) != n {
		t.Fatalf("glassbox access --json lists %d reads; want %d", len(list.Reads), n)
	}
	for i, rd := range list.Reads {
		if !rd.Verified || rd.Access.Paths[0].Path != fmt.Sprintf("src/file%d.c", i) {
			t.Errorf("read %d: %+v", i, rd)
		}
	}

	other := newAttestFixture(t, "other.example.org/log", vsaPassed)
	code, out, errOut := glassboxRun(t, "--data", f.data, "access", id, "--key", other.pub, "--log-key", other.vkey)
	if code != exitRefused || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(errOut, "3 of 3 reads") {
		t.Errorf("glassbox access with another centre's keys: exit %d\n%s%s", code, out, errOut)
	}
}
