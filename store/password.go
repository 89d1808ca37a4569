package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
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

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of an argon2id hash with a random
// salt: $argon2id$v=19$m=19456,t=2,p=1$salt$hash.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(h)), nil
}

// VerifyPassword reports whether password matches a PHC string written by
// HashPassword; the parameters come from the string, so hashes made with
// older settings keep verifying.
func VerifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("not an argon2id password hash")
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("bad hash")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
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
