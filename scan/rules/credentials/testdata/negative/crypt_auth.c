#include <string.h>
#include <crypt.h>

/* Compare the crypt(3) hash of what the user typed with the stored one. */
int check_password(const struct passwd *pw, const char *typed)
{
    const char *h = crypt(typed, pw->pw_passwd);
    if (h == NULL)
        return 0;
    if (strcmp(pw->pw_shell, "/sbin/nologin") == 0)
        return 0;
    return strcmp(h, pw->pw_passwd) == 0;
}
