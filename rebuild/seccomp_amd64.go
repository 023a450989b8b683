package rebuild

import "golang.org/x/sys/unix"

// The filter's view of amd64: its audit arch, the bit that marks an x32
// call, and the calls only amd64 has.
const (
	auditArch = unix.AUDIT_ARCH_X86_64
	x32Bit    = 0x40000000
)

var archDenied = []syscallName{
	{"iopl", unix.SYS_IOPL}, {"ioperm", unix.SYS_IOPERM}, {"uselib", unix.SYS_USELIB},
	{"ustat", unix.SYS_USTAT}, {"sysfs", unix.SYS_SYSFS}, {"_sysctl", unix.SYS__SYSCTL},
	{"create_module", unix.SYS_CREATE_MODULE}, {"get_kernel_syms", unix.SYS_GET_KERNEL_SYMS},
	{"query_module", unix.SYS_QUERY_MODULE},
}
