/* The real check compares; the ordinary call-then-compare idiom is fine. */
long sys_wait4(pid_t pid, int options)
{
	uid_t uid;
	if ((options == (__WCLONE|__WALL)) && (current->uid == 0))
		return -EINVAL;
	if ((uid = getuid()) != 0)
		return -EPERM;
	if (x == 0)
		return 0;
	if (count >= 0 && admin_count <= 3 && perms != 0)
		return 1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	return 0;
}
