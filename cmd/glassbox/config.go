package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"glassbox.dev/centre"
)

// loadConfig reads --config (GLASSBOX_CONFIG), if given: its data
// directory and database stand unless --data or --db are given, and, for
// the deployment's own processes (serve and worker, marked with
// deploymentProcess), its settings become the defaults of the command's
// flags of the same meaning (a flag given on the command line wins).
// Other commands' flags of the same name mean something else (the client's
// --token-file, keys generate --origin, scan --workers) and take nothing
// from the configuration.
func (g *globals) loadConfig(ctx context.Context, cmd *cobra.Command) error {
	if g.configPath == "" {
		return nil
	}
	cfg, err := centre.LoadConfig(ctx, g.configPath)
	if err != nil {
		return err
	}
	g.cfg = cfg
	if f := cmd.Flags().Lookup("data"); cfg.Data != "" && (f == nil || !f.Changed) {
		g.data = cfg.Data
	}
	if cmd.Annotations[deploymentProcess] == "" {
		return nil
	}
	for name, v := range configFlags(cfg) {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed || v == "" {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return usageError{fmt.Errorf("%s: the setting for --%s: %v", g.configPath, name, err)}
		}
	}
	return nil
}

// deploymentProcess marks, in a command's Annotations, the commands whose
// flags take their defaults from the configuration file.
const deploymentProcess = "glassbox.deployment-process"

// configFlags are the configuration's settings by the flag each stands for.
func configFlags(c *centre.Config) map[string]string {
	m := map[string]string{
		"listen":          c.Server.Listen,
		"origin":          c.Server.Origin,
		"token-file":      c.Server.TokenFile,
		"tls-cert":        c.Server.TLSCert,
		"tls-key":         c.Server.TLSKey,
		"job-timeout":     durationFlag(c.Jobs.Timeout.Duration),
		"heartbeat":       durationFlag(c.Jobs.Heartbeat.Duration),
		"vulndb-max-age":  durationFlag(c.Jobs.VulnMaxAge.Duration),
		"grace":           durationFlag(c.Server.Grace.Duration),
		"max-connections": "",
		"rate":            "",
	}
	if c.Jobs.Workers != nil {
		m["workers"] = strconv.Itoa(*c.Jobs.Workers)
	}
	if c.Server.MaxConnections > 0 {
		m["max-connections"] = strconv.Itoa(c.Server.MaxConnections)
	}
	if c.Server.Rate > 0 {
		m["rate"] = strconv.FormatFloat(c.Server.Rate, 'g', -1, 64)
	}
	return m
}

func durationFlag(d interface{ String() string }) string {
	if s := d.String(); s != "0s" {
		return s
	}
	return ""
}
