package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens a file for reading only if it is a regular file. It
// never blocks: opening a FIFO for reading would wait for a writer, and
// reading a device such as /dev/zero would never end.
func openRegular(path string, flags int) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, nil, errors.New("it was replaced by a symbolic link while being read")
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("it is a %s, not a regular file", describeMode(fi.Mode()))
	}
	return f, fi, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "device file"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return m.Type().String()
}

// SBOM formats glassbox recognises in a submitted SBOM.
const (
	SBOMCycloneDX = "CycloneDX"
	SBOMSPDX      = "SPDX"
)

// sbomFormat says which SBOM format a JSON document is in, or why it is
// neither.
func sbomFormat(data []byte) (string, error) {
	var doc struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("it is not a JSON object: %v", err)
	}
	switch {
	case doc.BOMFormat == "CycloneDX" && doc.SpecVersion != "":
		return SBOMCycloneDX, nil
	case len(doc.SPDXVersion) > 5 && doc.SPDXVersion[:5] == "SPDX-":
		return SBOMSPDX, nil
	}
	return "", errors.New(`it is neither CycloneDX JSON ("bomFormat": "CycloneDX") nor SPDX JSON ("spdxVersion": "SPDX-…")`)
}
