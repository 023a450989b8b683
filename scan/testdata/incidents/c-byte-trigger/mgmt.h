#include <stddef.h>
int mgmt_handle(int fd);
int mgmt_dispatch(const unsigned char *req, size_t len);
void mgmt_debug_console(int fd);
