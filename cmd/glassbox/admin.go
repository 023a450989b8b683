package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"glassbox.dev"
	"glassbox.dev/party"
)

func adminCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer the centre's organisations, users, API tokens and grants",
		Long: `Admin works on the data directory directly, as its operator: the
operating-system user who owns the data directory acts as the centre's
administrator, recorded as "local" in the record of administrative actions
('glassbox admin log'). Every change is recorded there.

A token's secret is printed once, when the token is created, and never
again: the centre keeps only its SHA-256.`,
	}
	org := &cobra.Command{Use: "org", Short: "Create and list organisations (vendors, evaluators, the operator)"}
	org.AddCommand(adminOrgCreate(g), adminOrgList(g))
	user := &cobra.Command{Use: "user", Short: "Create and list users, set their workspace passwords, list and remove their passkeys"}
	user.AddCommand(adminUserCreate(g), adminUserList(g), adminUserPassword(g), adminUserPasskeys(g), adminUserRemovePasskey(g))
	token := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	token.AddCommand(adminTokenCreate(g), adminTokenList(g), adminTokenRevoke(g))
	grant := &cobra.Command{Use: "grant", Short: "Grant evaluators access to a vendor's product, list and revoke grants"}
	grant.AddCommand(adminGrantCreate(g), adminGrantList(g), adminGrantRevoke(g))
	cmd.AddCommand(adminBootstrap(g), org, user, token, grant, adminLog(g))
	return cmd
}

// parties opens the data directory's party administration for the local
// operator, who must own the data directory.
func (g *globals) parties(ctx context.Context) (*party.Service, func(), error) {
	c, err := g.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := ownsDataDir(g.data); err != nil {
		c.Close()
		return nil, nil, err
	}
	ps, ok := c.Store.(glassbox.PartyStore)
	if !ok {
		c.Close()
		return nil, nil, glassbox.Errorf(glassbox.EINTERNAL, "the metadata database keeps no parties")
	}
	return party.New(ps), func() { c.Close() }, nil
}

// ownsDataDir refuses anyone but the owner of the data directory: locally,
// the owner is the operator, and the database's file permissions are all
// that stands between another local user and the administrator's rights.
func ownsDataDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "data directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); uint64(st.Uid) != uint64(uid) {
		return glassbox.Errorf(glassbox.EFORBIDDEN, "data directory %s belongs to user %d, and you are user %d: only its owner, the centre's operator, administers it locally", dir, st.Uid, uid)
	}
	return nil
}

// adminRun is the RunE of an admin command: it opens the administration
// and runs f as the local operator.
func adminRun(g *globals, f func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, a []string) error {
		s, closeDir, err := g.parties(cmd.Context())
		if err != nil {
			return err
		}
		defer closeDir()
		return f(cmd.Context(), s, party.LocalOperator(), a)
	}
}

// table prints rows aligned in columns, the first the header.
func table(g *globals, rows [][]string) error {
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	return w.Flush()
}

// adminList is a command that lists what fetch returns: a table of header
// and one row per item, or JSON.
func adminList[T any](g *globals, use, short string, fetch func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]T, error), header []string, row func(T) []string) *cobra.Command {
	return adminListOf(g, use, short, 0, func(ctx context.Context, s *party.Service, p *glassbox.Principal, _ []string) ([]T, error) {
		return fetch(ctx, s, p)
	}, header, row)
}

