package health

import (
	"io"
	"net/http"
	"os/exec"
)

func check() (string, error) {
	resp, err := http.Get("http://127.0.0.1:8080/healthz")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	status, _ := io.ReadAll(resp.Body)
	if string(status) != "ok" {
		return "", exec.Command("systemctl", "restart", "app").Run()
	}
	return string(status), nil
}
