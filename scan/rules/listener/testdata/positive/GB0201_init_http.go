package metrics

import "net/http"

// An HTTP debug endpoint opened as a side effect of importing the package.
func init() {
	go func() {
		_ = http.ListenAndServe("0.0.0.0:7777", nil)
	}()
}
