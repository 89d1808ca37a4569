package console

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// valve holds back a service call until it is opened: a read or a save
// stuck on a slow disk or a huge file. It holds only while armed (tests
// arm it at the step under test, after other screens read what they
// need); the test's end opens it, so no call is left waiting.
type valve struct {
	armed atomic.Bool
	gate  chan struct{}
	once  sync.Once
}

func newValve(t *testing.T, armed bool) *valve {
	v := &valve{gate: make(chan struct{})}
	v.armed.Store(armed)
	t.Cleanup(v.open)
	return v
}

// open lets every waiting and later call through.
func (v *valve) open() { v.once.Do(func() { close(v.gate) }) }

// wait blocks an armed call until open or the call's context ends.
func (v *valve) wait(ctx context.Context) error {
	if !v.armed.Load() {
		return nil
	}
	select {
	case <-v.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// blockingUsers is the real service whose user list waits on a valve.
type blockingUsers struct {
	domain.Service
	v *valve
}

func (b blockingUsers) Users(ctx context.Context, q domain.UserQuery) (domain.UserPage, error) {
	if err := b.v.wait(ctx); err != nil {
		return domain.UserPage{}, err
	}
	return b.Service.Users(ctx, q)
}

// frameWith polls the frame as it is (loads may never finish here).
func (d *driver) frameWith(want string) string {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := d.frame()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("frame never showed %q; last frame:\n%s", want, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// No service call runs inside Update or View: while the Users screen's
// read is blocked, the console still answers keys — the first load says
// loading… (not an empty "no users" table), help opens, another screen
// opens and shows its data, and Users fills in once the read returns.
func TestNothingBlocksWhileAReadHangs(t *testing.T) {
	db := openStore(t)
	v := newValve(t, true)
	d := startWith(t, Config{Service: blockingUsers{Service: session(t, db, "admin"), v: v}, Now: fixedNow, NoColor: true}, 120, 40)
	d.tm.Send(tea.KeyPressMsg{Code: '4', Text: "4"})
	s := d.frameWith("loading…")
	if strings.Contains(s, "no users") {
		t.Fatalf("the first load looks like an empty list:\n%s", s)
	}
	d.tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	d.frameWith("Keys")
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	d.tm.Send(tea.KeyPressMsg{Code: '3', Text: "3"})
	d.frameWith("Principals") // Groups read its list while Users still waits
	d.tm.Send(tea.KeyPressMsg{Code: '4', Text: "4"})
	v.open()
	d.frameWith("Alice Adams")
}

// A screen's own keys typed before its first load arrives act once the
// data is there, never on an empty list; navigation is not held.
func TestKeysWaitForTheFirstLoad(t *testing.T) {
	db := openStore(t)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, NoColor: true}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.switchTo("users", "")
	// a load that became synchronous (read inside switchTo) is the very
	// regression this test guards: it must fail, never skip
	if !m.fresh[m.screen()] {
		t.Fatal("the users screen loaded at once: its first read no longer runs off the Update loop")
	}
	m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})
	if len(m.held) != 1 {
		t.Fatalf("a screen key during the first load was not held: %d", len(m.held))
	}
	m.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
	if !m.showAll {
		t.Fatal("help was held behind the load")
	}
}

// Another screen's load arriving after a switch (Home's first read, still
// on its way when 4 was pressed) does not end the Users screen's first
// load: it keeps saying loading… instead of showing an empty table.
func TestAnotherScreensLoadDoesNotEndTheFirstLoad(t *testing.T) {
	db := openStore(t)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, NoColor: true}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	home := m.switchTo("home", "")
	m.switchTo("users", "")
	if !m.fresh[m.screen()] {
		t.Fatal("users is not waiting for its first load")
	}
	if home == nil {
		t.Fatal("home has nothing to load")
	}
	m.Update(home())
	if !m.fresh[m.screen()] {
		t.Fatal("home's load ended the users screen's first load")
	}
	if !strings.Contains(m.View().Content, "loading…") {
		t.Fatalf("users does not say loading…:\n%s", m.View().Content)
	}
}

// blockingSaves is the real service whose team create waits on a valve.
type blockingSaves struct {
	domain.Service
	v *valve
}

func (b blockingSaves) CreateTeam(ctx context.Context, t domain.Team) (domain.Team, error) {
	if err := b.v.wait(ctx); err != nil {
		return domain.Team{}, err
	}
	return b.Service.CreateTeam(ctx, t)
}

// A save runs off the Update loop too: while the team create hangs, the
// form says saving…, help opens, another screen opens and takes its own
// keys, and quit asks first (the save would be cancelled); back on Teams,
// a key typed meanwhile waits and acts once the save is in, on the list
// (x asks to suppress the new team), never as text in the closing form.
func TestNothingBlocksWhileASaveHangs(t *testing.T) {
	db := openStore(t)
	v := newValve(t, true)
	d := startWith(t, Config{Service: blockingSaves{Service: session(t, db, "admin"), v: v}, Now: fixedNow, NoColor: true}, 120, 40)
	d.keys("5")
	d.waitFor("Global")
	d.keys("n", "Zebras", "ctrl+s")
	if s := d.frameWith("saving…"); !strings.Contains(s, "New team") {
		t.Fatalf("the form closed before its save arrived:\n%s", s)
	}
	d.tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	d.frameWith("Keys")
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	d.tm.Send(tea.KeyPressMsg{Code: '6', Text: "6"})
	d.frameWith("East Elementary")
	d.tm.Type("j") // Buildings keys are not held: the cursor moves
	d.frameWith("▸ WEST")
	d.tm.Type("q")
	d.frameWith("A save is still on its way to the store; quit anyway?")
	d.tm.Type("n")
	d.tm.Send(tea.KeyPressMsg{Code: '5', Text: "5"})
	d.frameWith("New team")
	d.tm.Type("x") // a Teams key: held until the save is in
	if s := d.frame(); strings.Contains(s, "Zebrasx") {
		t.Fatalf("a key typed during the save went into the form:\n%s", s)
	}
	v.open()
	s := d.waitFor("Suppress team Zebras?")
	if strings.Contains(s, "Zebrasx") {
		t.Fatalf("a key typed during the save went into the form:\n%s", s)
	}
	if _, _, err := session(t, db, "admin").Team(t.Context(), "Zebras"); err != nil {
		t.Fatalf("the team was not created: %v", err)
	}
}

