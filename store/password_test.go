package store

import (
	"strings"
	"testing"
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
	for _, bad := range []string{"", "$2a$10$bcrypt", strings.Replace(h, "m=19456", "m=0", 1), h[:len(h)-60] + "$!!"} {
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
