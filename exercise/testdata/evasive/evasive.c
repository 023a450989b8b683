/*
 * evasive - a program that tries to slip out from under a recorder.
 *
 * It closes every descriptor it inherited, daemonises (fork, setsid,
 * fork), and then does everything that matters through raw system calls,
 * never through the libc wrappers a preloaded interposer would catch:
 * drops a file in /tmp, connects out to 203.0.113.7:8443, listens on
 * 0.0.0.0:31337, tries to become root and finally runs /bin/sh.
 *
 * Build it statically: cc -static -O2 -o dist/evasive evasive.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* pause_briefly sleeps about 50 ms. */
static void pause_briefly(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	syscall(SYS_nanosleep, &ts, NULL);
}

int main(void)
{
	static const char path[] = "/tmp/evasive-dropped";
	struct sockaddr_in out, in;
	char *argv[] = { "sh", "-c", "exit 0", NULL };
	long fd, s, l;
	int one = 1, i;

	/* Shed every inherited descriptor, the recorder's pipes included. */
	for (i = 0; i < 1024; i++)
		close(i);

	/* Daemonise: the parent exits, the child leads a new session, and
	 * the grandchild, which can never regain a terminal, goes on. */
	if (fork() != 0)
		_exit(0);
	setsid();
	if (fork() != 0)
		_exit(0);
	pause_briefly();

	/* Drop a file. */
	fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		syscall(SYS_write, fd, "x", 1);
		syscall(SYS_close, fd);
	}
	pause_briefly();

	/* Call out, without waiting for the handshake. */
	s = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s >= 0) {
		memset(&out, 0, sizeof out);
		out.sin_family = AF_INET;
		out.sin_port = htons(8443);
		out.sin_addr.s_addr = htonl((203u << 24) | (0u << 16) | (113u << 8) | 7u);
		syscall(SYS_connect, s, (struct sockaddr *)&out, sizeof out);
	}
	pause_briefly();

	/* Listen. */
	l = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (l >= 0) {
		syscall(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		memset(&in, 0, sizeof in);
		in.sin_family = AF_INET;
		in.sin_port = htons(31337);
		in.sin_addr.s_addr = htonl(INADDR_ANY);
		if (syscall(SYS_bind, l, (struct sockaddr *)&in, sizeof in) == 0)
			syscall(SYS_listen, l, 8);
	}
	pause_briefly();

	/* Try to become root. */
	syscall(SYS_setuid, 0);
	pause_briefly();

	/* Hand over to a shell. */
	syscall(SYS_execve, "/bin/sh", argv, environ);
	syscall(SYS_exit, 1);
	return 1;
}
