package tlog

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	sumtlog "golang.org/x/mod/sumdb/tlog"

	"glassbox.dev/internal/mysqltest"
	"glassbox.dev/internal/s3test"
	"glassbox.dev/internal/tlogcheck"
)

// Several processes append to one shared log at once (each a Log of its
// own over the same bucket and database, as on separate machines); every
// append gets a receipt that verifies, no entry is lost or doubled, and an
// independent tlog-tiles client reading either process's tiles finds one
// consistent log holding every entry once.
func TestSharedLogManyAppenders(t *testing.T) {
	dsn := mysqltest.DSN(t)
	srv := s3test.Start(t)
	sh := Shared{Bucket: srv.Where(srv.Bucket()), DSN: dsn}
	sh.Bucket.Prefix = "log"
	s, v := newKeys(t, testOrigin)
	ctx := context.Background()
	var logs []*Log
	for range 3 {
		l, err := OpenShared(ctx, sh, s, v, Options{CheckpointInterval: 200 * time.Millisecond, BatchMaxAge: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close(ctx)
		logs = append(logs, l)
	}
	const n = 150
	var wg sync.WaitGroup
	incs := make([]*Inclusion, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			incs[i], errs[i] = logs[i%len(logs)].Append(ctx, fmt.Appendf(nil, "leaf %d", i))
		})
	}
	wg.Wait()
	got := map[uint64][]byte{}
	for i, inc := range incs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		leaf := fmt.Appendf(nil, "leaf %d", i)
		tree := checkpointTree(t, inc.Checkpoint, v)
		var p sumtlog.RecordProof
		for _, h := range inc.Proof {
			p = append(p, sumtlog.Hash(h))
		}
		if err := sumtlog.CheckRecord(p, tree.N, tree.Hash, int64(inc.Index), recordHash(leaf)); err != nil {
			t.Fatalf("leaf %d at %d: the inclusion proof does not check: %v", i, inc.Index, err)
		}
		if prev, ok := got[inc.Index]; ok {
			t.Fatalf("index %d given to %q and %q", inc.Index, prev, leaf)
		}
		got[inc.Index] = leaf
	}
	for _, l := range logs {
		hs := httptest.NewServer(l.Handler())
		defer hs.Close()
		ind := &tlogcheck.Log{URL: hs.URL, Verifier: v}
		var cp *tlogcheck.Checkpoint
		for deadline := time.Now().Add(30 * time.Second); ; {
			var err error
			if cp, err = ind.Checkpoint(ctx); err == nil && cp.Size >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the checkpoint did not reach %d entries: %v %v", n, cp, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		entries, err := ind.Entries(ctx, cp)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != n {
			t.Fatalf("the log holds %d entries; want %d", len(entries), n)
		}
		for i, e := range entries {
			if !bytes.Equal(got[uint64(i)], e) {
				t.Fatalf("entry %d is %q; the appender was told %q", i, e, got[uint64(i)])
			}
		}
		sorted := slices.Clone(entries)
		slices.SortFunc(sorted, bytes.Compare)
		if len(slices.CompactFunc(sorted, bytes.Equal)) != n {
			t.Fatal("the log holds an entry twice")
		}
	}
}

// A bucket that holds another log's checkpoint is refused.
func TestSharedLogRefusesAnotherLogsBucket(t *testing.T) {
	dsn := mysqltest.DSN(t)
	srv := s3test.Start(t)
	sh := Shared{Bucket: srv.Where(srv.Bucket()), DSN: dsn}
	s, v := newKeys(t, testOrigin)
	ctx := context.Background()
	l, err := OpenShared(ctx, sh, s, v, Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, []byte("first")); err != nil {
		t.Fatal(err)
	}
	l.Close(ctx)
	s2, v2 := newKeys(t, "other.example/log")
	if _, err := OpenShared(ctx, sh, s2, v2, Options{}); err == nil {
		t.Fatal("a shared log opened over another log's bucket")
	}
	// Its own key reopens it, and it goes on.
	l, err = OpenShared(ctx, sh, s, v, Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	inc, err := l.Append(ctx, []byte("second"))
	if err != nil || inc.Index != 1 {
		t.Fatalf("append after reopening = %+v, %v; want index 1", inc, err)
	}
}

// An entry one process appended, integrated but not yet under a published
// checkpoint, is proved by another process once the checkpoint covering
// it is out, not refused as missing (the index of a shared log names
// entries as soon as they are integrated).
func TestSharedLogProvesAnotherProcesssEntry(t *testing.T) {
	dsn := mysqltest.DSN(t)
	srv := s3test.Start(t)
	sh := Shared{Bucket: srv.Where(srv.Bucket()), DSN: dsn}
	s, v := newKeys(t, testOrigin)
	ctx := context.Background()
	a, err := OpenShared(ctx, sh, s, v, Options{CheckpointInterval: 3 * time.Second, BatchMaxAge: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := OpenShared(ctx, sh, s, v, Options{CheckpointInterval: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	wait, err := a.Add(ctx, []byte("appended by a"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	for !b.integrated(ctx, idx) {
		time.Sleep(10 * time.Millisecond)
	}
	inc, err := b.Prove(ctx, idx, nil)
	if err != nil {
		t.Fatalf("proving another process's integrated entry: %v", err)
	}
	tree := checkpointTree(t, inc.Checkpoint, v)
	var p sumtlog.RecordProof
	for _, h := range inc.Proof {
		p = append(p, sumtlog.Hash(h))
	}
	if err := sumtlog.CheckRecord(p, tree.N, tree.Hash, int64(idx), recordHash([]byte("appended by a"))); err != nil {
		t.Fatal(err)
	}
}

// A shared log serves what its bucket holds, 404 for what it does not
// hold yet, and 503 (never 404) while the bucket does not answer: a
// client or a cache must not take an existing tile for missing.
func TestSharedLogServesBucketOutageAsUnavailable(t *testing.T) {
	dsn := mysqltest.DSN(t)
	srv := s3test.Start(t)
	s, v := newKeys(t, testOrigin)
	ctx := context.Background()
	l, err := OpenShared(ctx, Shared{Bucket: srv.Where(srv.Bucket()), DSN: dsn}, s, v, Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	if _, err := l.Append(ctx, []byte("first")); err != nil {
		t.Fatal(err)
	}
	get := func(p string) int {
		rec := httptest.NewRecorder()
		l.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+p, nil))
		return rec.Code
	}
	if code := get("checkpoint"); code != http.StatusOK {
		t.Fatalf("checkpoint: %d", code)
	}
	if code := get("tile/0/x001/000"); code != http.StatusNotFound {
		t.Errorf("a tile the log does not have: %d; want 404", code)
	}
	srv.Stop()
	if code := get("tile/0/000.p/1"); code != http.StatusServiceUnavailable {
		t.Errorf("a tile with the bucket down: %d; want 503", code)
	}
}
