package centre

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/client"
	"glassbox.dev/evidence"
	"glassbox.dev/internal/input"
	"glassbox.dev/internal/s3conf"
	"glassbox.dev/postgres"
	"glassbox.dev/tlog"
)

// Config is a deployment's configuration file (TOML): where its shared
// stores, queue, log and keys are, and the limits of its servers and
// workers. Every server and worker of a deployment reads the same file
// (glassbox serve --config, glassbox worker --config); without one, glassbox
// keeps everything in one data directory (SQLite, local files, jobs run in
// the serving process), the zero-configuration start.
//
// A secret (a database password, an S3 secret key) is best given in a file
// of its own (url_file, secret_key_file, dsn_file), readable only by the
// service; a configuration that holds one itself must not be readable by
// others.
type Config struct {
	// Data is this process's local directory: scratch space for staging
	// and rebuilds, and, for whatever the file does not put elsewhere,
	// the store itself.
	Data string `toml:"data"`

	Database struct {
		// URL is a postgres:// URL; empty keeps SQLite in the data
		// directory (one machine only).
		URL     string `toml:"url"`
		URLFile string `toml:"url_file"`
	} `toml:"database"`

	Evidence struct {
		// Store is "local" (DATA/evidence, the default) or "s3".
		Store string `toml:"store"`
		s3conf.Config
		SecretKeyFile string `toml:"secret_key_file"`
		// PartSize is the size of a multipart upload's parts, in bytes.
		PartSize int64 `toml:"part_size"`
	} `toml:"evidence"`

	Log struct {
		// Store is "local" (DATA/log, Tessera's POSIX driver, one
		// process) or "shared" (Tessera's AWS driver: a bucket and a
		// MySQL or MariaDB database every server appends through).
		Store string `toml:"store"`
		s3conf.Config
		SecretKeyFile string `toml:"secret_key_file"`
		// DSN is the sequencing database's, in the Go MySQL driver's
		// format: user:password@tcp(host:3306)/glassbox_log.
		DSN     string `toml:"dsn"`
		DSNFile string `toml:"dsn_file"`
		// CheckpointInterval is how often a checkpoint is published
		// while there are new entries (a shared log's minimum is 1s).
		CheckpointInterval duration `toml:"checkpoint_interval"`
		// WitnessPolicy is the witness policy file (tlog.ParseWitnessPolicy);
		// default DATA/witnesses.policy if it exists.
		WitnessPolicy string `toml:"witness_policy"`
	} `toml:"log"`

	Keys struct {
		// Dir holds the centre's signing keys as 'glassbox keys
		// generate --dir' wrote them; default DATA/keys. Only the
		// processes that sign need it: workers without keys leave
		// signing to the servers.
		Dir string `toml:"dir"`
		// Attestation, Log and Submission, if set, are where those
		// private keys are instead of files in Dir: PKCS#11 URIs of keys
		// in a hardware security module or a cloud KMS (RFC 7512,
		// pkcs11:token=…;object=…?module-path=…&pin-source=file:…), or
		// paths of key files elsewhere. Dir still holds the public
		// halves (attestation.pub, log.vkey).
		attest.KeyRefs
	} `toml:"keys"`

	Signing struct {
		// Servers are the base URLs of the centre's servers (or of the
		// load balancer in front of them) that sign for workers holding
		// no private keys; TokenFile holds a token of scope sign of an
		// administrator of the operator (the workers' service account).
		Servers   []string `toml:"servers"`
		TokenFile string   `toml:"token_file"`
	} `toml:"signing"`

	Jobs struct {
		Workers    *int     `toml:"workers"`
		Timeout    duration `toml:"timeout"`
		Heartbeat  duration `toml:"heartbeat"`
		VulnMaxAge duration `toml:"vulndb_max_age"`
	} `toml:"jobs"`

	Server struct {
		Listen         string   `toml:"listen"`
		Origin         string   `toml:"origin"`
		TokenFile      string   `toml:"token_file"`
		TLSCert        string   `toml:"tls_cert"`
		TLSKey         string   `toml:"tls_key"`
		MaxConnections int      `toml:"max_connections"`
		Rate           float64  `toml:"rate"`
		Grace          duration `toml:"grace"`
	} `toml:"server"`

	path         string
	signingToken string
}

