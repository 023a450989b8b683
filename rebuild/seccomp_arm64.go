package rebuild

import "golang.org/x/sys/unix"

// The filter's view of arm64: its audit arch (AArch32 calls have another),
// and no call of its own to add.
const (
	auditArch = unix.AUDIT_ARCH_AARCH64
	x32Bit    = 0
)

var archDenied []syscallName
