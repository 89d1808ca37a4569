package store

import (
	"errors"
	"strings"
	"testing"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

func TestPasswordHashIsArgon2idPHC(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q", h)
	}
	if ok, err := VerifyPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "correct horsE"); ok {
		t.Fatal("a wrong password verified")
	}
	for _, bad := range []string{"", "plain", "$2a$10$bcrypt", strings.Replace(h, "m=19456", "m=0", 1), h[:len(h)-60] + "$!!",
		strings.Replace(h, "v=19", "v=18", 1), strings.Replace(h, ",p=1", "", 1), strings.Replace(h, "m=19456,t=2", "t=2,m=19456", 1)} {
		if _, err := VerifyPassword(bad, "x"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestHashPasswordsReportsProgressAndSkipsEmpty(t *testing.T) {
	var calls []int
	out, err := hashPasswords(t.Context(), []string{"a-password", "", "b-password", "", "c-password"}, func(done, total int) {
		if total != 3 {
			t.Errorf("total %d", total)
		}
		calls = append(calls, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 || calls[0] != 1 || calls[2] != 3 {
		t.Fatalf("progress %v", calls)
	}
	if out[1] != "" || out[3] != "" || out[0] == out[2] || out[0] == "" {
		t.Fatalf("hashes %q", out)
	}
	if ok, _ := VerifyPassword(out[4], "c-password"); !ok {
		t.Fatal("hash of row 5 does not verify")
	}
}

// Hashes from other systems: bcrypt verifies, within its cost bound.
func TestVerifyPasswordAcceptsBcrypt(t *testing.T) {
	b, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pw string
		ok bool
	}{{"pw", true}, {"px", false}, {strings.Repeat("p", 100), false}} {
		if ok, err := VerifyPassword(string(b), c.pw); ok != c.ok || err != nil {
			t.Errorf("bcrypt %q: %v %v", c.pw, ok, err)
		}
	}
}

// craftedHashes would each pin a core or take gigabytes for one login
// attempt if their parameters were believed.
var craftedHashes = map[string]string{
	"bcrypt cost 31":   "$2a$31$" + strings.Repeat("A", 53),
	"bcrypt cost 13":   "$2b$13$" + strings.Repeat("A", 53),
	"argon2 4 GiB":     "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 43),
	"argon2 1M passes": "$argon2id$v=19$m=19456,t=1000000,p=1$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 43),
	"argon2 255 lanes": "$argon2id$v=19$m=19456,t=2,p=255$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 43),
	"argon2 1 MB key":  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 1<<20),
}

// Out-of-bounds parameters are refused before any hashing (the test
// asserts the error; that no work is done follows from the check running
// first, and a regression would show as a test run of hours).
func TestCraftedHashParametersAreRefusedBeforeWork(t *testing.T) {
	for name, h := range craftedHashes {
		ok, err := VerifyPassword(h, "x")
		if ok || err == nil {
			t.Errorf("%s: verified %v, err %v", name, ok, err)
		}
		if strings.HasPrefix(name, "bcrypt") || strings.Contains(name, "GiB") || strings.Contains(name, "passes") || strings.Contains(name, "lanes") {
			if !errors.Is(err, errHashBounds) {
				t.Errorf("%s: %v is not a bounds error", name, err)
			}
		}
	}
}

// A crafted hash stored on a user makes their login fail as unusable, and
// the identity stays unproven.
func TestCraftedStoredHashRefusesLogin(t *testing.T) {
	db, err := Open(t.TempDir()+"/g.db", Options{Owner: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, h := range craftedHashes {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			u, err := userByName(tx, "admin")
			if err != nil {
				return err
			}
			return putJSON(tx, bUsers, u.ID, userRecord{User: u, PasswordHash: h})
		})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.AuthenticatePassword("admin", "x")
		if !errors.Is(err, domain.ErrUnusableHash) || domain.IdentityProven(err) || u.ID != 0 {
			t.Errorf("%s: %v %+v", name, err, u)
		}
		rep, err := db.Check(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Problem, "admin's stored password hash is unusable") {
			t.Errorf("%s: check found %+v", name, rep.Findings)
		}
	}
}
