package ssh

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	charmssh "charm.land/ssh"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	gossh "golang.org/x/crypto/ssh"
)

// publicKeyAuth accepts a key only when it is stored on the user named in
// the login, so an agent offering several people's keys never logs in as
// the wrong one. Unknown keys and other users' keys fail alike. Whether
// the user may log in is decided in the session, where a refusal can be
// explained and audited.
func (s *Server) publicKeyAuth(ctx charmssh.Context, key charmssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	u, err := s.cfg.Store.UserByKey(fp)
	if err != nil || !strings.EqualFold(u.Username, ctx.User()) {
		s.log.Info("ssh key refused", "user", ctx.User(), "addr", ctx.RemoteAddr().String(), "fingerprint", fp)
		return false
	}
	return true
}

// passwordAuth checks the stored hash, with a per-address back-off after
// repeated failures. Unknown users cost the same work as wrong passwords.
func (s *Server) passwordAuth(ctx charmssh.Context, password string) bool {
	host := hostOf(ctx.RemoteAddr())
	if wait := s.backoff.wait(host); wait > 0 {
		s.log.Info("ssh password refused", "user", ctx.User(), "addr", host, "reason", "back-off", "wait", wait.String())
		return false
	}
	hash := dummyHash()
	u, err := s.cfg.Store.UserByName(ctx.User())
	if err == nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	s.verifying <- struct{}{}
	ok := verifyPassword(hash, password)
	<-s.verifying
	if ok && err == nil && u.PasswordHash != "" {
		s.backoff.reset(host)
		return true
	}
	wait := s.backoff.fail(host)
	s.log.Info("ssh password refused", "user", ctx.User(), "addr", host, "next_wait", wait.String())
	return false
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

// dummyHash is verified for unknown users so timing does not tell them
// apart; OWASP's minimum argon2id parameters, like stored hashes.
var dummyHash = sync.OnceValue(func() string {
	salt := []byte("gatehouse-dummy!")
	return encodeArgon2id(salt, argon2.IDKey([]byte("x"), salt, 2, 19*1024, 1, 32), 2, 19*1024, 1)
})

func encodeArgon2id(salt, key []byte, t, m uint32, p uint8) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword checks a password against a stored hash: an argon2id PHC
// string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or bcrypt ($2a$, $2b$, $2y$).
// Anything else never matches.
func verifyPassword(hash, password string) bool {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return verifyArgon2id(hash, password)
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	}
	return false
}

// Bounds on stored argon2id parameters, so a damaged hash cannot make one
// login attempt take gigabytes or minutes.
const (
	maxArgonMemory = 1 << 20 // KiB: 1 GiB
	maxArgonTime   = 64
)

func verifyArgon2id(hash, password string) bool {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return false
		}
		switch k {
		case "m":
			m = uint32(n)
		case "t":
			t = uint32(n)
		case "p":
			if n > 255 {
				return false
			}
			p = uint8(n)
		default:
			return false
		}
	}
	if m == 0 || t == 0 || p == 0 || m > maxArgonMemory || t > maxArgonTime {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// backoff slows password guessing per address: the first few failures are
// free, then each one doubles the wait before the next try is checked.
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

// fail counts a failure and returns the wait it imposes.
func (b *backoff) fail(host string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
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
		return 0
	}
	wait := maxWait
	if shift := f.n - freeFailures - 1; shift < 20 {
		wait = min(maxWait, time.Second<<shift)
	}
	f.until = now.Add(wait)
	return wait
}

// reset forgets an address's failures after a successful login.
func (b *backoff) reset(host string) {
	b.mu.Lock()
	delete(b.m, host)
	b.mu.Unlock()
}
