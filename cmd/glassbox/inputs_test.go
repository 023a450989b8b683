package main

import (
	"strings"
	"testing"
)

// Every file a command reads from outside is bounded: /dev/zero, which
// never ends, is refused with an error naming the file and the limit, and
// the command exits with its error code instead of growing without end.
func TestEndlessInputsAreRefused(t *testing.T) {
	data, src := submitTiny(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"scan", "--suppressions", "/dev/zero", src}, exitError, "suppressions file /dev/zero is larger than 4 MiB"},
		{[]string{"evaluate", "--suppressions", "/dev/zero", "acme/router@1.0.0"}, exitRefused, "suppressions file /dev/zero is larger than 4 MiB"},
		{[]string{"rebuild", "--recipe", "/dev/zero", "acme/router@1.0.0"}, exitRefused, "recipe /dev/zero is larger than 1 MiB"},
		{[]string{"serve", "--token-file", "/dev/zero"}, exitRefused, "token file /dev/zero is larger than 4 KiB"},
		{[]string{"catalogs", "add", "/dev/zero"}, exitRefused, "catalog /dev/zero is larger than"},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			code, _, errOut := glassboxRun(t, append([]string{"--data", data}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("glassbox %s: exit %d, %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
			}
		})
	}
}
