package exercise

import (
	"context"
	"os"
	"testing"
)

func TestSmokeBin(t *testing.T) {
	bin := os.Getenv("SMOKEBIN")
	if bin == "" {
		t.Skip()
	}
	wd := "/tmp/smokewd"
	os.RemoveAll(wd)
	os.MkdirAll(wd, 0o755)
	rep, err := Exercise(context.Background(), Spec{Executables: []Executable{{Name: "g", Path: bin}}, WorkDir: wd})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Runs {
		t.Logf("%v %s %q dns=%v", r.Args, r.Exit, r.Output, r.DNS)
		for _, e := range r.Events {
			t.Logf("  %s", describe(e))
		}
	}
}
