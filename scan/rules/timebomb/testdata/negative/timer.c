#include <time.h>
int timed_out(time_t start)
{
    time_t now = time(NULL);
    if (now - start > 30)
        return 1;
    if (x == 0)
        return 0;
    return difftime(now, start) > 60.0;
}