// armedBuildings is the real service whose building list waits on a valve
// (other screens read buildings before the test arms it).
type armedBuildings struct {
	domain.Service
	v *valve
}

func (b armedBuildings) Buildings(ctx context.Context, search string) ([]domain.Building, error) {
	if err := b.v.wait(ctx); err != nil {
		return nil, err
	}
	return b.Service.Buildings(ctx, search)
}

// A form that needs data (the report form lists the buildings) opens when
// its read arrives; what is typed meanwhile waits and goes into the form,
// never to the queue behind it ("a" there would open the assign picker).
func TestKeysTypedWhileAFormOpensGoIntoIt(t *testing.T) {
	db := openTicketStore(t)
	v := newValve(t, false)
	d := startWith(t, Config{Service: armedBuildings{Service: session(t, db, "admin"), v: v}, Now: fixedNow, NoColor: true}, 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–")
	v.armed.Store(true)
	d.tm.Type("n")
	d.tm.Type("a jammed tray")
	if s := d.frameWith("loading…"); strings.Contains(s, "Reassign T-") || strings.Contains(s, "Assign T-") || strings.Contains(s, "Report a problem") {
		t.Fatalf("keys acted before the form's read arrived:\n%s", s)
	}
	v.open()
	s := d.waitFor("a jammed tray")
	if !strings.Contains(s, "Report a problem") {
		t.Fatalf("the typed title is not in the report form:\n%s", s)
	}
}

// armedTicket is the real service whose ticket read waits on a valve: a
// detail that is slow to open.
type armedTicket struct {
	domain.Service
	v *valve
}

func (b armedTicket) Ticket(ctx context.Context, n domain.TicketNumber) (domain.TicketDetail, error) {
	if err := b.v.wait(ctx); err != nil {
		return domain.TicketDetail{}, err
	}
	return b.Service.Ticket(ctx, n)
}

// Keys typed while a ticket's detail is being read wait for it: enter then
// esc opens the ticket and closes it again, rather than esc going to the
// queue and the detail staying open.
func TestKeysTypedWhileATicketOpensGoToIt(t *testing.T) {
	db := openTicketStore(t)
	v := newValve(t, false)
	d := startWith(t, Config{Service: armedTicket{Service: session(t, db, "admin"), v: v}, Now: fixedNow, NoColor: true}, 120, 40)
	d.keys("2")
	queue := d.waitFor("Tickets 1–")
	v.armed.Store(true)
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	d.frameWith("loading…")
	v.armed.Store(false)
	v.open()
	// the read is applied when the frame stops saying loading…; a held
	// esc is replayed in the same step
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(d.frame(), "loading…") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := d.frame(); !strings.Contains(s, "Tickets 1–") {
		t.Fatalf("the detail stayed open: esc went to the queue before the ticket arrived:\n%s\n(queue was:\n%s)", s, queue)
	}
}

// Opening view-as runs in a command (the store checks and audits it, a
// write): while it hangs the status line says so, help opens and another
// screen takes its keys; a key typed for the screen meanwhile waits and
// acts in the viewed console once it is open (m opens alice's account),
// never on the list behind it.
func TestNothingBlocksWhileViewAsOpens(t *testing.T) {
	db := openStore(t)
	v := newValve(t, true)
	open := viewAsFor(db, "admin")
	d := startWith(t, Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true,
		ViewAs: func(ctx context.Context, user string) (domain.Service, error) {
			if err := v.wait(ctx); err != nil {
				return nil, err
			}
			return open(ctx, user)
		}}, 120, 40)
	d.keys("4", "j")
	d.waitFor("▸ alice")
	d.tm.Type("v")
	d.frameWith("opening view-as alice: loading…")
	d.tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	d.frameWith("Keys")
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	d.tm.Send(tea.KeyPressMsg{Code: '6', Text: "6"})
	d.frameWith("East Elementary") // Buildings reads its list while view-as waits
	d.tm.Send(tea.KeyPressMsg{Code: '4', Text: "4"})
	d.frameWith("▸ alice")
	d.tm.Type("m") // held: meant for what opens
	if s := d.frame(); strings.Contains(s, "VIEWING AS") || strings.Contains(s, "My account") {
		t.Fatalf("view-as opened, or m acted, before the store answered:\n%s", s)
	}
	v.open()
	s := d.waitFor("My account · alice")
	if !strings.Contains(s, "VIEWING AS alice") {
		t.Fatalf("the held key did not act in the viewed console:\n%s", s)
	}
	evs, err := session(t, db, "admin").Audit(t.Context(), domain.AuditQuery{Entity: "user", Limit: 1})
	if err != nil || len(evs) != 1 || evs[0].Action != "view as" || evs[0].Name != "alice" {
		t.Fatalf("view-as audit event: %+v %v", evs, err)
	}
}
