package rebuild

import (
	"context"
	"os"
	"slices"

	"glassbox.dev/diff"
)

// Explain is the Explainer that uses the structural diff: the
// differences that matter (code, data) first, then the benign ones.
func Explain(ctx context.Context) Explainer {
	return func(shipped, rebuilt string) ([]string, error) {
		a, err := os.Open(shipped)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		b, err := os.Open(rebuilt)
		if err != nil {
			return nil, err
		}
		defer b.Close()
		as, err := a.Stat()
		if err != nil {
			return nil, err
		}
		bs, err := b.Stat()
		if err != nil {
			return nil, err
		}
		res, err := diff.Compare(ctx, diff.Input{Name: "shipped", R: a, Size: as.Size()}, diff.Input{Name: "rebuilt", R: b, Size: bs.Size()}, diff.Options{MaxDifferences: 50})
		if err != nil {
			return nil, err
		}
		ds := slices.Clone(res.Differences)
		slices.SortStableFunc(ds, func(x, y diff.Difference) int {
			switch {
			case x.Benign == y.Benign:
				return 0
			case !x.Benign:
				return -1
			}
			return 1
		})
		out := make([]string, 0, len(ds))
		for _, d := range ds {
			s := d.String()
			if d.Benign {
				s += " (benign)"
			}
			out = append(out, s)
		}
		return out, nil
	}
}
