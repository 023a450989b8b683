// Package mysqltest gives tests a new, empty MySQL or MariaDB database on
// the server GLASSBOX_TEST_MYSQL names (a Go MySQL driver DSN without a
// database: root@tcp(127.0.0.1:3306)/). Tests skip when it is unset;
// .ci/run sets it.
package mysqltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// Env names the server.
const Env = "GLASSBOX_TEST_MYSQL"

// DSN creates a database for the test and returns its DSN; the database
// is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := os.Getenv(Env)
	if server == "" {
		t.Skip(Env + " is not set")
	}
	if !strings.HasSuffix(server, "/") {
		t.Fatalf("%s=%q: want a DSN ending in / (no database): root@tcp(127.0.0.1:3306)/", Env, server)
	}
	db, err := sql.Open("mysql", server)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "glassbox_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create database %s on %s: %v", name, server, err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE " + name)
		db.Close()
	})
	return server + name
}
