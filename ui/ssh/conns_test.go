package ssh

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// rawFrom opens a bare TCP connection to the server from the loopback
// address src (Linux answers on all of 127.0.0.0/8), so tests can play
// clients at several addresses.
func rawFrom(t testing.TB, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Skipf("cannot connect from %s on this system: %v", src, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedSignal is closed when the server closes c (its reads end).
func closedSignal(c net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, c); close(done) }()
	return done
}

// waitFor polls ok for up to limit and reports whether it held.
func waitFor(limit time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// Sockets that never authenticate take no session slot: nine of them,
// from nine addresses, each sending its identification and then stalling
// in the key exchange (held for the whole login grace), do not stop an
// administrator's login, even with a single session allowed. On main every
// connection counted against --max-sessions, and twice that many were
// refused before the handshake: two idle sockets locked everyone out.
// Nine stays below the default MaxStartups start (10), so no drop at
// random is involved.
func TestIdleSocketsDoNotLockOutAnAdministrator(t *testing.T) {
	f := newFixture(t, Config{MaxSessions: 1})
	addr := f.srv.Addr().String()
	const idle = 9
	var closed []<-chan struct{}
	for i := range idle {
		c := rawFrom(t, fmt.Sprintf("127.0.0.%d", i+2), addr)
		if _, err := io.WriteString(c, "SSH-2.0-idle\r\n"); err != nil {
			t.Fatal(err)
		}
		closed = append(closed, closedSignal(c))
	}
	// on main all but two were refused (twice --max-sessions): the
	// login below is then refused too; here all are held at once
	if !waitFor(3*time.Second, func() bool { return f.srv.Connections() == idle }) {
		t.Logf("the server holds %d of the %d idle sockets", f.srv.Connections(), idle)
	}
	ada, err := f.dial("ada", f.keys["ada"])
	if err != nil {
		t.Fatalf("%d idle sockets locked the administrator out: %v", idle, err)
	}
	ada.waitText("Open tickets you can see", wait)
	for i, c := range closed {
		select {
		case <-c:
			t.Errorf("idle socket %d was closed before its login grace", i)
		default:
		}
	}
}

// The no-session close starts when the connection has authenticated: a
// temporary password changed at the keyboard-interactive prompt, typed
// more slowly than NoSessionGrace, still logs in (the login grace, two
// minutes by default, bounds the authentication instead). On main the
// grace ran from the connection's start and closed it mid-change.
func TestPasswordChangeOutlastsTheNoSessionGrace(t *testing.T) {
	f := temporaryPasswordServerWith(t, Config{PasswordAuth: true, NoSessionGrace: time.Second})
	ki := &scripted{rounds: [][]string{{"Temp-Pass-1"}, {"new-secret-1", "new-secret-1"}}, pause: 2500 * time.Millisecond}
	c, err := dialAddr(t, f.srv.Addr().String(), "pam", ki.auth())
	if err != nil {
		t.Fatalf("a password change taking longer than the no-session grace was cut off: %v", err)
	}
	c.waitText("Open tickets you can see", wait)
}

// A connection whose last session ended is closed NoSessionGrace later,
// as one that never opened a session is: a client cannot keep the
// connection after quitting (on main it stayed open for good).
func TestConnectionIsClosedAfterItsLastSessionEnds(t *testing.T) {
	f := newFixture(t, Config{NoSessionGrace: time.Second})
	conn := f.connect("ada")
	defer conn.Close()
	sess := must(conn.NewSession())
	if err := sess.RequestPty("xterm-256color", termH, termW, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in := must(sess.StdinPipe())
	out := must(sess.StdoutPipe())
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return f.srv.Sessions() == 1 }) {
		t.Fatal("the session never started")
	}
	if _, err := io.WriteString(in, "q"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil {
		t.Fatalf("the session ended with %v", err)
	}
	closed := make(chan struct{})
	go func() { _ = conn.Wait(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(wait + time.Second):
		t.Fatal("the connection stayed open after its session ended")
	}
}

// greeting reads what the server says first: its identification line if
// it accepted the connection, nothing (EOF) if it dropped it.
func greeting(t testing.TB, c net.Conn) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := c.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return string(line)
			}
			line = append(line, b[0])
		}
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return string(line)
		}
		if err != nil {
			t.Fatalf("reading the server's greeting: %v", err)
		}
	}
}

func accepted(t testing.TB, c net.Conn) bool {
	t.Helper()
	return strings.HasPrefix(greeting(t, c), "SSH-2.0-")
}