// duration reads "90s", "5m", "2h" from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (90s, 5m, 2h)", b)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", b)
	}
	d.Duration = v
	return nil
}

// MaxConfig bounds a configuration file.
const MaxConfig = 1 << 20

// LoadConfig reads and checks a configuration file. Relative paths in it
// are relative to the file's directory; unknown keys are refused, so that
// a misspelt setting is an error, not a default.
func LoadConfig(ctx context.Context, path string) (*Config, error) {
	b, err := input.ReadFile(ctx, path, "the configuration", MaxConfig)
	if err != nil {
		return nil, err
	}
	var c Config
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&c)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: unknown setting %s (docs/deployment.md lists them)", path, strings.Join(keys, ", "))
	}
	c.path = path
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.Data, &c.Database.URLFile, &c.Evidence.SecretKeyFile, &c.Log.SecretKeyFile, &c.Log.DSNFile,
		&c.Log.WitnessPolicy, &c.Keys.Dir, &c.Signing.TokenFile, &c.Server.TokenFile, &c.Server.TLSCert, &c.Server.TLSKey,
		&c.Keys.Attestation, &c.Keys.Log, &c.Keys.Submission} {
		if attest.IsPKCS11(*p) {
			continue
		}
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	// Secrets written in the file itself (a password in a URL or DSN, a
	// secret key), not in files of their own.
	if hasPassword(c.Database.URL) || hasPassword(c.Log.DSN) || c.Evidence.SecretKey != "" || c.Log.SecretKey != "" {
		if err := checkPrivate(path); err != nil {
			return nil, err
		}
	}
	if err := c.resolve(ctx); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", path, err)
	}
	return &c, nil
}

// resolve reads the secrets given in files and checks the settings
// against each other.
func (c *Config) resolve(ctx context.Context) error {
	var err error
	read := func(dst *string, file, name string) {
		if err != nil || file == "" {
			return
		}
		var b []byte
		if b, err = input.ReadFile(ctx, file, name+"_file", 64<<10); err != nil {
			return
		}
		// A secret file readable by others gives the secret away; an
		// empty one is a mistake (a file not yet filled in), not "no
		// secret": both are refused by name.
		if err = checkPrivate(file); err != nil {
			return
		}
		if *dst = strings.TrimSpace(string(b)); *dst == "" {
			err = fmt.Errorf("%s_file %s is empty: write the %s in it, or remove the setting", name, file, name)
		}
	}
	dbURL, evSecret, logSecret, dsn := "", "", "", ""
	read(&dbURL, c.Database.URLFile, "database.url")
	read(&evSecret, c.Evidence.SecretKeyFile, "evidence.secret_key")
	read(&logSecret, c.Log.SecretKeyFile, "log.secret_key")
	read(&dsn, c.Log.DSNFile, "log.dsn")
	if err != nil {
		return err
	}
	for _, s := range []struct {
		dst     *string
		v, name string
	}{
		{&c.Database.URL, dbURL, "database.url"}, {&c.Evidence.SecretKey, evSecret, "evidence.secret_key"},
		{&c.Log.SecretKey, logSecret, "log.secret_key"}, {&c.Log.DSN, dsn, "log.dsn"},
	} {
		if s.v == "" {
			continue
		}
		if *s.dst != "" {
			return fmt.Errorf("%s and %s_file are both set; keep one", s.name, s.name)
		}
		*s.dst = s.v
	}
	if err := CheckDB(c.Database.URL); err != nil {
		return fmt.Errorf("database.url: %v", postgres.Redact(err.Error()))
	}
	switch c.Evidence.Store {
	case "", "local":
	case "s3":
		if c.Evidence.Bucket == "" {
			return errors.New("evidence.store = \"s3\" needs evidence.bucket")
		}
	default:
		return fmt.Errorf("evidence.store = %q: want \"local\" or \"s3\"", c.Evidence.Store)
	}
	switch c.Log.Store {
	case "", "local":
	case "shared":
		if c.Log.Bucket == "" || c.Log.DSN == "" {
			return errors.New("log.store = \"shared\" needs log.bucket and log.dsn (or log.dsn_file)")
		}
	default:
		return fmt.Errorf("log.store = %q: want \"local\" or \"shared\"", c.Log.Store)
	}
	if c.shared() && c.Database.URL == "" {
		return errors.New("shared evidence or a shared log needs a shared database: set database.url to PostgreSQL")
	}
	if (len(c.Signing.Servers) == 0) != (c.Signing.TokenFile == "") {
		return errors.New("signing needs both servers and token_file")
	}
	if c.Signing.TokenFile != "" {
		b, err := input.ReadFile(ctx, c.Signing.TokenFile, "signing.token_file", 4096)
		if err != nil {
			return err
		}
		if err := checkPrivate(c.Signing.TokenFile); err != nil {
			return err
		}
		if c.signingToken = strings.TrimSpace(string(b)); c.signingToken == "" {
			return fmt.Errorf("signing.token_file %s is empty", c.Signing.TokenFile)
		}
	}
	if c.Jobs.Workers != nil && *c.Jobs.Workers < 0 {
		return fmt.Errorf("jobs.workers = %d: want 0 or more", *c.Jobs.Workers)
	}
	return nil
}

