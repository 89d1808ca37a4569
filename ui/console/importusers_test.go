package console

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"gatehouse/domain"
	"gatehouse/store"
)

const importHeader = "First Name,Last Name,Email Address,Username,Temporary Password,Group Name,Until\n"

// cleanCSV imports three users into the seeded district.
const cleanCSV = importHeader +
	"Erin,Evans,erin@example.org,erin,,Users,\n" +
	"Frank,Fox,frank@example.org,frank,,Technicians,2026-06-30\n" +
	"Gina,Gray,gina@example.org,gina,,Users;Principals,\n"

// badCSV has problems on lines 3 (two) and 4 (one) and a clean line 2.
const badCSV = importHeader +
	"Erin,Evans,erin@example.org,erin,,Users,\n" +
	"Frank,Fox,not-an-email,frank,,Teachers,\n" +
	"Gina,Gray,gina@example.org,alice,,Users,\n"

// oneBadCSV is cleanCSV with one bad email on line 3.
const oneBadCSV = importHeader +
	"Erin,Evans,erin@example.org,erin,,Users,\n" +
	"Frank,Fox,frank-at-example.org,frank,,Technicians,2026-06-30\n" +
	"Gina,Gray,gina@example.org,gina,,Users;Principals,\n"

// openImport opens the dialog from the Users screen and waits for it: the
// key switches screens through a command, and text typed before the
// switch would land in the Users screen.
func (d *driver) openImport() string {
	d.t.Helper()
	d.keys("4", "I")
	return d.waitFor("Import users from a CSV file")
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// userNames lists every username in the store.
func userNames(t *testing.T, db *store.DB) []string {
	t.Helper()
	page, err := session(t, db, "admin").Users(t.Context(), domain.UserQuery{Limit: 100})
	must(t, err)
	var out []string
	for _, u := range page.Users {
		out = append(out, u.Username)
	}
	return out
}

// TestImportUsersPreviewGolden renders the dry run's preview of a clean
// file and of a file with bad rows. The files are typed from ~ (HOME is
// the test's directory), so the goldens hold no temporary path.
func TestImportUsersPreviewGolden(t *testing.T) {
	db := openStore(t)
	dir := t.TempDir()
	writeFile(t, dir, "clean.csv", cleanCSV)
	writeFile(t, dir, "bad.csv", badCSV)
	t.Setenv("HOME", dir)
	for _, c := range []struct{ name, file, want string }{
		{"clean", "~/clean.csv", "3 users would be created"},
		{"bad", "~/bad.csv", "2 of 3 rows have problems"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				d := start(t, db, "admin", w, h)
				d.openImport()
				d.keys(c.file, "enter")
				d.waitFor(c.want)
				d.golden()
			})
		})
	}
}

func TestImportUsersCreatesUsers(t *testing.T) {
	db := openStore(t)
	path := writeFile(t, t.TempDir(), "clean.csv", cleanCSV)
	d := start(t, db, "admin", 120, 40)
	s := d.openImport()
	if !strings.Contains(s, "server's filesystem") {
		t.Fatalf("the dialog should say whose filesystem the path is on:\n%s", s)
	}
	d.keys(path, "enter")
	s = d.waitFor("3 users would be created")
	for _, want := range []string{"erin@example.org", "Technicians", "2026-06-30", "Users, Principals"} {
		if !strings.Contains(s, want) {
			t.Fatalf("preview lacks %q:\n%s", want, s)
		}
	}
	if got := userNames(t, db); slices.Contains(got, "erin") {
		t.Fatalf("the dry run wrote users: %v", got)
	}
	d.keys("y")
	d.waitFor("Import 3 users into gatehouse?")
	d.keys("y")
	// the status comes first; the switch back to Users is a command
	d.waitFor("✓ created 3 users from clean.csv")
	d.waitFor("Users 1–8 of 8")
	admin := session(t, db, "admin")
	ms, err := admin.Memberships(t.Context(), "frank")
	must(t, err)
	// through the end of June 30 in the district's time zone (UTC)
	if len(ms) != 1 || ms[0].GroupName != "Technicians" || !ms[0].Until.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("frank's memberships: %+v", ms)
	}
	u, err := admin.User(t.Context(), "gina")
	must(t, err)
	if !slices.Contains(u.Groups, "Principals") || u.Email != "gina@example.org" || u.MustChange {
		t.Fatalf("gina: %+v", u)
	}
}