// idleFrom opens a connection from src that sends its identification and
// then stalls (in the key exchange); it reports whether the server took it.
func idleFrom(t testing.TB, src, addr string) (net.Conn, bool) {
	t.Helper()
	c := rawFrom(t, src, addr)
	ok := accepted(t, c)
	if ok {
		if _, err := io.WriteString(c, "SSH-2.0-idle\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	return c, ok
}

// Past MaxStartups' full count, and past MaxStartupsPerAddress from one
// address, a new connection is dropped before the handshake; sessions
// and authenticated connections do not count. The rate is 100 so nothing
// here is left to the dice (TestStartupsDropAtRandom covers them).
func TestStartupLimitsDropBeforeTheHandshake(t *testing.T) {
	f := newFixture(t, Config{MaxStartups: Startups{Start: 3, Rate: 100, Full: 3}, MaxStartupsPerAddress: 2})
	addr := f.srv.Addr().String()
	held, ok := idleFrom(t, "127.0.0.2", addr)
	if !ok {
		t.Fatal("the first connection was dropped")
	}
	if _, ok := idleFrom(t, "127.0.0.2", addr); !ok {
		t.Fatal("the second connection from one address was dropped")
	}
	if _, ok := idleFrom(t, "127.0.0.2", addr); ok {
		t.Fatal("a third connection from one address was taken (at most 2)")
	}
	if _, ok := idleFrom(t, "127.0.0.3", addr); !ok {
		t.Fatal("another address was refused")
	}
	if n := f.srv.Startups(); n != 3 {
		t.Fatalf("%d startups counted, want 3", n)
	}
	if _, ok := idleFrom(t, "127.0.0.4", addr); ok {
		t.Fatal("a fourth unauthenticated connection was taken (full at 3)")
	}
	if _, err := f.dial("ada", f.keys["ada"]); err == nil {
		t.Fatal("a login got in past full")
	}
	// one leaves: a login gets in, and once it has authenticated it
	// counts as a session, not a startup
	held.Close()
	if !waitFor(10*time.Second, func() bool { return f.srv.Startups() == 2 }) {
		t.Fatalf("%d startups after one closed, want 2", f.srv.Startups())
	}
	ada := must(f.dial("ada", f.keys["ada"]))
	ada.waitText("Open tickets you can see", wait)
	if n := f.srv.Startups(); n != 2 {
		t.Errorf("%d startups with the administrator logged in, want 2", n)
	}
	if !strings.Contains(f.logs.String(), `msg="ssh connection dropped"`) {
		t.Errorf("no drop was logged:\n%s", f.logs.String())
	}
}

// Between start and full a connection is dropped with a probability that
// rises from rate percent to 100 (sshd's drop_connection).
func TestStartupsDropAtRandom(t *testing.T) {
	m := DefaultMaxStartups // 10:30:100
	dice := func(v int) func(int) int { return func(int) int { return v } }
	for _, c := range []struct {
		n, dice int
		drop    bool
	}{
		{9, 0, false}, {10, 29, true}, {10, 30, false}, {55, 64, true}, {55, 65, false},
		{99, 98, true}, {99, 99, false}, {100, 99, true}, {500, 99, true},
	} {
		if got := m.drop(c.n, dice(c.dice)); got != c.drop {
			t.Errorf("%d startups, dice %d: drop %v, want %v", c.n, c.dice, got, c.drop)
		}
	}
	one := Startups{Start: 5, Rate: 100, Full: 5}
	if one.drop(4, dice(0)) || !one.drop(5, dice(99)) {
		t.Error("start = full: refuse from full on, never before")
	}
}

func TestParseStartups(t *testing.T) {
	for text, want := range map[string]Startups{"10:30:100": {10, 30, 100}, "20": {20, 100, 20}, "5:0:5": {5, 0, 5}} {
		got, err := ParseStartups(text)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", text, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "10:30", "1:2:3:4", "0:30:100", "10:30:5", "10:101:100", "10:-1:100", "-3"} {
		if _, err := ParseStartups(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A client that says nothing is closed after IdentTimeout; one that sent
// its identification is not (the login grace bounds it instead).
func TestSilentConnectionIsClosedAfterTheIdentTimeout(t *testing.T) {
	f := newFixture(t, Config{IdentTimeout: time.Second})
	addr := f.srv.Addr().String()
	named := rawFrom(t, "127.0.0.1", addr)
	if _, err := io.WriteString(named, "SSH-2.0-named\r\n"); err != nil {
		t.Fatal(err)
	}
	namedClosed := closedSignal(named)
	silent := rawFrom(t, "127.0.0.1", addr)
	select {
	case <-closedSignal(silent):
	case <-time.After(wait + time.Second):
		t.Fatal("a client that sent no identification was not closed")
	}
	// the named one's timer, started first, has run out too by now
	time.Sleep(time.Second)
	select {
	case <-namedClosed:
		t.Fatal("a client that sent its identification was closed by the identification timeout")
	default:
	}
	if !strings.Contains(f.logs.String(), "no SSH identification within 1s") {
		t.Errorf("the close is not logged:\n%s", f.logs.String())
	}
	if !waitFor(10*time.Second, func() bool { return f.srv.Startups() == 1 }) {
		t.Errorf("%d startups, want 1", f.srv.Startups())
	}
}

// The per-address limits count an IPv4 address by itself and an IPv6
// address by its /64, which one site can roam at will.
func TestSourceOfGroupsIPv6By64(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:2222":               "192.0.2.7",
		"[::ffff:192.0.2.7]:2222":      "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:40000": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff::]:1": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:1":          "2001:db8:1:3::/64",
	} {
		if got := sourceOf(must(net.ResolveTCPAddr("tcp", addr))); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}

// A client that has not authenticated within LoginGrace is closed, and
// its startup slot freed.
func TestLoginGraceClosesAnUnfinishedLogin(t *testing.T) {
	f := newFixture(t, Config{LoginGrace: 500 * time.Millisecond})
	c, ok := idleFrom(t, "127.0.0.1", f.srv.Addr().String())
	if !ok {
		t.Fatal("dropped")
	}
	select {
	case <-closedSignal(c):
	case <-time.After(wait + time.Second):
		t.Fatal("a login still unfinished after the grace was not closed")
	}
	if !waitFor(10*time.Second, func() bool { return f.srv.Startups() == 0 }) {
		t.Errorf("%d startups after the close, want 0", f.srv.Startups())
	}
}
