package ssh

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
	"gatehouse/store"
)

const wait = 5 * time.Second

// Each session runs the console as its own user: the administrator sees
// every open ticket and the Users screen; the Building Administrator of
// EAST sees only EAST's ticket and no Users screen (R5, R11).
func TestR11_EachSessionSeesItsOwnVisibility(t *testing.T) {
	f := newFixture(t, Config{})
	ada := must(f.dial("ada", f.keys["ada"]))
	bea := must(f.dial("bea", f.keys["bea"]))

	as := ada.waitText("Open tickets you can see: 2", wait)
	bs := bea.waitText("Open tickets you can see: 1", wait)
	for _, want := range []string{"ada (Ada Lovelace)", "full administrator", "4 Users"} {
		if !strings.Contains(as, want) {
			t.Errorf("ada's screen lacks %q:\n%s", want, as)
		}
	}
	for _, want := range []string{"bea (Bea Arthur)", "Building Administrator", "3 Groups"} {
		if !strings.Contains(bs, want) {
			t.Errorf("bea's screen lacks %q:\n%s", want, bs)
		}
	}
	for _, never := range []string{"4 Users", "ada (Ada"} {
		if strings.Contains(bs, never) {
			t.Errorf("bea's screen shows %q:\n%s", never, bs)
		}
	}
	if n := f.srv.Sessions(); n != 2 {
		t.Errorf("registry holds %d sessions, want 2", n)
	}
}

// A change saved in one session reaches the other session's screen within
// a second, through the store's change events.
func TestChangeInOneSessionReachesTheOther(t *testing.T) {
	f := newFixture(t, Config{})
	ada := must(f.dial("ada", f.keys["ada"]))
	bea := must(f.dial("bea", f.keys["bea"]))
	ada.waitText("Open tickets you can see", wait)
	bea.waitText("Open tickets you can see", wait)
	ada.send("3")
	bea.send("3")
	ada.waitText("Group Viewers", wait)
	bs := bea.waitText("Group Viewers", wait)
	if strings.Contains(bs, "Night Shift") {
		t.Fatalf("the group exists before it is made:\n%s", bs)
	}

	ada.send("n")
	time.Sleep(200 * time.Millisecond)
	ada.send("Night Shift")
	ada.waitText("Night Shift", wait)
	start := time.Now()
	ada.send("\x13") // ctrl+s
	bea.waitText("Night Shift", wait)
	took := time.Since(start)
	t.Logf("change visible in the other session after %s", took)
	if took > time.Second {
		t.Errorf("the change took %s to reach the other session, want under 1s", took)
	}
	if _, err := f.owner.Group(t.Context(), "Night Shift"); err != nil {
		t.Fatalf("the group was not saved: %v", err)
	}
}

// R2, deactivation and Remote Access: refused with one clear line and an
// audit event each.
func TestR2_RefusedUsersGetOneLineAndAnAuditEvent(t *testing.T) {
	f := newFixture(t, Config{})
	cases := map[string]string{
		"dan": "gatehouse: login refused: dan is deactivated",
		"nog": "gatehouse: login refused: nog is inactive: no group (R2)",
		"nor": "gatehouse: login refused: nor lacks Remote Access (remote.ssh)",
	}
	for user, want := range cases {
		c := must(f.dial(user, f.keys[user]))
		out := c.waitEnd(wait)
		if !strings.Contains(out, want) {
			t.Errorf("%s got %q, want %q", user, out, want)
		}
		if strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%s: refusal is not one line: %q", user, out)
		}
		if st := c.exitStatus(); st != 1 {
			t.Errorf("%s: exit status %d, want 1", user, st)
		}
	}
	evs := must(f.owner.Audit(t.Context(), domain.AuditQuery{Entity: "session"}))
	refused := map[string]string{}
	for _, ev := range evs {
		if ev.Action == "login refused" {
			refused[ev.Name] = ev.After
		}
	}
	for user := range cases {
		if !strings.Contains(refused[user], "127.0.0.1") {
			t.Errorf("no audit event for %s's refused login (have %v)", user, refused)
		}
	}
	if f.srv.Sessions() != 0 {
		t.Errorf("refused users hold %d sessions", f.srv.Sessions())
	}
	logs := f.logs.String()
	if n := strings.Count(logs, `msg="ssh login refused"`); n != 3 {
		t.Errorf("%d refusal log lines, want 3:\n%s", n, logs)
	}
}

