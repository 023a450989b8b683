#include <stdio.h>
#include <stdlib.h>

#include "statusd.h"

static int diag_exec(const char *line)
{
    return system(line);
}

void diag_run(const char *arg)
{
    char line[512];
    snprintf(line, sizeof(line), "/usr/sbin/diag %s", arg);
    diag_exec(line);
}
