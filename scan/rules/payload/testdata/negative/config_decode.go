package config

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// Decoding a configuration value and printing it is fine.
func show() {
	v, err := base64.StdEncoding.DecodeString(os.Getenv("TOKEN"))
	if err != nil {
		return
	}
	fmt.Println(string(v))
}

// Decoding JSON is not decoding a payload.
func load(r io.Reader) (map[string]string, error) {
	var m map[string]string
	err := json.NewDecoder(r).Decode(&m)
	return m, err
}

func status(dir string) ([]byte, error) {
	cmd := exec.Command("git", "status")
	cmd.Dir = dir
	return cmd.Output()
}

func checksum(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}
