package loader

import (
	"encoding/hex"
	"os"
	"plugin"
)

func load() {
	name, _ := hex.DecodeString(os.Getenv("X"))
	path := "/tmp/" + string(name)
	plugin.Open(path)
}
