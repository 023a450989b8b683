package tlsx

import (
	"crypto/x509"
	"fmt"
	"time"
)

// Certificate expiry compares with a field, not a literal.
func expired(cert *x509.Certificate) bool {
	return time.Now().After(cert.NotAfter)
}

func stamp() string { return time.Now().Format("2006-01-02T15:04:05Z07:00") }

func slow(start time.Time) bool { return time.Since(start) > 30*time.Second }

func elapsed(start time.Time) bool {
	now := time.Now()
	return now.Sub(start) > time.Minute || now.Unix()-start.Unix() > 3600
}

func cfg(deadline time.Time) bool { return time.Now().Before(deadline) }

var copyright = fmt.Sprintf("(c) %d", 2024)