// shared reports whether the deployment keeps state outside the data
// directory, for several machines.
func (c *Config) shared() bool { return c.Evidence.Store == "s3" || c.Log.Store == "shared" }

// Options are the options Open takes for this deployment, with mode.
func (c *Config) Options(mode LogMode) (Options, error) {
	o := Options{DB: c.Database.URL, Log: mode, KeyDir: c.Keys.Dir, Keys: c.Keys.KeyRefs, WitnessPolicy: c.Log.WitnessPolicy, CheckpointInterval: c.Log.CheckpointInterval.Duration}
	if c.Evidence.Store == "s3" {
		o.Evidence = &evidence.S3Config{Config: c.Evidence.Config, PartSize: c.Evidence.PartSize}
	}
	if c.Log.Store == "shared" {
		o.SharedLog = &tlog.Shared{Bucket: c.Log.Config, DSN: c.Log.DSN}
	}
	if len(c.Signing.Servers) > 0 {
		var err error
		if o.Signing, err = client.NewSigner(c.Signing.Servers, c.signingToken); err != nil {
			return o, glassbox.Errorf(glassbox.EINVALID, "%s: signing: %v", c.path, err)
		}
	}
	return o, nil
}

// hasPassword reports whether a URL or a MySQL DSN carries a password:
// user:password@….
func hasPassword(s string) bool {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		// A URL: a password in its user information or in its query
		// (PostgreSQL's ?password=…).
		if _, ok := u.User.Password(); ok {
			return true
		}
		if u.Query().Has("password") {
			return true
		}
	}
	// A connection string of key=value words (PostgreSQL's password=…).
	for _, kv := range strings.Fields(s) {
		if strings.HasPrefix(kv, "password=") {
			return true
		}
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "postgres://"), "postgresql://")
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[:at], ":")
}

// checkPrivate refuses a file that holds secrets and that others may read:
// the configuration, when it holds one itself, and every secret file.
func checkPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%s: %v", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return glassbox.Errorf(glassbox.EINVALID, "%s holds a secret (a password, secret key or token) but others may read it (mode %04o): chmod 600 it (or, for the configuration, move the secret to a file of its own: url_file, secret_key_file, dsn_file)", path, fi.Mode().Perm())
	}
	return nil
}
