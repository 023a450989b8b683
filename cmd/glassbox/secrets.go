package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"glassbox.dev/internal/input"
)

// secretFlags are the flags whose values are secrets: their defaults (which
// may come from the environment) are never printed in --help.
var secretFlags = map[string]bool{"token": true}

// hideSecretDefaults blanks the printed default of every secret flag of
// every command under root, however the command defined it.
func hideSecretDefaults(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if secretFlags[f.Name] {
					f.DefValue = ""
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// maxTokenFile bounds a --token-file: a token is a line, not a document.
const maxTokenFile = 4 << 10

// writeToken is the centre's write token from, in order, --token-file,
// --token (visible to every user of the machine in ps, so discouraged), or
// the environment variable GLASSBOX_TOKEN.
func writeToken(ctx context.Context, g *globals, flag, file string) (string, error) {
	switch {
	case file != "" && flag != "":
		return "", usageError{fmt.Errorf("give the token once: --token-file or --token, not both")}
	case file != "":
		b, err := input.ReadFile(ctx, file, "token file", maxTokenFile)
		if err != nil {
			return "", err
		}
		tok := string(bytes.TrimSpace(b))
		if tok == "" {
			return "", usageError{fmt.Errorf("token file %s is empty", file)}
		}
		return tok, nil
	case flag != "":
		fmt.Fprintln(g.stderr, "glassbox: warning: --token shows the token to every user of this machine (ps, /proc); use --token-file FILE or GLASSBOX_TOKEN")
		return flag, nil
	}
	return os.Getenv("GLASSBOX_TOKEN"), nil
}
