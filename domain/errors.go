// Package domain holds gatehouse's types, privilege catalog, rules and
// authorization engine. It is pure Go: no I/O and no third-party imports, so
// every adapter (store, console, CLI, SSH) shares one meaning of each rule.
package domain

import (
	"errors"
	"fmt"
)

// Error codes let adapters map failures to exit codes or status-line styles
// without parsing messages.
const (
	ENotFound  = "not_found"
	EInvalid   = "invalid"
	EForbidden = "forbidden"
	EConflict  = "conflict"
	EWarning   = "warning" // needs confirmation (--yes, or a confirm dialog)
	EInternal  = "internal"
)

// Error is a failure meant for a person: Message names the field or thing.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds a domain error with a code.
func Errorf(code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or EInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if _, ok := AsConflict(err); ok {
		return EConflict
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// IsWarning reports whether err only needs the caller's confirmation.
func IsWarning(err error) bool { return ErrorCode(err) == EWarning }

// errorAs is errors.As for one error type.
func errorAs[E error](err error) (E, bool) {
	var e E
	ok := errors.As(err, &e)
	return e, ok
}