// A file with one bad row imports nothing; the preview names the row's
// line, column and reason, and after fixing the file r reads it again
// with the path still typed.
func TestImportUsersOneBadRowImportsNothing(t *testing.T) {
	db := openStore(t)
	path := writeFile(t, t.TempDir(), "staff.csv", oneBadCSV)
	d := start(t, db, "admin", 120, 40)
	d.openImport()
	d.keys(path, "enter")
	s := d.waitFor("1 of 3 rows has problems")
	if !strings.Contains(s, `line 3 · Email Address: email "frank-at-example.org" is not a valid address`) ||
		!strings.Contains(s, "✗ 3") {
		t.Fatalf("the preview should name line 3 and why:\n%s", s)
	}
	d.keys("y")
	d.waitFor("✗ 1 of 3 rows has problems, so nothing can be imported")
	d.keys("enter")
	d.waitFor("so nothing can be imported")
	if got := userNames(t, db); slices.Contains(got, "erin") || len(got) != 5 {
		t.Fatalf("a refused import wrote users: %v", got)
	}
	must(t, os.WriteFile(path, []byte(cleanCSV), 0o600))
	d.keys("r")
	d.waitFor("3 users would be created")
	d.keys("e")
	s = d.waitFor("Import users from a CSV file")
	if !strings.Contains(s, filepath.Base(path)) {
		t.Fatalf("the path should stay typed:\n%s", s)
	}
}

// A failure at the real import (here a name taken after the preview) shows
// the store's report and writes nothing.
func TestImportUsersStoreRefusalChangesNothing(t *testing.T) {
	db := openStore(t)
	path := writeFile(t, t.TempDir(), "clean.csv", cleanCSV)
	d := start(t, db, "admin", 120, 40)
	d.openImport()
	d.keys(path, "enter")
	d.waitFor("3 users would be created")
	_, err := session(t, db, "admin").CreateUser(t.Context(), domain.User{Username: "gina", First: "Gina"})
	must(t, err)
	d.keys("y")
	d.waitFor("Import 3 users into gatehouse?")
	d.keys("y")
	s := d.waitFor(`line 4 · Username: username "gina" is already taken by an existing user`)
	if !strings.Contains(s, "✗ 1 row has problems, nothing was imported") {
		t.Fatalf("the status line should carry the store's refusal:\n%s", s)
	}
	got := userNames(t, db)
	if slices.Contains(got, "erin") || slices.Contains(got, "frank") {
		t.Fatalf("a refused import wrote users: %v", got)
	}
}

// Import needs users:edit: a coordinator (users:view) is refused with the
// reason, and neither the palette nor the help offers it.
func TestImportUsersNeedsUsersEdit(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys("4")
	d.waitFor("Users 1–5 of 5")
	d.keys("I")
	d.waitFor("✗ carol lacks Manage Users edit (users:edit)")
	d.keys(":", "import")
	if s := d.screen(); strings.Contains(s, "import users") {
		t.Fatalf("the palette offers the import to carol:\n%s", s)
	}
	d.keys("esc", "?")
	if s := d.screen(); strings.Contains(s, "import users (CSV)") {
		t.Fatalf("the help offers the import to carol:\n%s", s)
	}
}

func TestImportUsersEscAndQuit(t *testing.T) {
	db := openStore(t)
	path := writeFile(t, t.TempDir(), "clean.csv", cleanCSV)
	d := start(t, db, "admin", 80, 24)
	d.keys(":", "import users", "enter")
	d.waitFor("Import users from a CSV file")
	d.keys("q") // typed into the path
	d.waitFor("[q")
	d.keys("esc")
	d.waitUntil("the Users list after the cancel", func(s string) bool {
		return strings.Contains(s, "✓ import cancelled: nothing was written") && strings.Contains(s, "Users 1–5 of 5")
	})
	d.keys("I")
	d.waitFor("Import users from a CSV file")
	d.keys(path, "enter")
	d.waitFor("3 users would be created")
	d.keys("q")
	d.waitFor("Quit and lose unsaved changes on Import users?")
	d.keys("n", "esc")
	d.waitFor("Users 1–5 of 5")
	if got := userNames(t, db); len(got) != 5 {
		t.Fatalf("cancelled import wrote users: %v", got)
	}
}