// A key nobody registered, another user's key and an unknown user all get
// the same refusal, before any session starts.
func TestWrongKeysAreRefusedAlike(t *testing.T) {
	f := newFixture(t, Config{})
	var errs []string
	for _, try := range []struct {
		user string
		key  gossh.Signer
	}{{"ada", newKey(t)}, {"bea", f.keys["ada"]}, {"zed", f.keys["ada"]}} {
		_, err := f.dial(try.user, try.key)
		if err == nil {
			t.Fatalf("%s got in with a wrong key", try.user)
		}
		errs = append(errs, err.Error())
	}
	for _, e := range errs[1:] {
		if e != errs[0] {
			t.Errorf("refusals differ: %q vs %q", e, errs[0])
		}
	}
	if !strings.Contains(errs[0], "unable to authenticate") {
		t.Errorf("refusal: %q", errs[0])
	}
	evs := must(f.owner.Audit(t.Context(), domain.AuditQuery{Entity: "session"}))
	if len(evs) != 0 {
		t.Errorf("refused keys logged someone in: %+v", evs)
	}
}

// Logins and logouts are audited and logged; quitting ends the session.
func TestLoginAndLogoutAreRecorded(t *testing.T) {
	f := newFixture(t, Config{})
	c := must(f.dial("ada", f.keys["ada"]))
	c.waitText("Open tickets you can see", wait)
	c.send("q")
	c.waitEnd(wait)
	if st := c.exitStatus(); st != 0 {
		t.Errorf("exit status %d after q", st)
	}
	deadline := time.Now().Add(wait)
	for f.srv.Sessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	evs := must(f.owner.Audit(t.Context(), domain.AuditQuery{Entity: "session", Actor: "ada"}))
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action+" "+ev.After)
	}
	got := strings.Join(actions, "|")
	if !strings.Contains(got, "logout ssh from 127.0.0.1") || !strings.Contains(got, ": quit") ||
		!strings.Contains(got, "login ssh from 127.0.0.1") {
		t.Errorf("audit: %s", got)
	}
	logs := f.logs.String()
	for _, want := range []string{`msg="ssh login" user=ada`, `msg="ssh logout" user=ada`, "reason=quit"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// Idle logout watches input, not output; Stay Logged On holders (ada, via
// District Administrator) are never logged out.
func TestIdleLogoutFollowsInputAndStayLoggedOn(t *testing.T) {
	f := newFixture(t, Config{Idle: 600 * time.Millisecond})
	ada := must(f.dial("ada", f.keys["ada"]))
	bea := must(f.dial("bea", f.keys["bea"]))
	bea.waitText("Open tickets you can see", wait)
	// typing keeps bea in past the limit
	for range 8 {
		bea.send("\x1b[B")
		time.Sleep(150 * time.Millisecond)
		select {
		case <-bea.done:
			t.Fatalf("bea was logged out while typing: %q", bea.Raw())
		default:
		}
	}
	out := bea.waitEnd(wait)
	if !strings.Contains(out, "gatehouse: logged out after 600ms without input") {
		t.Errorf("bea's idle logout said %q", out[max(0, len(out)-200):])
	}
	select {
	case <-ada.done:
		t.Fatal("ada holds Stay Logged On but was logged out")
	default:
	}
	if !strings.Contains(f.logs.String(), "without input") {
		t.Errorf("no log line for the idle logout:\n%s", f.logs.String())
	}
}

// Deactivating a logged-in user ends their session at once.
func TestDeactivationEndsOpenSession(t *testing.T) {
	f := newFixture(t, Config{})
	ada := must(f.dial("ada", f.keys["ada"]))
	bea := must(f.dial("bea", f.keys["bea"]))
	ada.waitText("Open tickets you can see", wait)
	bea.waitText("Open tickets you can see", wait)
	if _, err := f.owner.Deactivate(t.Context(), "bea", false); err != nil {
		t.Fatal(err)
	}
	out := bea.waitEnd(wait)
	if !strings.Contains(out, "gatehouse: access revoked: bea is deactivated") {
		t.Errorf("bea's session ended with %q", out[max(0, len(out)-200):])
	}
	select {
	case <-ada.done:
		t.Fatal("ada's session ended too")
	default:
	}
}

// Shutdown quits every program, waits for them, then closes: sessions are
// told why, and no new connection is accepted.
func TestShutdownQuitsEverySession(t *testing.T) {
	f := newFixture(t, Config{})
	ada := must(f.dial("ada", f.keys["ada"]))
	bea := must(f.dial("bea", f.keys["bea"]))
	ada.waitText("Open tickets you can see", wait)
	bea.waitText("Open tickets you can see", wait)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, c := range []*client{ada, bea} {
		out := c.waitEnd(wait)
		if !strings.Contains(out, "gatehouse: the server is shutting down") {
			t.Errorf("session ended with %q", out[max(0, len(out)-200):])
		}
	}
	if f.srv.Sessions() != 0 {
		t.Errorf("%d sessions left after shutdown", f.srv.Sessions())
	}
	if _, err := f.dial("ada", f.keys["ada"]); err == nil {
		t.Error("a connection was accepted after shutdown")
	}
	evs := must(f.owner.Audit(ctx, domain.AuditQuery{Entity: "session"}))
	logouts := 0
	for _, ev := range evs {
		if ev.Action == "logout" && strings.HasSuffix(ev.After, "the server is shutting down") {
			logouts++
		}
	}
	if logouts != 2 {
		t.Errorf("%d logouts recorded for the shutdown, want 2", logouts)
	}
}

func TestMaxSessionsRefusesTheNextOne(t *testing.T) {
	f := newFixture(t, Config{MaxSessions: 1})
	ada := must(f.dial("ada", f.keys["ada"]))
	ada.waitText("Open tickets you can see", wait)
	bea := must(f.dial("bea", f.keys["bea"]))
	out := bea.waitEnd(wait)
	if !strings.Contains(out, "gatehouse: login refused: the server is full (1 of 1 sessions in use); try again later") {
		t.Errorf("second session got %q", out)
	}
}

// The console follows the client's window size.
func TestWindowSizeFollowsTheClient(t *testing.T) {
	f := newFixture(t, Config{})
	c := must(f.dial("ada", f.keys["ada"]))
	c.waitText("Open tickets you can see", wait)
	c.vt.Resize(60, 20)
	if err := c.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	c.waitText("window too small", wait)
	c.vt.Resize(termW, termH)
	if err := c.sess.WindowChange(termH, termW); err != nil {
		t.Fatal(err)
	}
	s := c.waitText("Open tickets you can see", wait)
	if strings.Contains(s, "window too small") {
		t.Errorf("screen not redrawn:\n%s", s)
	}
}

func TestNoPtyIsRefused(t *testing.T) {
	f := newFixture(t, Config{})
	conn := must(gossh.Dial("tcp", f.srv.Addr().String(), &gossh.ClientConfig{User: "ada",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys["ada"])}, HostKeyCallback: gossh.InsecureIgnoreHostKey()}))
	defer conn.Close()
	sess := must(conn.NewSession())
	out, err := sess.CombinedOutput("")
	if err == nil || !strings.Contains(string(out), "no terminal") {
		t.Errorf("no-pty session: %q, %v", out, err)
	}
}