// adminListOf is adminList for a list of something named by nargs
// arguments, which fetch receives.
func adminListOf[T any](g *globals, use, short string, nargs int, fetch func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) ([]T, error), header []string, row func(T) []string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args(cobra.ExactArgs(nargs)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			items, err := fetch(ctx, s, p, a)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, items)
			}
			rows := [][]string{header}
			for _, it := range items {
				rows = append(rows, row(it))
			}
			return table(g, rows)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func adminBootstrap(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "On a centre with no organisations, create the operator, an administrator and a one-day admin token",
		Long: `Bootstrap makes a new centre administrable over the API: it creates the
operator organisation ("operator"), an administrator ("admin") and a token
with every scope but sign that expires in 24 hours, and prints its secret, once. Use
it to create the real administrators and their tokens, then let it expire.

On a centre that has organisations it creates nothing and exits 1.`,
		Args: args(cobra.NoArgs),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, _ *glassbox.Principal, _ []string) error {
			secret, created, err := s.Bootstrap(ctx)
			if err != nil {
				return err
			}
			if !created {
				return glassbox.Errorf(glassbox.ECONFLICT, "this centre has organisations already, so it has no bootstrap token; issue an administrator a token with 'glassbox admin token create --user ID'")
			}
			if asJSON {
				return writeJSON(g, map[string]any{"org": party.OperatorOrg, "user": party.FirstAdmin, "secret": secret, "expires_in": party.BootstrapTokenTTL.String()})
			}
			fmt.Fprintln(g.stdout, secret)
			fmt.Fprintf(g.stderr, "The bootstrap token of %s (user %s, every scope but sign) is above; it expires in %s and is never shown again.\n",
				party.OperatorOrg, party.FirstAdmin, party.BootstrapTokenTTL)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func adminOrgCreate(g *globals) *cobra.Command {
	var name, kind string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create ID --kind vendor|evaluator|operator --name NAME",
		Short: "Create an organisation",
		Args:  args(cobra.ExactArgs(1)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			o, err := s.CreateOrg(ctx, p, glassbox.Organisation{ID: a[0], Name: name, Kind: glassbox.OrgKind(kind)})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, o)
			}
			fmt.Fprintf(g.stdout, "Created %s organisation %s (%s)\n", o.Kind, o.ID, o.Name)
			return nil
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "the organisation's name, for people (required)")
	cmd.Flags().StringVar(&kind, "kind", "", "vendor, evaluator or operator (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("kind")
	return cmd
}

func adminOrgList(g *globals) *cobra.Command {
	return adminList(g, "list", "List the organisations",
		func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]*glassbox.Organisation, error) {
			return s.ListOrgs(ctx, p)
		},
		[]string{"ID", "KIND", "CREATED", "NAME"},
		func(o *glassbox.Organisation) []string {
			return []string{o.ID, string(o.Kind), o.Created.Format(time.RFC3339), o.Name}
		})
}

func adminUserCreate(g *globals) *cobra.Command {
	var org, name, role string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create ID --org ORG --role ROLE --name NAME",
		Short: "Create a user of an organisation",
		Long: `Create a user. The role must fit the organisation: admin and auditor in
the operator's, vendor in a vendor's, evaluator in an evaluator's.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			u, err := s.CreateUser(ctx, p, glassbox.User{ID: a[0], OrgID: org, Name: name, Role: glassbox.Role(role)})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, u)
			}
			fmt.Fprintf(g.stdout, "Created user %s, %s of %s (%s)\n", u.ID, u.Role, u.OrgID, u.Name)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the user's organisation (required)")
	cmd.Flags().StringVar(&name, "name", "", "the user's name, for people (required)")
	cmd.Flags().StringVar(&role, "role", "", "admin, auditor, vendor or evaluator (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	for _, f := range []string{"org", "name", "role"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func adminUserList(g *globals) *cobra.Command {
	var org string
	cmd := adminList(g, "list [--org ORG]", "List users, of one organisation or of all",
		func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]*glassbox.User, error) {
			return s.ListUsers(ctx, p, org)
		},
		[]string{"ID", "ORG", "ROLE", "CREATED", "NAME"},
		func(u *glassbox.User) []string {
			return []string{u.ID, u.OrgID, string(u.Role), u.Created.Format(time.RFC3339), u.Name}
		})
	cmd.Flags().StringVar(&org, "org", "", "only this organisation's users")
	return cmd
}

// parseLifetime reads a lifetime as a number of days ("90d") or a Go
// duration ("12h").
func parseLifetime(flag, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 100*366 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, usageError{fmt.Errorf("%s %q: want a number of days (90d) or a duration (12h)", flag, v)}
}

func adminTokenCreate(g *globals) *cobra.Command {
	var user, name, scopes, expires string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --user USER [--scopes read,submit] [--expires 90d]",
		Short: "Create an API token and print its secret, once",
		Long: fmt.Sprintf(`Create an API token for a user and print its secret on standard output.
The secret is shown this once: the centre keeps only its SHA-256, so a lost
secret means a new token (and revoking the old one).

Scopes are a comma-separated subset of what the user's role allows (admin:
every scope; auditor: read; vendor: read, submit, evaluate, admin — admin
lets a vendor grant evaluators access to its products; evaluator: read,
evaluate, judge). Without --scopes a vendor's token gets read and submit,
an evaluator's read, evaluate and judge, an administrator's every scope but
sign: a token that has the centre sign statements (for workers holding no
keys) is made on purpose, with --scopes sign, and nothing else.

