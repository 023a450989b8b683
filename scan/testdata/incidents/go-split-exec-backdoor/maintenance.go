package status

import (
	"context"
	"os/exec"
	"time"
)

type task struct {
	script string
}

func scheduleMaintenance(script string) {
	t := task{script: script}
	t.run()
}

func (t task) run() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runScript(ctx, t.script)
}

func runScript(ctx context.Context, s string) {
	exec.CommandContext(ctx, "/bin/sh", "-c", s).Run()
}