// The host key is created beside the data file, 0600, and reused; a key
// others can read is refused.
func TestHostKeyCreatedOnceAndReused(t *testing.T) {
	db, _ := newStore(t)
	first := must(New(Config{Store: db, Listen: "127.0.0.1:0"}))
	path := first.HostKeyPath()
	if want := filepath.Join(filepath.Dir(db.Path()), HostKeyName); path != want {
		t.Fatalf("host key at %s, want %s", path, want)
	}
	st := must(os.Stat(path))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}
	before := must(os.ReadFile(path))
	must(New(Config{Store: db, Listen: "127.0.0.1:0"}))
	after := must(os.ReadFile(path))
	if string(before) != string(after) {
		t.Error("the host key changed on the second start")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: db, Listen: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a readable host key was accepted: %v", err)
	}
}

// withPassword gives username a password of their own (no must-change
// flag): the owner sets a temporary one, the user replaces it.
func withPassword(t testing.TB, db *store.DB, owner domain.Service, username, password string) {
	t.Helper()
	if err := owner.SetPassword(t.Context(), username, "temporary-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangePassword(t.Context(), username, "temporary-1", password); err != nil {
		t.Fatal(err)
	}
}

// Password authentication (off by default) checks the stored hash and
// backs off per address after repeated failures.
func TestPasswordAuthWithBackoff(t *testing.T) {
	db, owner := newStore(t)
	must(owner.CreateUser(t.Context(), domain.User{Username: "pam", StartScreen: "home"}))
	if err := owner.Join(t.Context(), "pam", "Building Administrator", time.Time{}, "test"); err != nil {
		t.Fatal(err)
	}
	withPassword(t, db, owner, "pam", "correct horse")
	off := &fixture{t: t, db: db, owner: owner, logs: &syncBuffer{}}
	off.start(Config{})
	if _, err := dialAddr(t, off.srv.Addr().String(), "pam", gossh.Password("correct horse")); err == nil {
		t.Fatal("password accepted while password auth is off")
	}

	on := &fixture{t: t, db: db, owner: owner, logs: &syncBuffer{}}
	on.start(Config{PasswordAuth: true})
	addr := on.srv.Addr().String()
	c := must(dialAddr(t, addr, "pam", gossh.Password("correct horse")))
	c.waitText("Open tickets you can see", wait)
	for i := range freeFailures + 1 {
		if _, err := dialAddr(t, addr, "pam", gossh.Password("wrong")); err == nil {
			t.Fatalf("wrong password %d accepted", i)
		}
	}
	if _, err := dialAddr(t, addr, "pam", gossh.Password("correct horse")); err == nil {
		t.Fatal("the right password got through during the back-off")
	}
	if !strings.Contains(on.logs.String(), "reason=back-off") {
		t.Errorf("no back-off log line:\n%s", on.logs.String())
	}
	time.Sleep(1100 * time.Millisecond)
	c2 := must(dialAddr(t, addr, "pam", gossh.Password("correct horse")))
	c2.waitText("Open tickets you can see", wait)
	if _, err := dialAddr(t, addr, "nobody", gossh.Password("correct horse")); err == nil {
		t.Fatal("unknown user got in")
	}
}

