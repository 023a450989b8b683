// A command-line tool that runs the program its user names, as xargs,
// time or env do: argv is the operator's own input, not a remote party's.
package main

import (
	"flag"
	"net/http"
	"os"
	"os/exec"
)

var shell = flag.String("shell", "/bin/sh", "shell to run -c in")

func main() {
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		os.Exit(2)
	}
	if os.Getenv("NOTIFY") != "" {
		http.Get(os.Getenv("NOTIFY"))
	}
	run(*shell, args)
}

func run(sh string, args []string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Run()
	exec.Command(sh, "-c", os.Getenv("AFTER")).Run()
}