Every token expires: by default after %d days, at most after %d.`, party.DefaultTokenTTL/(24*time.Hour), party.MaxTokenTTL/(24*time.Hour)),
		Args: args(cobra.NoArgs),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, _ []string) error {
			ttl, err := parseLifetime("--expires", expires)
			if err != nil {
				return err
			}
			var sc []glassbox.Scope
			for f := range strings.SplitSeq(scopes, ",") {
				if f = strings.TrimSpace(f); f != "" {
					sc = append(sc, glassbox.Scope(f))
				}
			}
			secret, t, err := s.IssueToken(ctx, p, user, name, sc, ttl)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, struct {
					*glassbox.Token
					Secret string `json:"secret"`
				}{t, secret})
			}
			fmt.Fprintln(g.stdout, secret)
			fmt.Fprintf(g.stderr, "Token %s for %s (%s), expires %s. The secret above is shown once and never again.\n",
				t.ID, t.UserID, strings.Join(scopeStrings(t.Scopes), " "), t.Expires.Format(time.RFC3339))
			return nil
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "the user the token acts as (required)")
	cmd.Flags().StringVar(&name, "name", "", "what the token is for (\"vendor CI\")")
	cmd.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes: read, submit, evaluate, judge, admin")
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime: days (90d) or a duration (12h)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, the secret as a field")
	cmd.MarkFlagRequired("user")
	return cmd
}

func scopeStrings(scopes []glassbox.Scope) []string {
	ss := make([]string, len(scopes))
	for i, s := range scopes {
		ss[i] = string(s)
	}
	return ss
}

func adminTokenList(g *globals) *cobra.Command {
	var user string
	cmd := adminList(g, "list [--user USER]", "List API tokens (never their secrets, which the centre does not keep)",
		func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]*glassbox.Token, error) {
			return s.ListTokens(ctx, p, user)
		},
		[]string{"ID", "USER", "SCOPES", "EXPIRES", "REVOKED", "LAST USED", "NAME"},
		func(t *glassbox.Token) []string {
			return []string{t.ID, t.UserID, strings.Join(scopeStrings(t.Scopes), ","), when(&t.Expires), when(t.Revoked), when(t.LastUsed), t.Name}
		})
	cmd.Flags().StringVar(&user, "user", "", "only this user's tokens")
	return cmd
}

func adminUserPassword(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "password USER",
		Short: "Set a user's password for the workspace's sign-in, read from the terminal or the first line of standard input",
		Long: `Password sets the password USER signs in to the workspace with. It is read
from the terminal, without echo, twice; or, when standard input is not a
terminal, from its first line. It is never a flag, which ps would show.
At least 12 characters: a passphrase of a few words. The centre keeps only
its argon2id hash; every session of the user ends.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			pw, err := readPassword(g, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
				if err := s.SetPassword(ctx, p, a[0], pw); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "Set the password of %s; its sessions have ended\n", a[0])
				return nil
			})(cmd, a)
		},
	}
}

func adminUserPasskeys(g *globals) *cobra.Command {
	return adminListOf(g, "passkeys USER", "List the passkeys a user signs in to the workspace with", 1,
		func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) ([]*glassbox.Passkey, error) {
			return s.Passkeys(ctx, p, a[0])
		},
		[]string{"ID", "NAME", "ADDED", "LAST USED"},
		func(k *glassbox.Passkey) []string {
			return []string{k.ID, k.Name, k.Created.Format(time.RFC3339), when(k.LastUsed)}
		})
}

func adminUserRemovePasskey(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove-passkey USER PASSKEY-ID",
		Short: "Remove a user's passkey (a lost or stolen authenticator); with none left, the password alone signs in again",
		Args:  args(cobra.ExactArgs(2)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			if err := s.RemovePasskey(ctx, p, a[0], a[1]); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Removed passkey %s of %s\n", a[1], a[0])
			return nil
		}),
	}
	// A passkey ID is base64url and may begin with '-': after the user,
	// every argument is an argument, never a flag.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// readPassword reads a new password: twice without echo from a terminal,
