/* A service's control socket: the received command selects one of a fixed
 * set of actions; nothing received is passed to the shell. */
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>

static const char *actions[] = {"/usr/sbin/service app reload", "/usr/sbin/service app restart"};

static int run_action(int i)
{
    return system(actions[i]);
}

void ctl_serve(int sock)
{
    char buf[64];
    ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return;
    buf[n] = 0;
    if (strcmp(buf, "reload") == 0)
        run_action(0);
    else if (strcmp(buf, "restart") == 0)
        run_action(1);
    else
        fprintf(stderr, "unknown command %s\n", buf);
}
