package cli_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
)

// `user password U` reads one line from a pipe. Set for oneself it is the
// password; set by the owner for someone else it is temporary, changed at
// the next password login; someone without the rights is refused.
func TestUserPasswordCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "jdoe")
	h.ok("user", "join", "jdoe", "Users")
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Users")

	h.stdin = "Temp-Pass-1\n"
	h.okHas(args("user", "password", "jdoe"), "temporary password for jdoe")
	if _, err := h.db.AuthenticatePassword("jdoe", "Temp-Pass-1"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("after the owner set it: %v", err)
	}

	h.stdin = "Own-Pass-1\r\nignored second line\n"
	h.okHas(args("--as", "jdoe", "user", "password", "jdoe"), "set the password of jdoe")
	if _, err := h.db.AuthenticatePassword("jdoe", "Own-Pass-1"); err != nil {
		t.Fatalf("after jdoe set it: %v", err)
	}

	h.stdin = "Kims-Pass-1\n"
	_, errs, code := h.run("--as", "jdoe", "user", "password", "kim")
	if code != 1 || !strings.Contains(errs, "jdoe lacks Manage Users") {
		t.Errorf("jdoe set kim's password: exit %d, %q", code, errs)
	}
	for _, c := range []struct{ stdin, want string }{
		{"", "standard input is empty"},
		{"\n", "standard input is empty"},
		{"short\n", "at least 8 characters"},
	} {
		h.stdin = c.stdin
		_, errs, code := h.run("--as", "jdoe", "user", "password", "jdoe")
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("stdin %q: exit %d, %q", c.stdin, code, errs)
		}
	}
	if _, err := h.db.AuthenticatePassword("jdoe", "Own-Pass-1"); err != nil {
		t.Errorf("a refused change changed the password: %v", err)
	}
}

// user create --password-file sets a first password in the same write;
// user set --superuser / --no-superuser grant and revoke (R12).
func TestUserCreateWithPasswordFileAndSuperuserFlags(t *testing.T) {
	h := newHarness(t)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.okHas([]string{"user", "create", "kim", "--password-file", pw}, "created standard user kim")
	h.ok("user", "join", "kim", "Users")
	if _, err := h.db.AuthenticatePassword("kim", "correct horse battery"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("kim's first password: %v", err)
	}
	h.fails([]string{"user", "set", "kim", "--superuser", "--no-superuser"}, "not both")
	h.ok("user", "set", "kim", "--superuser")
	h.okHas([]string{"user", "show", "kim"}, "Superuser:    yes")
	h.ok("user", "set", "kim", "--no-superuser")
	h.fails([]string{"user", "set", "admin", "--no-superuser"}, "only superuser", "(R12)")
}

// `user notify U --off E,E --on E` mutes and unmutes events, refusing an
// unknown one by name; `user show` lists what is muted.
func TestUserNotifyCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "ann")
	h.ok("user", "join", "ann", "Users")
	h.okHas(args("--as", "ann", "user", "notify", "ann", "--off", "closed,new"), "no longer gets notifications for: new, closed")
	h.okHas(args("user", "show", "ann"), "new, closed")
	h.okHas(args("--as", "ann", "user", "notify", "ann", "--on", "new"), "for: closed")
	h.okHas(args("--as", "ann", "user", "notify", "ann", "--on", "closed"), "gets every notification")
	_, errs, code := h.run("--as", "ann", "user", "notify", "ann", "--off", "lunch")
	if code != 1 || !strings.Contains(errs, `event "lunch"`) {
		t.Errorf("unknown event: exit %d, %q", code, errs)
	}
}
