package domain

import "errors"

// Reasons an authentication is refused. The store's AuthenticatePassword
// and AuthenticateKey return them wrapped in a *LoginRefused (test with
// errors.Is); the SSH server tells the client nothing beyond "denied" for
// the first group and explains the rest to someone who proved who they are.
var (
	// Identity not proven.
	ErrUnknownUser   = errors.New("unknown user")
	ErrUnknownKey    = errors.New("key not registered to this user")
	ErrWrongPassword = errors.New("wrong password")
	ErrNoPassword    = errors.New("no password set")
	// ErrUnusableHash: the stored hash is damaged or its parameters are
	// outside the bounds a login may cost; nothing was hashed.
	ErrUnusableHash = errors.New("stored password hash unusable")

	// Identity proven, login not allowed.
	ErrDeactivated    = errors.New("deactivated")
	ErrInactive       = errors.New("inactive (R2)")
	ErrNoRemoteAccess = errors.New("no Remote Access")
	// ErrMustChangePassword: the password is a temporary one (imported, or
	// set by someone else) and must be replaced before a password login.
	ErrMustChangePassword = errors.New("must change password")
)

// LoginRefused is a refused authentication: Reason is one of the Err…
// sentinels above, Detail the sentence for logs and the audit trail.
type LoginRefused struct {
	Reason error
	Detail string
}

func (e *LoginRefused) Error() string { return e.Detail }
func (e *LoginRefused) Unwrap() error { return e.Reason }

// IdentityProven reports whether err (from an authentication) still proved
// who the user is: nil, or a refusal for deactivation, inactivity, missing
// Remote Access or a password to change.
func IdentityProven(err error) bool {
	return err == nil || errors.Is(err, ErrDeactivated) || errors.Is(err, ErrInactive) ||
		errors.Is(err, ErrNoRemoteAccess) || errors.Is(err, ErrMustChangePassword)
}
