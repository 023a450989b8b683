// A repository browser: the request chooses a revision, which is passed as
// an argument to a fixed program (git), never as the program or a shell
// script. Injection into arguments is a bug class of its own, not a
// backdoor's command channel.
package browse

import (
	"net/http"
)

func Log(w http.ResponseWriter, r *http.Request) {
	rev := r.URL.Query().Get("rev")
	out, err := gitLog(r.Context(), rev)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Write(out)
}
