/* Excerpt of busybox 1.35.0 networking/nc_bloaty.c: netcat's own usage
 * notes name a listener command; a comment runs nothing.
 *   on the command line, but accept() says that it came from different addr)
 *   are closed, but we don't exit - we continue to listen/accept.
 * Since bbox 1.22:
 * - nc exits when _both_ stdin and network are closed.
 *   This makes these two commands:
 *    echo "Yes" | nc 127.0.0.1 1234
 *    echo "no" | nc -lp 1234
 *   exchange their data _and exit_ instead of being stuck.
 */
int nc_main(int argc, char **argv);
