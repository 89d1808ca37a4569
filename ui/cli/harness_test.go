package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/store"
	"gatehouse/ui/cli"
)

// harness runs CLI commands against the real store on a temp file, the way
// main does: global flags out of the whole argument list, a session for
// --as (default the owner), then cli.Run.
type harness struct {
	t     *testing.T
	db    *store.DB
	stdin string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "gatehouse.db"), store.Options{Owner: "admin"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &harness{t: t, db: db}
}

// run returns stdout, stderr and the exit status of one command line.
func (h *harness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	g, words, err := cli.ParseGlobal(args)
	if err != nil {
		cli.PrintError(&errb, err)
		return "", errb.String(), 1
	}
	as := g.As
	if as == "" {
		as = h.db.Owner()
	}
	svc, err := h.db.Session(as)
	if err != nil {
		cli.PrintError(&errb, err)
		return "", errb.String(), 1
	}
	code := cli.Run(h.t.Context(), svc, words, cli.Options{JSON: g.JSON, Yes: g.Yes, Stdin: strings.NewReader(h.stdin), IfVersion: g.IfVersion}, &out, &errb)
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its stdout.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("gatehouse %s: exit %d, want 0\nstderr: %s", show(args), code, errs)
	}
	if errs != "" {
		h.t.Fatalf("gatehouse %s: unexpected stderr %q", show(args), errs)
	}
	return out
}

// okHas runs a command that must succeed and print every wanted string.
func (h *harness) okHas(args []string, wants ...string) string {
	h.t.Helper()
	out := h.ok(args...)
	for _, w := range wants {
		if !strings.Contains(out, w) {
			h.t.Fatalf("gatehouse %s: stdout lacks %q\n%s", show(args), w, out)
		}
	}
	return out
}

// fails runs a command that must exit 1 with "gatehouse: " and every wanted
// string on stderr, print nothing on stdout, and change nothing (the audit
// trail, which every write extends, keeps its length).
func (h *harness) fails(args []string, wants ...string) string {
	h.t.Helper()
	before := h.auditLen()
	out, errs, code := h.run(args...)
	if code != 1 {
		h.t.Fatalf("gatehouse %s: exit %d, want 1\nstdout: %s\nstderr: %s", show(args), code, out, errs)
	}
	if out != "" {
		h.t.Errorf("gatehouse %s: failed but printed on stdout: %q", show(args), out)
	}
	if !strings.HasPrefix(errs, "gatehouse: ") {
		h.t.Errorf("gatehouse %s: stderr %q does not start with \"gatehouse: \"", show(args), errs)
	}
	for _, w := range wants {
		if !strings.Contains(strings.ToLower(errs), strings.ToLower(w)) {
			h.t.Errorf("gatehouse %s: stderr lacks %q\n%s", show(args), w, errs)
		}
	}
	if after := h.auditLen(); after != before {
		h.t.Errorf("gatehouse %s: failed but wrote %d audit event(s)", show(args), after-before)
	}
	return errs
}

// jsonOf runs a command with --json and decodes its stdout into v.
func (h *harness) jsonOf(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		h.t.Fatalf("gatehouse %s --json: %v\n%s", show(args), err, out)
	}
}

// auditLen counts the audit trail as the owner sees it.
func (h *harness) auditLen() int {
	h.t.Helper()
	svc, err := h.db.Session(h.db.Owner())
	if err != nil {
		h.t.Fatalf("owner session: %v", err)
	}
	evs, err := svc.Audit(context.Background(), domain.AuditQuery{})
	if err != nil {
		h.t.Fatalf("audit: %v", err)
	}
	return len(evs)
}

// field reads "Label: value" from show output.
func field(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, label+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// row returns the table row whose first cell is key, or "".
func row(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == key {
			return line
		}
	}
	return ""
}

func show(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// args is shorthand for a command line in tables.
func args(s ...string) []string { return s }
