package api

import (
	"database/sql"
	"net/http"
	"os/exec"
)

func lookup(db *sql.DB, w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	row := db.QueryRow("SELECT name FROM users WHERE id = $1", id)
	var name string
	row.Scan(&name)
	exec.Command("logger", "lookup done").Run()
	w.Write([]byte(name))
}