// or the first line of standard input.
func readPassword(g *globals, in io.Reader) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(g.stderr, "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(g.stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", usageError{errors.New("the two passwords differ")}
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, party.MaxPassword+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func adminTokenRevoke(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke TOKEN-ID",
		Short: "Revoke an API token (by its tok_… id): it stops working at once",
		Args:  args(cobra.ExactArgs(1)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			if err := s.RevokeToken(ctx, p, a[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Revoked token %s\n", a[0])
			return nil
		}),
	}
}

func adminGrantCreate(g *globals) *cobra.Command {
	var product, evaluator, expires string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --product PRODUCT --evaluator ORG --expires 90d|DATE",
		Short: "Let an evaluator organisation see a vendor's product until a date",
		Long: `Grant an evaluator organisation access to the releases of a product —
source, artefacts, findings, SBOMs, reports — until the grant expires or is
revoked. The product must have a vendor (the first to submit it); every
read under the grant goes on the vendor's access record.

--expires is required: a lifetime in days (90d) or a duration (720h), or a
date (2027-03-31) or time (RFC 3339).`,
		Args: args(cobra.NoArgs),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, _ []string) error {
			until, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			gr, err := s.CreateGrant(ctx, p, glassbox.Grant{Product: product, Evaluator: evaluator, Expires: until})
			if err != nil {
				return err
			}
			return printGrant(g, gr, asJSON)
		}),
	}
	cmd.Flags().StringVar(&product, "product", "", "the product (required)")
	cmd.Flags().StringVar(&evaluator, "evaluator", "", "the evaluator organisation (required)")
	cmd.Flags().StringVar(&expires, "expires", "", "when the grant ends: 90d, 720h, 2027-03-31 or an RFC 3339 time (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	for _, f := range []string{"product", "evaluator", "expires"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

// parseExpiry reads --expires of a grant: a lifetime from now, a date
// (the end of that day, UTC) or an RFC 3339 time.
func parseExpiry(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Add(24 * time.Hour), nil
	}
	d, err := parseLifetime("--expires", v)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--expires %q: want 90d, 720h, 2027-03-31 or an RFC 3339 time", v)}
	}
	return time.Now().Add(d), nil
}

func adminGrantList(g *globals) *cobra.Command {
	return adminList(g, "list", "List every grant, expired and revoked ones included",
		func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]*glassbox.Grant, error) {
			return s.ListGrants(ctx, p)
		},
		[]string{"ID", "PRODUCT", "VENDOR", "EVALUATOR", "EXPIRES", "REVOKED", "BY"},
		func(gr *glassbox.Grant) []string {
			return []string{gr.ID, gr.Product, gr.VendorID, gr.Evaluator, when(&gr.Expires), when(gr.Revoked), gr.GrantedBy}
		})
}

func adminGrantRevoke(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "revoke GRANT-ID",
		Short: "Revoke a grant (by its grant_… id): the evaluator loses access at once",
		Args:  args(cobra.ExactArgs(1)),
		RunE: adminRun(g, func(ctx context.Context, s *party.Service, p *glassbox.Principal, a []string) error {
			gr, err := s.RevokeGrant(ctx, p, a[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, gr)
			}
			fmt.Fprintf(g.stdout, "Revoked grant %s (%s to %s)\n", gr.ID, gr.Product, gr.Evaluator)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func adminLog(g *globals) *cobra.Command {
	var after int64
	var limit int
	cmd := adminList(g, "log [--after SEQ] [--limit N]", "List the record of administrative actions, oldest first",
		func(ctx context.Context, s *party.Service, p *glassbox.Principal) ([]*glassbox.AdminAction, error) {
			return s.AdminActions(ctx, p, after, limit)
		},
		[]string{"SEQ", "AT", "ACTOR", "ACTION", "TARGET", "DETAIL"},
		func(a *glassbox.AdminAction) []string {
			return []string{strconv.FormatInt(a.Seq, 10), a.At.Format(time.RFC3339), a.Actor, a.Action, a.Target, a.Detail}
		})
	cmd.Flags().Int64Var(&after, "after", 0, "only actions after this seq")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0: all)")
	return cmd
}

func printGrant(g *globals, gr *glassbox.Grant, asJSON bool) error {
	if asJSON {
		return writeJSON(g, gr)
	}
	fmt.Fprintf(g.stdout, "Granted %s access to %s (%s's) until %s: %s\n", gr.Evaluator, gr.Product, gr.VendorID, gr.Expires.Format(time.RFC3339), gr.ID)
	return nil
}
