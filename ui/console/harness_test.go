package console

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"gatehouse/domain"
	"gatehouse/store"
)

// fixed is the clock of every test: goldens never show a varying date.
var fixed = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return fixed }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// openStore opens the real store on a temp file, seeded with a small
// deterministic district.
func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "g.db"), store.Options{Owner: "admin", Now: fixedNow})
	must(t, err)
	t.Cleanup(func() { db.Close() })
	admin := session(t, db, "admin")
	_, err = admin.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East Elementary", Region: "North", Rooms: []string{"101", "102"}})
	must(t, err)
	_, err = admin.CreateBuilding(t.Context(), domain.Building{Code: "WEST", Name: "West High", Region: "South"})
	must(t, err)
	for _, u := range []domain.User{
		{Username: "alice", First: "Alice", Last: "Adams", Email: "alice@example.org"},
		{Username: "bob", First: "Bob", Last: "Brown"},
		{Username: "carol", First: "Carol", Last: "Chen"},
		{Username: "dave", First: "Dave", Last: "Diaz", Kind: domain.KindRestricted},
	} {
		_, err := admin.CreateUser(t.Context(), u)
		must(t, err)
	}
	must(t, admin.Join(t.Context(), "alice", "Technicians", time.Time{}, "hired"))
	must(t, admin.Join(t.Context(), "bob", "Users", fixed.AddDate(0, 0, 10), "pilot"))
	must(t, admin.Join(t.Context(), "carol", "Technical Coordinator", time.Time{}, ""))
	must(t, admin.AddRule(t.Context(), "EAST", "Hardware", "alice"))
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "Principals", Description: "School principals", BuildingAdmin: true,
		Flags: domain.FlagSetOf(domain.TicketReport, domain.DiscussionPost)}, false)
	must(t, err)
	return db
}

func session(t testing.TB, db *store.DB, user string) domain.Service {
	t.Helper()
	s, err := db.Session(user)
	must(t, err)
	return s
}

// snapMsg asks the probe for the current screen, read inside the
// program's own goroutine (no data race with Update).
type snapMsg struct{ ch chan string }

// probe wraps the console so tests can read its screen between messages.
type probe struct{ m tea.Model }

func (p *probe) Init() tea.Cmd { return p.m.Init() }

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(snapMsg); ok {
		s.ch <- ansi.Strip(p.m.View().Content)
		return p, nil
	}
	var cmd tea.Cmd
	p.m, cmd = p.m.Update(msg)
	return p, cmd
}

func (p *probe) View() tea.View { return p.m.View() }

// driver runs the console as a real Bubble Tea program (teatest) and types.
type driver struct {
	t  *testing.T
	tm *teatest.TestModel
}

func start(t *testing.T, db *store.DB, user string, w, h int) *driver {
	t.Helper()
	return startWith(t, Config{Service: session(t, db, user), Feed: db, Now: fixedNow, NoColor: true}, w, h)
}

func startWith(t *testing.T, cfg Config, w, h int) *driver {
	t.Helper()
	m := New(cfg)
	tm := teatest.NewTestModel(t, &probe{m: m}, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	d := &driver{t: t, tm: tm}
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return d
}

var named = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"esc":       {Code: tea.KeyEscape},
	"tab":       {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
	"space":     {Code: tea.KeySpace, Text: " "},
	"up":        {Code: tea.KeyUp},
	"down":      {Code: tea.KeyDown},
	"left":      {Code: tea.KeyLeft},
	"right":     {Code: tea.KeyRight},
	"pgdown":    {Code: tea.KeyPgDown},
	"backspace": {Code: tea.KeyBackspace},
	"end":       {Code: tea.KeyEnd},
	"ctrl+s":    {Code: 's', Mod: tea.ModCtrl},
}

// keys sends named keys ("enter", "ctrl+s") or, for anything else, types
// the text rune by rune.
// After each one it waits for the loads it started (a person reads the
// screen before the next key; the keys after "4" act on the loaded list).
func (d *driver) keys(ks ...string) {
	for _, k := range ks {
		if msg, ok := named[k]; ok {
			d.tm.Send(msg)
		} else {
			d.tm.Type(k)
		}
		d.screen()
	}
}

// screen returns the screen after every message sent so far, once the
// loads and saves those messages started have arrived (screens read and
// write the service in commands and say "loading…" or "saving…"
// meanwhile); after 5s, the last frame.
func (d *driver) screen() string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := d.frame()
		if !strings.Contains(s, "loading…") && !strings.Contains(s, "saving…") || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// frame returns the screen after every message sent so far, as it is.
func (d *driver) frame() string {
	ch := make(chan string, 1)
	d.tm.Send(snapMsg{ch: ch})
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		d.t.Fatal("no frame within 5s")
	}
	return ""
}

// waitFor returns the first screen containing want (asynchronous actions
// such as a confirmed delete finish in their own goroutine).
func (d *driver) waitFor(want string) string {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := d.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("screen never showed %q; last screen:\n%s", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitUntil returns the first screen for which ok holds: for results that
// arrive after the line that asked for them (queries run as commands).
func (d *driver) waitUntil(what string, ok func(string) bool) string {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := d.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("screen never showed %s; last screen:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// golden compares the screen with testdata/<test name>.golden.
func (d *driver) golden() {
	d.t.Helper()
	golden.RequireEqual(d.t, d.screen())
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// eachSize runs fn as a subtest per golden size, named like "80x24".
func eachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) { fn(t, sz.w, sz.h) })
	}
}
