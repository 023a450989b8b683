package lic

import "time"

var cutoff = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

func valid() bool {
	t := time.Now()
	return t.Before(cutoff)
}
