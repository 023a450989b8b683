package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"glassbox.dev"
)

func versionCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print glassbox's version (also: glassbox --version)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(g, map[string]string{"version": glassbox.Version(), "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH})
			}
			fmt.Fprintf(g.stdout, "glassbox %s (%s, %s/%s)\n", glassbox.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version as JSON")
	return cmd
}

// commonFlags gives every command the habits of its peers (cosign, syft,
// osv-scanner), in one place: --json wherever a command chooses its output
// with --format, and "-o -" for standard output.
func commonFlags(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		format, output := c.Flags().Lookup("format"), c.Flags().Lookup("output")
		if format == nil && output == nil {
			return
		}
		var asJSON *bool
		if format != nil && c.Flags().Lookup("json") == nil {
			asJSON = c.Flags().Bool("json", false, "print JSON (the same as --format json)")
		}
		pre := c.PreRunE
		c.PreRunE = func(cmd *cobra.Command, a []string) error {
			if asJSON != nil && *asJSON {
				if format.Changed && format.Value.String() != "json" {
					return usageError{fmt.Errorf("--json and --format %s ask for two outputs; give one", format.Value)}
				}
				if err := setFlag(format, "json"); err != nil {
					return err
				}
			}
			if output != nil && output.Value.String() == "-" {
				if err := setFlag(output, ""); err != nil {
					return err
				}
			}
			if pre != nil {
				return pre(cmd, a)
			}
			return nil
		}
	}
	walk(root)
}

func setFlag(f *pflag.Flag, v string) error {
	if err := f.Value.Set(v); err != nil {
		return usageError{fmt.Errorf("--%s %s: %w", f.Name, v, err)}
	}
	return nil
}