// frameRecorder keeps every frame that matches, as the program renders
// after each message: a progress bar that shows for 50 ms is still seen.
type frameRecorder struct {
	*probe
	match func(string) bool
	mu    sync.Mutex
	seen  []string
}

func (r *frameRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.probe.Update(msg)
	if _, snap := msg.(snapMsg); !snap {
		if s := ansi.Strip(r.probe.m.View().Content); r.match(s) {
			r.mu.Lock()
			r.seen = append(r.seen, s)
			r.mu.Unlock()
		}
	}
	return r, cmd
}

func (r *frameRecorder) frames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func TestImportUsersProgressBar(t *testing.T) {
	db := openStore(t)
	csv := importHeader +
		"Erin,Evans,erin@example.org,erin,Temp-Pass-1,Users,\n" +
		"Frank,Fox,frank@example.org,frank,Temp-Pass-2,Users,\n" +
		"Gina,Gray,gina@example.org,gina,Temp-Pass-3,Users,\n"
	path := writeFile(t, t.TempDir(), "pw.csv", csv)
	rec := &frameRecorder{probe: &probe{m: New(Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true})},
		match: func(s string) bool { return strings.Contains(s, "Hashing temporary passwords") }}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	d := &driver{t: t, tm: tm}
	d.openImport()
	d.keys(path, "enter")
	d.waitFor("3 users would be created, 3 with a temporary password")
	d.keys("y")
	d.waitFor("Import 3 users into gatehouse?")
	d.keys("y")
	d.waitFor("✓ created 3 users from pw.csv, 3 with a temporary password")
	frames := rec.frames()
	if len(frames) == 0 {
		t.Fatal("no frame showed the progress bar")
	}
	if !strings.Contains(frames[0], "0/3") || !strings.Contains(frames[0], "░") || !strings.Contains(frames[0], "0%") {
		t.Fatalf("the bar should start empty:\n%s", frames[0])
	}
	fed := false
	for _, f := range frames {
		fed = fed || (strings.Contains(f, "█") && !strings.Contains(f, "0/3"))
	}
	if !fed {
		t.Fatalf("the bar never moved; frames:\n%s", strings.Join(frames, "\n---\n"))
	}
	for _, name := range []string{"erin", "frank", "gina"} {
		u, err := session(t, db, "admin").User(t.Context(), name)
		must(t, err)
		if !u.MustChange {
			t.Fatalf("%s should have a temporary password to change: %+v", name, u.User)
		}
	}
}

// Every problem of a long list can be scrolled to.
func TestImportUsersProblemsScroll(t *testing.T) {
	db := openStore(t)
	var b strings.Builder
	b.WriteString(importHeader)
	for i := range 40 {
		fmt.Fprintf(&b, "User,%d,user%d@example.org,user%d,,Nobody%d,\n", i, i, i, i)
	}
	path := writeFile(t, t.TempDir(), "many.csv", b.String())
	d := start(t, db, "admin", 80, 24)
	d.openImport()
	d.keys(path, "enter")
	s := d.waitFor("40 of 40 rows have problems")
	if !strings.Contains(s, "Problems · 40 · lines 1–") || !strings.Contains(s, `unknown group "Nobody0"`) ||
		strings.Contains(s, `"Nobody39"`) {
		t.Fatalf("the problems should start at the top:\n%s", s)
	}
	d.keys("G")
	s = d.waitFor(`line 41 · Group Name: unknown group "Nobody39"`)
	if strings.Contains(s, `"Nobody0"`) {
		t.Fatalf("G should show the last problems:\n%s", s)
	}
	d.keys("tab", "G") // the rows table now
	d.waitFor("▸ ✗ 41 ")
}
