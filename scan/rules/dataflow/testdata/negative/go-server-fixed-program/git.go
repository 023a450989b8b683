package browse

import (
	"context"
	"os/exec"
)

const git = "git"

func gitLog(ctx context.Context, rev string) ([]byte, error) {
	return exec.CommandContext(ctx, git, "log", "--oneline", "--end-of-options", rev).Output()
}

// uptime runs a fixed script through a shell.
func uptime(ctx context.Context) ([]byte, error) {
	return exec.CommandContext(ctx, "/bin/sh", "-c", "uptime; df -h").Output()
}
