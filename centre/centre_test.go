package centre_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/ingest"
)

// open opens a centre in a new data directory holding one release, and
// returns the centre and the release.
func open(t *testing.T, keys bool) (*centre.Centre, *glassbox.Release) {
	t.Helper()
	data := t.TempDir()
	if keys {
		if _, err := attest.GenerateKeys(centre.KeyDir(data), "centre.test/log", false); err != nil {
			t.Fatal(err)
		}
	}
	c, err := centre.Open(t.Context(), data, centre.Options{Log: centre.LogIfKeys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if (c.Notary != nil) != keys {
		t.Fatalf("with keys %v, the notary is %v", keys, c.Notary)
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "1.4.2", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created {
		t.Fatal("the first submission stored nothing")
	}
	again, err := c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "1.4.2", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	if err != nil || again.Created || again.Release.ID != res.Release.ID {
		t.Fatalf("the same submission again: %+v, %v; want release %s, nothing new", again, err, res.Release.ID)
	}
	return c, res.Release
}

// A release is named as users type it; each way of naming none says why.
func TestResolveRelease(t *testing.T) {
	c, rel := open(t, false)
	for _, ref := range []string{string(rel.ID), rel.ID.Hex(), rel.ID.Hex()[:6], strings.ToUpper(rel.ID.Hex()[:12]), "acme/router@1.4.2"} {
		got, err := c.ResolveRelease(t.Context(), ref)
		if err != nil || got.ID != rel.ID {
			t.Errorf("ResolveRelease(%q) = %v, %v; want %s", ref, got, err, rel.ID)
		}
	}
	for _, tc := range []struct {
		ref, code string
		malformed bool
	}{
		{"acme/router@9", glassbox.ENOTFOUND, false},
		{"ffffffff", glassbox.ENOTFOUND, false},
		{"abc", glassbox.EINVALID, true},
		{"not-hex-at-all", glassbox.EINVALID, true},
	} {
		_, err := c.ResolveRelease(t.Context(), tc.ref)
		if glassbox.ErrorCode(err) != tc.code || errors.Is(err, centre.ErrMalformedRef) != tc.malformed {
			t.Errorf("ResolveRelease(%q): %v (code %s); want code %s, malformed %v", tc.ref, err, glassbox.ErrorCode(err), tc.code, tc.malformed)
		}
	}
	rows, err := c.Releases(t.Context(), glassbox.ReleaseFilter{})
	if err != nil || len(rows) != 1 || rows[0].Release.ID != rel.ID || rows[0].Current != nil {
		t.Errorf("Releases = %+v, %v; want the one release, never evaluated", rows, err)
	}
}

// A judgement is recorded under the evaluator the caller names, never one
// the judgement carries; with the log open it is signed and logged.
func TestJudgeUnderTheCallersIdentity(t *testing.T) {
	for _, keys := range []bool{false, true} {
		c, rel := open(t, keys)
		if _, err := c.Judge(t.Context(), rel, " ", []glassbox.Judgement{{Control: "I.1", Satisfied: true, Note: "n"}}); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("a judgement by nobody: %v; want EINVALID", err)
		}
		if _, err := c.Judge(t.Context(), rel, "alice", []glassbox.Judgement{{Control: "I.1", Satisfied: true, Note: "n"}, {Control: "X.9", Note: "n"}}); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			t.Errorf("a worksheet with an unknown control: %v; want ENOTFOUND", err)
		}
		judged, err := c.Judge(t.Context(), rel, "alice", []glassbox.Judgement{{Control: "I.1", Satisfied: true, Note: " risk assessment reviewed ", Evaluator: "mallory"}})
		if err != nil {
			t.Fatal(err)
		}
		j := judged[0].Judgement
		if j.Evaluator != "alice" || j.Catalog != "cra-annex-i" || j.Note != "risk assessment reviewed" || j.Release != rel.ID {
			t.Errorf("recorded %+v; want alice's judgement of cra-annex-i's control, the note trimmed", j)
		}
		if (judged[0].Receipt != nil) != keys {
			t.Errorf("with keys %v, the receipt is %v", keys, judged[0].Receipt)
		}
		later, err := c.Judge(t.Context(), rel, "carol", []glassbox.Judgement{{Control: "I.1", Note: "omits the update server"}})
		if err != nil || later[0].Supersedes == nil || later[0].Supersedes.Evaluator != "alice" {
			t.Fatalf("a later judgement: %+v, %v; want it to supersede alice's", later, err)
		}
		rows, err := c.Judgements(t.Context(), rel)
		if err != nil || len(rows) != 2 || !rows[0].Superseded || rows[1].Superseded || rows[1].Evaluator != "carol" {
			t.Errorf("Judgements = %+v, %v; want alice's superseded by carol's", rows, err)
		}
	}
}

// Signing jobs need the log; without it they are refused, not silently
// unsigned.
func TestSigningJobsNeedTheLog(t *testing.T) {
	c, rel := open(t, false)
	if _, err := c.Withdraw(t.Context(), rel, "recalled"); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("Withdraw without the log: %v; want EINVALID", err)
	}
	c, rel = open(t, true)
	if _, err := c.Withdraw(t.Context(), rel, " "); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("Withdraw without a reason: %v; want EINVALID", err)
	}
	w, err := c.Withdraw(t.Context(), rel, "recalled")
	if err != nil || w.Receipt == nil || len(w.Revoked) != 0 {
		t.Errorf("Withdraw = %+v, %v; want a receipt and no verdict revoked (there was none)", w, err)
	}
}
