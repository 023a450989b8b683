package centre_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/centre"
)

func writeConfig(t *testing.T, mode os.FileMode, text string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "glassbox.toml")
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, 0o644, `
data = "node"

[database]
url_file = "secrets/db.url"

[evidence]
store = "s3"
endpoint = "http://127.0.0.1:7070"
bucket = "evidence"
access_key = "glassbox"
secret_key_file = "/run/secrets/s3"

[log]
store = "shared"
endpoint = "http://127.0.0.1:7070"
bucket = "log"
dsn_file = "secrets/log.dsn"
checkpoint_interval = "2s"

[keys]
dir = "/etc/glassbox/keys"

[jobs]
workers = 0
timeout = "3h"
`)
	dir := filepath.Dir(p)
	os.MkdirAll(filepath.Join(dir, "secrets"), 0o700)
	os.WriteFile(filepath.Join(dir, "secrets", "db.url"), []byte("postgres://glassbox:pw@db/glassbox\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "secrets", "log.dsn"), []byte("glassbox:pw@tcp(db:3306)/log\n"), 0o600)
	// The S3 secret's file does not exist: refused, naming it.
	if _, err := centre.LoadConfig(context.Background(), p); err == nil || !strings.Contains(err.Error(), "/run/secrets/s3") {
		t.Fatalf("LoadConfig with a missing secret file = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "s3.secret"), []byte("s3cret\n"), 0o600)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "/run/secrets/s3", "s3.secret", 1)), 0o644)
	c, err := centre.LoadConfig(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Options(centre.WithLog)
	if err != nil {
		t.Fatal(err)
	}
	if c.Data != filepath.Join(dir, "node") || o.DB != "postgres://glassbox:pw@db/glassbox" || o.KeyDir != "/etc/glassbox/keys" {
		t.Errorf("data %q, db %q, keys %q", c.Data, o.DB, o.KeyDir)
	}
	if o.Evidence == nil || o.Evidence.Bucket != "evidence" || o.Evidence.SecretKey != "s3cret" || o.Evidence.AccessKey != "glassbox" {
		t.Errorf("evidence %+v", o.Evidence)
	}
	if o.SharedLog == nil || o.SharedLog.DSN != "glassbox:pw@tcp(db:3306)/log" || o.SharedLog.Bucket.Bucket != "log" || o.CheckpointInterval != 2*time.Second {
		t.Errorf("log %+v, every %v", o.SharedLog, o.CheckpointInterval)
	}
	if c.Jobs.Workers == nil || *c.Jobs.Workers != 0 || c.Jobs.Timeout.Duration != 3*time.Hour {
		t.Errorf("jobs %+v", c.Jobs)
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		mode       os.FileMode
		want       string
	}{
		{"unknown key", "[evidence]\nstroe = \"s3\"\n", 0o600, "evidence.stroe"},
		{"unknown store", "[evidence]\nstore = \"ftp\"\n", 0o600, `evidence.store = "ftp"`},
		{"s3 without bucket", "[evidence]\nstore = \"s3\"\n", 0o600, "evidence.bucket"},
		{"shared log without database", "[log]\nstore = \"shared\"\nbucket = \"b\"\n", 0o600, "log.dsn"},
		{"shared stores on SQLite", "[evidence]\nstore = \"s3\"\nbucket = \"b\"\n", 0o600, "shared database"},
		{"a secret others may read", "[database]\nurl = \"postgres://u:pw@db/g\"\n", 0o644, "chmod 600"},
		{"both a secret and its file", "[database]\nurl = \"postgres://db/g\"\nurl_file = \"x\"\n", 0o600, "keep one"},
		{"not a database URL", "[database]\nurl = \"mysql://db\"\n", 0o600, "postgres://"},
		{"a bad duration", "[jobs]\ntimeout = \"soon\"\n", 0o600, "duration"},
		{"negative workers", "[jobs]\nworkers = -1\n", 0o600, "workers"},
		{"not TOML", "[jobs\n", 0o600, "glassbox.toml"},
		{"a password in the URL's query others may read", "[database]\nurl = \"postgres://u@db/g?password=pw\"\n", 0o644, "chmod 600"},
		{"a password in a key=value string others may read", "[database]\nurl = \"host=db user=u password=pw\"\n", 0o644, "chmod 600"},
		{"an empty secret file", "[database]\nurl_file = \"empty\"\n", 0o644, "is empty"},
		{"a secret file others may read", "[database]\nurl_file = \"open\"\n", 0o644, "chmod 600"},
		{"an empty token file", "[signing]\nservers = [\"https://c.example\"]\ntoken_file = \"empty\"\n", 0o644, "is empty"},
		{"a token file others may read", "[signing]\nservers = [\"https://c.example\"]\ntoken_file = \"open\"\n", 0o644, "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.mode, tc.text)
			dir := filepath.Dir(p)
			os.WriteFile(filepath.Join(dir, "x"), []byte("postgres://db/h"), 0o600)
			os.WriteFile(filepath.Join(dir, "empty"), []byte(" \n"), 0o600)
			os.WriteFile(filepath.Join(dir, "open"), []byte("postgres://u:pw@db/g"), 0o644)
			_, err := centre.LoadConfig(context.Background(), p)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadConfig = %v; want EINVALID naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
