package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"glassbox.dev/evaluate"
	"glassbox.dev/internal/terminal"
)

// Piped, evaluate prints a line as each stage starts and ends (a CI log is
// never silent for minutes); --quiet prints nothing.
func TestStageProgressWhenPiped(t *testing.T) {
	var stderr bytes.Buffer
	g := &globals{stderr: &stderr}
	p := stageProgress(g)
	if p == nil {
		t.Fatal("piped, evaluate reports no progress")
	}
	p(evaluate.Event{Stage: "rebuild", State: evaluate.StageStarted})
	p(evaluate.Event{Stage: "rebuild", State: "pass", Elapsed: 210 * time.Second, Detail: "1 artefact identical"})
	want := "glassbox: evaluate: rebuild: started\nglassbox: evaluate: rebuild: pass after 3m30s: 1 artefact identical\n"
	if stderr.String() != want {
		t.Errorf("progress lines:\n%s\nwant\n%s", stderr.String(), want)
	}
	g.quiet = true
	if stageProgress(g) != nil {
		t.Error("--quiet still reports progress")
	}
}

// Through the terminal writer, vendor text in a progress line (a stage's
// detail names files and components) cannot drive the terminal.
func TestProgressDetailIsEscapedOnATerminal(t *testing.T) {
	var out bytes.Buffer
	g := &globals{stderr: terminal.NewWriter(&out)}
	stageProgress(g)(evaluate.Event{Stage: "sbom", State: "fail", Detail: "component \x1b]0;owned\x07evil"})
	if strings.ContainsRune(out.String(), 0x1b) || !strings.Contains(out.String(), `\x1b]0;owned\x07evil`) {
		t.Errorf("printed %q", out.String())
	}
}