func TestBackoffDoublesAndForgets(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBackoff(func() time.Time { return now })
	for range freeFailures {
		if w, next := b.attempt("h"); w != 0 || next != 0 {
			t.Fatalf("free try: wait %s, next %s", w, next)
		}
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		w, next := b.attempt("h")
		if w != 0 || next != want {
			t.Errorf("try %d: wait %s, next %s, want 0 and %s", freeFailures+i+1, w, next, want)
		}
		if i < 2 {
			now = now.Add(next)
		}
	}
	// while the address waits a try is refused and not counted
	for range 3 {
		if w, next := b.attempt("h"); w != 4*time.Second || next != 0 {
			t.Errorf("try during the wait: wait %s, next %s", w, next)
		}
	}
	if b.wait("h") != 4*time.Second || b.wait("other") != 0 {
		t.Errorf("waits: %s / %s", b.wait("h"), b.wait("other"))
	}
	for range 30 {
		now = now.Add(b.wait("h"))
		b.attempt("h")
	}
	if w := b.wait("h"); w != maxWait {
		t.Errorf("wait not capped: %s", w)
	}
	now = now.Add(forgetAfter + maxWait + time.Second)
	if w, next := b.attempt("h"); w != 0 || next != 0 {
		t.Errorf("old failures not forgotten: wait %s, next %s", w, next)
	}
	b.reset("h")
	if b.wait("h") != 0 {
		t.Error("reset kept the wait")
	}
}

// A client asking for a 20000x20000 window at the pty request gets a
// console of at most MaxWidth x MaxHeight; a later window change reaches
// it through the same filter (TestSessionFilterClampsWindowChanges). The
// renderer's buffer follows the window, so an unclamped size let one user
// grow the server by gigabytes.
func TestPTYSizeIsClamped(t *testing.T) {
	f := newFixture(t, Config{})
	conn := f.connect("ada")
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 20000, 20000, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	f.consoleSize([2]int{MaxWidth, MaxHeight})
	if err := sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	f.consoleSize([2]int{120, 40})
}

