package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gatehouse/domain"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2id at OWASP's minimum (19 MiB, two passes, one lane): about 20 ms a
// hash on one core, which is why bulk imports hash on every core before
// their transaction and never inside it.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on a stored hash's parameters, checked before any work: a hash
// restored from an export, or written into the file by hand, comes with
// its own cost, and a crafted one ($2a$31$…, or argon2id with gigabytes
// of memory) must not pin a core or exhaust memory on every login
// attempt. Argon2id may cost up to four times what gatehouse itself
// writes; bcrypt (accepted from other systems' exports) up to cost 12,
// two steps above its default of 10, about a quarter second.
const (
	maxArgonMemory  = 4 * argonMemory
	maxArgonTime    = 4 * argonTime
	maxArgonThreads = 4
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 64
	minArgonSaltLen = 8
	maxArgonSaltLen = 64
	maxBcryptCost   = 12
)

// Limits on a new password (SetPassword, ChangePassword). The upper bound
// keeps a pasted file from being hashed; the lower one is NIST SP 800-63B's
// minimum for a chosen password.
const (
	minPasswordLen = 8   // characters
	maxPasswordLen = 256 // bytes
)

var b64 = base64.RawStdEncoding

// errHashBounds marks a hash whose parameters are out of bounds.
var errHashBounds = errors.New("parameters out of bounds")

// HashPassword returns the PHC string of an argon2id hash with a random
// salt: $argon2id$v=19$m=19456,t=2,p=1$salt$hash.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodeArgon2id(salt, h, argonTime, argonMemory, argonThreads), nil
}

func encodeArgon2id(salt, key []byte, t, m uint32, p uint8) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummyHash is verified for unknown users and users without a password, so
// timing does not tell them apart from a wrong password: the same
// parameters as stored hashes.
var dummyHash = sync.OnceValue(func() string {
	salt := []byte("gatehouse-dummy!")
	return encodeArgon2id(salt, argon2.IDKey([]byte("x"), salt, argonTime, argonMemory, argonThreads, argonKeyLen),
		argonTime, argonMemory, argonThreads)
})

// argonParams is a parsed argon2id PHC string.
type argonParams struct {
	m, t      uint32
	p         uint8
	salt, key []byte
}

// parseArgon2id parses $argon2id$v=19$m=…,t=…,p=…$salt$hash and rejects
// parameters outside the bounds above, before any hashing.
func parseArgon2id(encoded string) (argonParams, error) {
	var a argonParams
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[1] != "argon2id" {
		return a, fmt.Errorf("not an argon2id password hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return a, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	kvs := strings.Split(parts[3], ",")
	if len(kvs) != 3 {
		return a, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	for i, name := range []string{"m", "t", "p"} {
		k, v, _ := strings.Cut(kvs[i], "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if k != name || err != nil || n == 0 {
			return a, fmt.Errorf("bad argon2 parameters %q", parts[3])
		}
		switch name {
		case "m":
			if n > maxArgonMemory {
				return a, fmt.Errorf("argon2 memory %d KiB: %w (at most %d)", n, errHashBounds, maxArgonMemory)
			}
			a.m = uint32(n)
		case "t":
			if n > maxArgonTime {
				return a, fmt.Errorf("argon2 time %d: %w (at most %d)", n, errHashBounds, maxArgonTime)
			}
			a.t = uint32(n)
		case "p":
			if n > maxArgonThreads {
				return a, fmt.Errorf("argon2 threads %d: %w (at most %d)", n, errHashBounds, maxArgonThreads)
			}
			a.p = uint8(n)
		}
	}
	var err error
	if a.salt, err = b64.DecodeString(parts[4]); err != nil || len(a.salt) < minArgonSaltLen || len(a.salt) > maxArgonSaltLen {
		return a, fmt.Errorf("bad argon2 salt: %d to %d bytes of base64", minArgonSaltLen, maxArgonSaltLen)
	}
	if a.key, err = b64.DecodeString(parts[5]); err != nil || len(a.key) < minArgonKeyLen || len(a.key) > maxArgonKeyLen {
		return a, fmt.Errorf("bad argon2 hash: %d to %d bytes of base64", minArgonKeyLen, maxArgonKeyLen)
	}
	return a, nil
}

// checkHash reports whether a stored hash can be verified within the
// bounds, without doing the work: argon2id, or bcrypt ($2a$, $2b$, $2y$)
// of cost at most maxBcryptCost.
func checkHash(encoded string) error {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		_, err := parseArgon2id(encoded)
		return err
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil {
			return fmt.Errorf("bad bcrypt hash: %w", err)
		}
		if cost > maxBcryptCost {
			return fmt.Errorf("bcrypt cost %d: %w (at most %d)", cost, errHashBounds, maxBcryptCost)
		}
		return nil
	}
	return fmt.Errorf("not an argon2id or bcrypt password hash")
}

// VerifyPassword reports whether password matches a stored hash: an
// argon2id PHC string (as HashPassword writes, or with older parameters)
// or bcrypt. A hash that is damaged or out of bounds is an error, found
// before any hashing.
func VerifyPassword(encoded, password string) (bool, error) {
	if err := checkHash(encoded); err != nil {
		return false, err
	}
	if strings.HasPrefix(encoded, "$argon2id$") {
		a, err := parseArgon2id(encoded)
		if err != nil {
			return false, err
		}
		got := argon2.IDKey([]byte(password), a.salt, a.t, a.m, a.p, uint32(len(a.key)))
		return subtle.ConstantTimeCompare(got, a.key) == 1, nil
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) || errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return false, nil
	}
	return err == nil, err
}

// validatePassword checks a new password before it is hashed.
func validatePassword(password string) error {
	if !utf8.ValidString(password) {
		return domain.Errorf(domain.EInvalid, "password: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(password); n < minPasswordLen {
		return domain.Errorf(domain.EInvalid, "password: at least %d characters (got %d)", minPasswordLen, n)
	}
	if len(password) > maxPasswordLen {
		return domain.Errorf(domain.EInvalid, "password: at most %d bytes", maxPasswordLen)
	}
	if strings.ContainsFunc(password, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return domain.Errorf(domain.EInvalid, "password: control characters (such as a newline) are not allowed")
	}
	return nil
}

// hashPasswords hashes every non-empty password on all cores. progress is
// called from this goroutine only, after each hash, with done and total
// counting the non-empty passwords. An empty password gives an empty hash.
func hashPasswords(ctx context.Context, passwords []string, progress func(done, total int)) ([]string, error) {
	out := make([]string, len(passwords))
	jobs := make(chan int)
	type result struct {
		i   int
		h   string
		err error
	}
	results := make(chan result)
	total := 0
	for _, p := range passwords {
		if p != "" {
			total++
		}
	}
	if total == 0 {
		return out, nil
	}
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), total) {
		wg.Go(func() {
			for i := range jobs {
				if err := ctx.Err(); err != nil {
					results <- result{i, "", err} // cancelled: the rest are skipped
					continue
				}
				h, err := HashPassword(passwords[i])
				results <- result{i, h, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i, p := range passwords {
			if p != "" {
				jobs <- i
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var firstErr error
	done := 0
	for r := range results {
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
		out[r.i] = r.h
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	return out, firstErr
}
