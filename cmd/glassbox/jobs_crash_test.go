package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/jobs"
)

// TestAKilledServeFinishesItsEvaluationOnce queues an evaluation, kills
// 'glassbox serve' with SIGKILL while its worker rebuilds the release,
// starts it again, and checks that the job is picked up and done, that
// the data directory and the log open and check (tlog verifies the whole
// log on open), and that the release has one current verdict: one
// evaluation record, one VSA about its artefact in the log.
func TestAKilledServeFinishesItsEvaluationOnce(t *testing.T) {
	needSandbox(t)
	bin := buildGlassbox(t)
	eachBackend(t, func(t *testing.T, dir, data string, global []string) {
		db := ""
		if len(global) > 2 {
			db = global[3]
		}
		mustRun(t, append(global, "keys", "generate", "--origin", "jobs.test/log")...)
		// The rebuild sleeps, so that the worker is surely in it when
		// it is killed.
		src := filepath.Join(dir, "src")
		writeFile(t, filepath.Join(src, "greeting.txt"), []byte("hello\n"))
		recipe := writeFile(t, filepath.Join(dir, "recipe.yaml"), []byte("build:\n  - sleep 5 && mkdir -p dist && cp greeting.txt dist/greeting\nartifacts:\n  greeting: dist/greeting\n"))
		art := writeFile(t, filepath.Join(dir, "dist", "greeting"), []byte("hello\n"))
		id := glassbox.Digest(strings.TrimSpace(mustRun(t, append(global, "submit", "--product", "greeting", "--version", "1.0.0",
			"--source", src, "--recipe", recipe, "--artifact", art)...)))

		q, err := jobs.Open(t.Context(), jobs.Config{DataDir: data, DB: db})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close(context.Background())
		job, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindEvaluate, Release: id, Standards: []string{"cra-annex-i"}})
		if err != nil {
			t.Fatal(err)
		}
		// A killed worker's job is run again after six missed heartbeats.
		serve, _ := startServeArgs(t, bin, global, "--heartbeat", "500ms")
		killed := false
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && !killed; time.Sleep(20 * time.Millisecond) {
			evs, err := q.Events(t.Context(), job, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.Stage == "rebuild" && ev.State == string(evaluate.StageStarted) {
					serve.Process.Signal(syscall.SIGKILL)
					killed = true
				}
			}
		}
		serve.Wait()
		if !killed {
			t.Fatal("the worker did not start the rebuild within a minute")
		}
		if j, err := q.Get(t.Context(), job); err != nil || j.State != jobs.Running {
			t.Fatalf("after the kill the job is %+v (%v); want still marked running", j, err)
		}

		serve, _ = startServeArgs(t, bin, global, "--heartbeat", "500ms")
		ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
		defer cancel()
		ch, err := q.Subscribe(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		var evs []jobs.Event
		for ev := range ch {
			evs = append(evs, ev)
		}
		serve.Process.Signal(syscall.SIGTERM)
		if err := serve.Wait(); err != nil {
			t.Errorf("graceful shutdown after the job: %v", err)
		}
		j, err := q.Get(t.Context(), job)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Done || j.Attempt != 2 {
			t.Fatalf("job %+v; want done at its second attempt; events %+v", j, evs)
		}

		// The data directory and the log open (the log is checked in
		// full), and the release has one verdict.
		g := &globals{data: data, stderr: io.Discard}
		if db != "" {
			g.db = db
		}
		c, err := g.openLog(t.Context())
		if err != nil {
			t.Fatalf("the data directory after the kill: %v", err)
		}
		defer c.Close()
		h, err := evaluate.History(t.Context(), c.Blobs, c.Store, id)
		if err != nil || len(h) != 1 {
			t.Errorf("history %+v, %v: want one evaluation record", h, err)
		}
		rel, err := c.Store.FindRelease(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		about, err := c.Store.FindAttestations(t.Context(), rel.Manifest.Artifacts[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		vsas := 0
		for _, a := range about {
			if a.PredicateType == glassbox.PredicateVSA {
				vsas++
			}
		}
		if vsas != 1 {
			t.Errorf("the log holds %d VSAs about the artefact; want 1", vsas)
		}
	})
}

// TestWorkerRunsQueuedJobs starts 'glassbox worker' beside a queue that
// only queues (as 'serve --workers 0' does): the worker runs the job, and
// stops on SIGTERM with exit 0.
func TestWorkerRunsQueuedJobs(t *testing.T) {
	bin := buildGlassbox(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "jobs.test/log")
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
	id := glassbox.Digest(strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "fw", "--version", "1", "--source", src)))
	q, err := jobs.Open(t.Context(), jobs.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(context.Background())
	job, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: id})
	if err != nil {
		t.Fatal(err)
	}
	worker := exec.Command(bin, "--data", data, "worker", "--workers", "2")
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ch, err := q.Subscribe(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	for range ch {
	}
	worker.Process.Signal(syscall.SIGTERM)
	if err := worker.Wait(); err != nil {
		t.Errorf("the worker did not stop cleanly on SIGTERM: %v", err)
	}
	if j, err := q.Get(t.Context(), job); err != nil || j.State != jobs.Done {
		t.Errorf("job %+v, %v; want done", j, err)
	}
}