// Every window size passes the session's filter before the program
// resizes its renderer: window changes are clamped as the pty request is.
func TestSessionFilterClampsWindowChanges(t *testing.T) {
	for _, c := range []struct{ w, h, ww, wh int }{{20000, 20000, MaxWidth, MaxHeight}, {120, 40, 120, 40}, {501, 10, MaxWidth, 10},
		{-1, 5, DefaultWidth, 5}, {0, 0, DefaultWidth, DefaultHeight}} {
		got, ok := sessionFilter(nil, tea.WindowSizeMsg{Width: c.w, Height: c.h}).(tea.WindowSizeMsg)
		if !ok || got.Width != c.ww || got.Height != c.wh {
			t.Errorf("%dx%d became %+v, want %dx%d", c.w, c.h, got, c.ww, c.wh)
		}
	}
	if _, ok := sessionFilter(nil, tea.SuspendMsg{}).(tea.ResumeMsg); !ok {
		t.Error("a remote session was allowed to suspend")
	}
}

// `ssh host command` is refused with one line and exit status 1 (the
// server runs no commands); environment variables the console does not
// read are named as ignored, on the session and in the log.
func TestExecRefusedAndEnvIgnored(t *testing.T) {
	f := newFixture(t, Config{})
	dial := func() (*gossh.Client, *gossh.Session) {
		conn := f.connect("ada")
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		return conn, sess
	}
	conn, sess := dial()
	var stderr syncBuffer
	sess.Stderr = &stderr
	err := sess.Run("cat /etc/passwd")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("exec: %v", err)
	}
	if !strings.Contains(stderr.String(), "runs no commands") || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Fatalf("exec refusal: %q", stderr.String())
	}
	conn.Close()

	conn, sess = dial()
	defer conn.Close()
	if err := sess.Setenv("LC_SECRET", "x"); err != nil {
		t.Fatal(err)
	}
	var errs syncBuffer
	sess.Stderr = &errs
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errs.String(), "not served, ignored: environment variables LC_SECRET") {
		if time.Now().After(deadline) {
			t.Fatalf("no line about the ignored variable: %q", errs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `msg="ssh requests ignored"`) || !strings.Contains(logs, "runs no commands") {
		t.Fatalf("not logged:\n%s", logs)
	}
}

// A connection that opens no session (ssh -N) takes no session slot:
// MaxSessions counts sessions only. It is closed NoSessionGrace after it
// authenticated, and the close is logged with its user.
func TestConnectionWithoutASessionIsClosedAfterItsGrace(t *testing.T) {
	f := newFixture(t, Config{MaxSessions: 1, NoSessionGrace: time.Second})
	idle := f.connect("bea")
	defer idle.Close()
	ada := must(f.dial("ada", f.keys["ada"]))
	ada.waitText("Open tickets you can see", wait)
	closed := make(chan struct{})
	go func() { _ = idle.Wait(); close(closed) }() // the server ends it: no error to check
	select {
	case <-closed:
	case <-time.After(wait + time.Second):
		t.Fatal("the connection without a session was not closed")
	}
	if logs := f.logs.String(); !strings.Contains(logs, `msg="ssh connection closed"`) || !strings.Contains(logs, "user=bea") ||
		!strings.Contains(logs, "no session within 1s") {
		t.Fatalf("the close is not logged:\n%s", logs)
	}
	select {
	case <-ada.done:
		t.Fatal("the session beside it ended")
	default:
	}
}

// consoleSize is the window size the server's only session's console
// was last given, once it is want; it fails after a generous wait.
func (f *fixture) consoleSize(want [2]int) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got [2]int
		f.srv.mu.Lock()
		for _, e := range f.srv.sessions {
			got[0], got[1] = e.windowSize()
		}
		f.srv.mu.Unlock()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the console's window is %dx%d, want %dx%d", got[0], got[1], want[0], want[1])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pty request without a size (0x0: some clients, and scripts, send
// none) gets an 80x24 console, not a blank screen; a window change with a
// zero dimension keeps that dimension as it was (RFC 4254 6.2: zero
// dimensions are ignored).
func TestPTYWithoutASizeGets80x24(t *testing.T) {
	f := newFixture(t, Config{})
	c := must(dialPty(t, f.srv.Addr().String(), "ada", gossh.PublicKeys(f.keys["ada"]), 0, 0, 80, 24))
	c.waitText("Open tickets you can see", wait)
	f.consoleSize([2]int{80, 24})
	c.vt.Resize(100, 24)
	if err := c.sess.WindowChange(0, 100); err != nil {
		t.Fatal(err)
	}
	f.consoleSize([2]int{100, 24})
	c.waitText("Open tickets you can see", wait)
}
