package glassbox

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened so that callers (the
// CLI's exit code, the HTTP server's status) can act on it without parsing
// messages.
const (
	EINVALID  = "invalid"   // the input was refused: malformed, hostile or over a limit
	ECONFLICT = "conflict"  // the input contradicts what is already recorded
	ENOTFOUND = "not_found" // the named thing does not exist
	ECORRUPT  = "corrupt"   // stored evidence no longer matches its digest
	EINTERNAL = "internal"  // a failure of the centre itself (disk, database)

	EUNAUTHENTICATED = "unauthenticated" // no credentials, or ones that are unknown, expired or revoked
	EFORBIDDEN       = "forbidden"       // the caller is known but may not do this
	EUNAVAILABLE     = "unavailable"     // a service this needs (the log) cannot be reached now; retry later
)

// Error is a failure with a code and a message written for the person who
// has to act on it.
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, if any
}

// Error returns the message, which already includes the cause's text when
// the Error was made by Errorf with %w.
func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A
// %w verb wraps its operand as the cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
