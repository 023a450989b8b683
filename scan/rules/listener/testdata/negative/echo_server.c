#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <fcntl.h>

/* A normal daemon: listens from main on a configured port and
 * redirects its standard streams to /dev/null. */
int main(int argc, char **argv)
{
    struct sockaddr_in a = {0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0); dup2(null, 1); dup2(null, 2);
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 16);
    execvp(argv[1], argv + 1);
    return 0;
}
