// Command glassbox is an open-source software transparency centre: it takes
// in vendors' releases, keeps them as content-addressed evidence, and (in the
// stages that follow) rebuilds, analyses, evaluates, attests and verifies them.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/internal/input"
	"glassbox.dev/internal/terminal"
)

// Exit codes a CI job can act on.
const (
	exitOK      = 0
	exitRefused = 1 // the input was refused, conflicts with what is recorded, or names nothing
	exitError   = 2 // a usage error, or a failure of glassbox itself
)

func main() {
	ctx, stop := interrupts(context.Background(), terminal.Safe(os.Stderr), os.Exit)
	// Vendor-controlled text (component names, paths, findings) must not
	// drive the terminal: on one, control characters are shown escaped.
	code := run(ctx, os.Args[1:], os.Stdin, terminal.Safe(os.Stdout), terminal.Safe(os.Stderr))
	stop()
	os.Exit(code)
}

// interrupts returns a context that the first SIGINT or SIGTERM cancels, so
// that the command stops cleanly (reads of outside input stop with it); a
// second signal calls exit(exitError) at once, for whatever does not stop.
// stop releases the signals.
func interrupts(parent context.Context, stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "glassbox: %v: stopping; send it again to exit at once\n", s)
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "glassbox: %v again: exiting now\n", s)
			exit(exitError)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// usageError marks a command line that glassbox cannot make sense of.
type usageError struct{ error }

// codedError carries an exit code chosen by the command itself (verify's
// 1 for deny and 2 for malformed input). A nil err prints nothing.
type codedError struct {
	code int
	err  error
}

func (e codedError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// globals are the flags every command shares.
type globals struct {
	data string
	db   string
	// configPath is --config (GLASSBOX_CONFIG); cfg the configuration
	// read from it, or nil.
	configPath string
	cfg        *centre.Config
	logLevel   string
	quiet      bool // no progress lines on stderr
	// server is a remote centre's URL (--server, GLASSBOX_SERVER): the
	// commands that can run against its API do; tokenFile holds the token.
	server    string
	tokenFile string
	stdout    io.Writer
	stderr    io.Writer
}

// run executes one glassbox command line and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "glassbox",
		Short: "An open-source software transparency centre",
		Long: `glassbox keeps vendors' releases as content-addressed evidence so that the
binaries they ship can be rebuilt, analysed, judged against common security
standards and verified by anyone.

Exit codes: 0 success; 1 the input was refused (hostile, malformed, over a
limit, conflicting, or naming nothing that exists); 2 usage or internal error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
				return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
			// Tessera logs through klog; send it where everything else goes.
			klog.SetSlogLogger(slog.Default())
			if err := g.loadConfig(cmd.Context(), cmd); err != nil {
				return err
			}
			return g.checkRemote(cmd)
		},
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.data, "data", envOr("GLASSBOX_DATA", "glassbox-data"), "data `directory` holding the evidence store, the SQLite database and the log (env GLASSBOX_DATA)")
	// The URL may hold a password: its default is read when the database is
	// opened, not shown in --help.
	pf.StringVar(&g.db, "db", "", "metadata database: empty for SQLite in the data directory, or a postgres:// `URL` (env GLASSBOX_DB)")
	pf.StringVar(&g.configPath, "config", os.Getenv("GLASSBOX_CONFIG"), "a deployment's configuration `file` (TOML; docs/deployment.md): its stores, queue, log, keys and limits (env GLASSBOX_CONFIG)")
	pf.StringVar(&g.logLevel, "log-level", "warn", "log `level`: debug, info, warn or error")
	pf.StringVar(&g.server, "server", os.Getenv("GLASSBOX_SERVER"), "run submit, releases, show, evaluate, judge, access, withdraw and grant against the centre at this `URL` (env GLASSBOX_SERVER; token from GLASSBOX_TOKEN or --token-file)")
	pf.StringVar(&g.tokenFile, "token-file", "", "with --server, the `file` holding your API token (default: env GLASSBOX_TOKEN)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print no progress on stderr (piped, long commands print a line as each stage starts and ends)")

	root.AddCommand(submitCommand(g), releasesCommand(g), showCommand(g), catCommand(g),
		provenanceCommand(g), rebuildCommand(g), digestCommand(g), keysCommand(g), attestCommand(g), serveCommand(g), verifyCommand(g), benchCommand(g), diffCommand(g),
		scanCommand(g), exerciseCommand(g), evaluateCommand(g),
		sbomCommand(g),
		vulndbCommand(g), vulnsCommand(g),
		judgeCommand(g), icsCommand(g), practicesCommand(g), catalogsCommand(g), versionCommand(g))
	root.AddCommand(withdrawCommand(g))
	root.AddCommand(adminCommand(g))
	root.AddCommand(accessCommand(g))
	root.AddCommand(monitorCommand(g))
	root.AddCommand(witnessCommand(g))
	root.AddCommand(grantCommand(g))
	root.AddCommand(workerCommand(g))
	root.AddCommand(dossierCommand(g))

	root.Version = glassbox.Version()
	root.SetVersionTemplate("glassbox {{.Version}}\n")
	hideSecretDefaults(root)
	commonFlags(root)
	err := root.ExecuteContext(input.WithStdin(ctx, stdin))
	if err == nil {
		return exitOK
	}
	var ee codedError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "glassbox: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "glassbox: %v\n", err)
	var ue usageError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		fmt.Fprintln(stderr, "Run 'glassbox --help' for usage.")
		return exitError
	case ctx.Err() != nil:
		return exitError
	case errors.Is(err, fs.ErrNotExist):
		// A path that does not exist is a usage error, whatever reads it.
		return exitError
	}
	switch glassbox.ErrorCode(err) {
	case glassbox.EINVALID, glassbox.ECONFLICT, glassbox.ENOTFOUND, glassbox.EUNAUTHENTICATED, glassbox.EFORBIDDEN:
		return exitRefused
	}
	return exitError
}

// isCobraUsage recognises cobra's own errors for unknown commands.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// args wraps a cobra argument check so that its failure is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// open opens the data directory without its log.
func (g *globals) open(ctx context.Context) (*centre.Centre, error) {
	return g.openCentre(ctx, centre.NoLog)
}

// openLog opens the data directory with its keys, log and notary.
func (g *globals) openLog(ctx context.Context) (*centre.Centre, error) {
	return g.openCentre(ctx, centre.WithLog)
}

// dbURL is the metadata database: --db, GLASSBOX_DB or the configuration's;
// empty for SQLite in the data directory.
func (g *globals) dbURL() string {
	var cfg string
	if g.cfg != nil {
		cfg = g.cfg.Database.URL
	}
	return cmp.Or(g.db, os.Getenv("GLASSBOX_DB"), cfg)
}

func (g *globals) openCentre(ctx context.Context, mode centre.LogMode) (*centre.Centre, error) {
	o := centre.Options{Log: mode}
	if g.cfg != nil {
		var err error
		if o, err = g.cfg.Options(mode); err != nil {
			return nil, err
		}
	}
	o.DB = g.dbURL()
	if err := centre.CheckDB(o.DB); err != nil {
		return nil, usageError{err}
	}
	return centre.Open(ctx, g.data, o)
}
