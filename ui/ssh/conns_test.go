package ssh

import (
	"errors"
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

// waitFor polls ok for up to 10 seconds and reports whether it held.
func waitFor(ok func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
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
	if !waitFor(func() bool { return f.srv.Sessions() == 1 }) {
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
	if !waitFor(func() bool { return f.srv.Connections() == 0 }) {
		t.Errorf("%d connections after the close, want 0", f.srv.Connections())
	}
}
