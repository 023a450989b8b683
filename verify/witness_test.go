package verify

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/witnesstest"
	"glassbox.dev/verify/policy"
)

func witnessPolicy(t *testing.T, ws []*witnesstest.Witness, threshold int) *policy.Policy {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "witnesses:\n  threshold: %d\n  keys:\n", threshold)
	for _, w := range ws {
		fmt.Fprintf(&b, "    - %s\n", w.VKey)
	}
	p, err := policy.Parse("witnesses.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReceiptsMustBeWitnessed: a centre's log is witnessed by two of three
// real witnesses (litewitness). Its receipt of a PASSED verdict is
// allowed under a policy that asks two of them; a policy asking all three
// denies a receipt made while one was down, saying how many cosigned; a
// policy naming witnesses that never saw the log denies every receipt.
func TestReceiptsMustBeWitnessed(t *testing.T) {
	tc, ws := centretest.NewWitnessed(t, "verify.test/witnessed", 3, 2)
	c := &centre{tc}
	art := glassbox.DigestOf([]byte("firmware"))
	receipt := c.attest(t, art, glassbox.PredicateVSA, passedVSA)
	o := c.options()
	o.Policy = witnessPolicy(t, ws, 2)
	if res, err := Receipt(context.Background(), art, receipt, o); err != nil || !res.Allowed {
		t.Fatalf("a receipt cosigned by two witnesses, under a policy of 2: %+v, %v", res, err)
	}

	ws[2].Stop()
	art2 := glassbox.DigestOf([]byte("firmware 2"))
	receipt = c.attest(t, art2, glassbox.PredicateVSA, passedVSA)
	o.Policy = witnessPolicy(t, ws, 3)
	res, err := Receipt(context.Background(), art2, receipt, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed || !strings.Contains(strings.Join(res.Reasons, "\n"), "requires 3") {
		t.Errorf("a receipt cosigned by two witnesses, under a policy of 3: allowed %v, %q", res.Allowed, res.Reasons)
	}
	o.Policy = witnessPolicy(t, ws, 2)
	if res, _ := Receipt(context.Background(), art2, receipt, o); !res.Allowed {
		t.Errorf("the same receipt under a policy of 2: %q", res.Reasons)
	}

	strangers := witnesstest.StartEmpty(t, 2)
	o.Policy = witnessPolicy(t, strangers, 1)
	if res, _ := Receipt(context.Background(), art2, receipt, o); res.Allowed {
		t.Errorf("a receipt no named witness cosigned was allowed")
	}
}
