package api

import (
	"log"
	"time"
)

// A date-gated deprecation warning only logs: medium, so it is not quiet,
// but it lives in the positive corpus; this file holds what must stay
// silent entirely.
func x(n int) bool {
	if n == 0 {
		return true
	}
	log.Printf("at %s", time.Now())
	return time.Now().Year() > 0
}
