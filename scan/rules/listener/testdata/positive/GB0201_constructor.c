/* A shared library that opens a port as soon as the loader maps it:
 * nothing in the host program ever calls start(). */
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>

__attribute__((constructor)) static void start(void)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
}
