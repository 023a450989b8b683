//go:build !amd64 && !arm64

package rebuild

// No filter is defined here: seccompFilter refuses, and so the sandbox
// refuses to run builds rather than run them without one.
const (
	auditArch = 0
	x32Bit    = 0
)

var archDenied []syscallName
