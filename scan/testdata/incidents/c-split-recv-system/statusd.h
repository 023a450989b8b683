void statusd_serve(int sock);
void diag_run(const char *arg);
void status_reply(int sock);
