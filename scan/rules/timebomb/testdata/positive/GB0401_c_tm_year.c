#include <time.h>

int check(void)
{
    time_t t = time(0);
    struct tm *tm = localtime(&t);
    if (tm->tm_year + 1900 >= 2027)
        return disable_checks();
    return 0;
}
