package tlog

import (
	"context"
	"testing"
)

// FuzzParseReceipt feeds arbitrary bytes to the receipt parser, which reads
// files that come from anywhere: it must not panic, and what it accepts
// must survive a round trip.
func FuzzParseReceipt(f *testing.F) {
	s, v := newKeys(f, testOrigin)
	l, err := Open(context.Background(), f.TempDir(), s, v, Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		f.Fatal(err)
	}
	inc, err := l.Append(context.Background(), []byte("glassbox.dev/attestation/v1\n"))
	if err != nil {
		f.Fatal(err)
	}
	r, _ := NewReceipt([]byte(`{"payloadType":"x","payload":"","signatures":[]}`), []byte("leaf"), inc)
	seed, _ := r.Marshal()
	l.Close(context.Background())
	f.Add(seed)
	f.Add([]byte(`{"mediaType":"application/vnd.glassbox.receipt.v1+json","envelope":"e30=","tlogProof":"c2sp.org/tlog-proof@v1\nextra bGVhZg==\nindex 0\n\nlog\n1\nAAAA\n"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, p, err := ParseReceipt(data)
		if err != nil {
			return
		}
		if r.MediaType != ReceiptMediaType || len(p.ExtraData) == 0 || len(r.Envelope) == 0 {
			t.Fatalf("accepted an incomplete receipt: %+v %+v", r, p)
		}
		b, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ParseReceipt(b); err != nil {
			t.Fatalf("a re-marshalled receipt does not parse: %v", err)
		}
	})
}
