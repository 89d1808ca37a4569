package ssh

import (
	"errors"
	"net"
	"sync"
	"time"

	charmssh "charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
)

// publicKeyAuth asks the store (AuthenticateKey) whether the key is
// registered to the user named in the login, so an agent offering several
// people's keys never logs in as the wrong one. Unknown keys and other
// users' keys fail alike. A key that proves who the user is passes even
// when they may not log in: the session then explains the refusal and
// audits it.
func (s *Server) publicKeyAuth(ctx charmssh.Context, key charmssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	_, err := s.cfg.Store.AuthenticateKey(ctx.User(), fp)
	if !domain.IdentityProven(err) {
		s.log.Info("ssh key refused", "user", ctx.User(), "addr", ctx.RemoteAddr().String(), "fingerprint", fp, "reason", reason(err))
		return false
	}
	return true
}

// passwordAuth asks the store (AuthenticatePassword), with a per-address
// back-off after repeated failures. A right password passes even when its
// owner may not log in, or holds a temporary one: the session explains
// (a temporary password is changed at the keyboard-interactive prompt,
// which this method cannot ask for).
func (s *Server) passwordAuth(ctx charmssh.Context, password string) bool {
	host := sourceOf(ctx.RemoteAddr())
	next, ok := s.attempt(ctx, host)
	if !ok {
		return false
	}
	_, err := s.authenticate(ctx.User(), password)
	if domain.IdentityProven(err) {
		s.backoff.reset(host)
		return true
	}
	s.failed(ctx, host, err, next)
	return false
}

// Prompts of the keyboard-interactive password login.
const (
	promptPassword = "Password: "
	promptNew      = "New password: "
	promptRetype   = "Retype new password: "
	tempPassword   = "Your password is temporary: choose a new one."
	changeTries    = 3
)

// keyboardInteractiveAuth is the password login OpenSSH clients use by
// default (before the password method). It asks for the password; when
// the password is a temporary one (imported, or set by someone else) it
// then asks for a new one twice and has the store change it
// (ChangePassword) before the login completes.
func (s *Server) keyboardInteractiveAuth(ctx charmssh.Context, challenge gossh.KeyboardInteractiveChallenge) bool {
	host := sourceOf(ctx.RemoteAddr())
	// an address that must wait is not even asked
	if s.backedOff(ctx, host) {
		return false
	}
	answers, err := challenge("gatehouse", "", []string{promptPassword}, []bool{false})
	if err != nil || len(answers) != 1 {
		return false
	}
	current := answers[0]
	// others from the address may have failed while this one typed
	next, ok := s.attempt(ctx, host)
	if !ok {
		return false
	}
	_, err = s.authenticate(ctx.User(), current)
	if !domain.IdentityProven(err) {
		s.failed(ctx, host, err, next)
		return false
	}
	s.backoff.reset(host)
	if !errors.Is(err, domain.ErrMustChangePassword) {
		return true
	}
	instruction := tempPassword
	for range changeTries {
		answers, err := challenge("gatehouse", instruction, []string{promptNew, promptRetype}, []bool{false, false})
		if err != nil || len(answers) != 2 {
			return false
		}
		if answers[0] != answers[1] {
			instruction = "The two new passwords differ. " + tempPassword
			continue
		}
		s.verifying <- struct{}{}
		_, err = s.cfg.Store.ChangePassword(ctx, ctx.User(), current, answers[0])
		<-s.verifying
		switch {
		case err == nil:
			s.log.Info("ssh password changed", "user", ctx.User(), "addr", host)
			return true
		case domain.ErrorCode(err) == domain.EInvalid:
			instruction = err.Error() + ". " + tempPassword
		default:
			// deactivated meanwhile, or an administrator's reset won
			s.log.Info("ssh password change failed", "user", ctx.User(), "addr", host, "err", err.Error())
			return false
		}
	}
	return false
}

// authenticate checks a password, at most two at a time: each argon2id
// check takes tens of megabytes.
func (s *Server) authenticate(username, password string) (domain.User, error) {
	s.verifying <- struct{}{}
	defer func() { <-s.verifying }()
	return s.cfg.Store.AuthenticatePassword(username, password)
}

// backedOff reports (and logs) that the address must still wait.
func (s *Server) backedOff(ctx charmssh.Context, host string) bool {
	wait := s.backoff.wait(host)
	if wait > 0 {
		s.logBackedOff(ctx, host, wait)
	}
	return wait > 0
}

// attempt checks the back-off and counts the try as a failure in one step,
// before its hash is computed (see backoff.attempt); it logs a refusal.
// next is the wait the try imposes if it fails.
func (s *Server) attempt(ctx charmssh.Context, host string) (next time.Duration, ok bool) {
	wait, next := s.backoff.attempt(host)
	if wait > 0 {
		s.logBackedOff(ctx, host, wait)
		return 0, false
	}
	return next, true
}

func (s *Server) logBackedOff(ctx charmssh.Context, host string, wait time.Duration) {
	s.log.Info("ssh password refused", "user", ctx.User(), "addr", host, "reason", "back-off", "wait", wait.String())
}

// failed logs a failed password; attempt has already counted it.
func (s *Server) failed(ctx charmssh.Context, host string, err error, next time.Duration) {
	s.log.Info("ssh password refused", "user", ctx.User(), "addr", host, "reason", reason(err), "next_wait", next.String())
}

// reason is the log's word for a refusal: the sentinel, not the detail.
func reason(err error) string {
	var r *domain.LoginRefused
	if errors.As(err, &r) {
		return r.Reason.Error()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func hostOf(a net.Addr) string {
	if a == nil {
		return "unknown"
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// backoff slows password guessing per address: the first few failures are
// free, then each one doubles the wait before the next try is checked. A
// try is counted as a failure when it starts, before its hash, and
// forgiven (reset) when the password proves right: tries sent in parallel
// cannot all pass the check before the first failure is counted.
type backoff struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*failures
}

type failures struct {
	n     int
	until time.Time
	last  time.Time
}

const (
	freeFailures = 3
	maxWait      = 5 * time.Minute
	forgetAfter  = 15 * time.Minute
)

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, m: map[string]*failures{}}
}

// wait is how long the address must still wait before a try is checked.
func (b *backoff) wait(host string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.m[host]
	if f == nil {
		return 0
	}
	return max(0, f.until.Sub(b.now()))
}

// attempt checks and counts one try in one step. While the address must
// wait, the try is refused (wait > 0) and not counted. Otherwise it counts
// as a failure now, and next is the wait that failure imposes.
func (b *backoff) attempt(host string) (wait, next time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if f := b.m[host]; f != nil && f.until.After(now) {
		return f.until.Sub(now), 0
	}
	if len(b.m) > 10000 {
		for h, f := range b.m {
			if now.Sub(f.last) > forgetAfter {
				delete(b.m, h)
			}
		}
	}
	f := b.m[host]
	if f == nil || now.Sub(f.last) > forgetAfter {
		f = &failures{}
		b.m[host] = f
	}
	f.n++
	f.last = now
	if f.n <= freeFailures {
		return 0, 0
	}
	next = maxWait
	if shift := f.n - freeFailures - 1; shift < 20 {
		next = min(maxWait, time.Second<<shift)
	}
	f.until = now.Add(next)
	return 0, next
}

// reset forgets an address's failures after a successful login.
func (b *backoff) reset(host string) {
	b.mu.Lock()
	delete(b.m, host)
	b.mu.Unlock()
}
