#define ADMIN_PASSWORD "r00tme!"

int is_admin(const char *p) { return check(p, ADMIN_PASSWORD); }
