package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mail set reads the password from a file (or stdin), mail show and its
// JSON say only whether one is stored; bad values name their flag; the
// Organization module decides who may.
func TestMailSetAndShow(t *testing.T) {
	h := newHarness(t)
	pw := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(pw, []byte("Tr0ub4dor&3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := h.okHas(args("mail", "set", "--host", "smtp.example.org", "--port", "2525", "--tls", "starttls", "--user", "relay",
		"--password-file", pw, "--from", "helpdesk@example.org"), "smtp.example.org:2525 starttls", "Password:", "(set)")
	if strings.Contains(out, "Tr0ub4dor") {
		t.Fatalf("mail set printed the password:\n%s", out)
	}
	out = h.ok("mail", "show", "--json")
	if strings.Contains(out, "Tr0ub4dor") || !strings.Contains(out, `"password_set": true`) {
		t.Fatalf("mail show --json:\n%s", out)
	}
	h.stdin = "\n"
	h.okHas(args("mail", "set", "--password-file", "-"), "Password:", "(none)")
	h.fails(args("mail", "set", "--tls", "ssl"), `tls "ssl": use starttls, tls or none`)
	h.fails(args("mail", "set", "--port", "smtp"), `--port "smtp": a whole number`)
	h.fails(args("mail", "set", "--hourly-limit", "-3"), "hourly limit -3")
	h.fails(args("mail", "set"), "nothing to change")
	h.ok("user", "create", "sam")
	h.ok("user", "join", "sam", "Users")
	h.fails(args("mail", "show", "--as", "sam"), "organization")
	h.fails(args("mail", "set", "--host", "x.example", "--as", "sam"), "organization")
}
