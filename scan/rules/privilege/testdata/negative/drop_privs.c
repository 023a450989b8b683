#include <unistd.h>
#include <stdlib.h>

/* A privileged daemon settles its identity in main and drops root. */
int main(int argc, char **argv)
{
    if (setgid(0) != 0 || setuid(0) != 0)
        exit(1);
    if (setuid(1000) != 0)
        exit(1);
    return serve();
}

void worker(void)
{
    if (setuid(getuid()) != 0)
        abort();
}
