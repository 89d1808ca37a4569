package ssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
	"gatehouse/store"
)

// fixture is a real store on a temp file with a running server.
type fixture struct {
	t     testing.TB
	db    *store.DB
	owner domain.Service
	srv   *Server
	keys  map[string]gossh.Signer
	logs  *syncBuffer
}

// syncBuffer collects the server's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// must unwraps a setup step; a failure panics, which fails the test with
// the step's stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func newKey(t testing.TB) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return must(gossh.NewSignerFromKey(priv))
}

// newStore opens a temp file and seeds the district the tests share:
// buildings EAST and WEST with one open ticket each; ada a District
// Administrator; bea a Building Administrator of EAST who may also view
// groups; dan a deactivated technician; nog in no group; nor only in a
// group without Remote Access (which the base group no longer grants).
func newStore(t testing.TB) (*store.DB, domain.Service) {
	t.Helper()
	db := must(store.Open(filepath.Join(t.TempDir(), "data", "gatehouse.db"), store.Options{Owner: "owner"}))
	t.Cleanup(func() { db.Close() })
	owner := must(db.Session("owner"))
	east := must(owner.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East High"}))
	must(owner.CreateBuilding(t.Context(), domain.Building{Code: "WEST", Name: "West Middle"}))
	must(owner.CreateTicket(t.Context(), domain.NewTicket{Title: "Projector dead in room 12", Building: "EAST"}))
	must(owner.CreateTicket(t.Context(), domain.NewTicket{Title: "Boiler leaking", Building: "WEST"}))

	remote := must(domain.ParseGrant("remote.ssh"))
	must(owner.RevokeGroup(t.Context(), domain.GroupUsers, []domain.Grant{remote}))
	var viewGroups domain.ModuleLevels
	viewGroups[domain.ModGroups] = domain.LevelView
	must(owner.CreateGroup(t.Context(), domain.Group{Name: "Group Viewers", Levels: viewGroups}, true))
	must(owner.CreateGroup(t.Context(), domain.Group{Name: "Reporters", Flags: domain.FlagSetOf(domain.TicketReport)}, true))

	users := []struct {
		u      domain.User
		groups []string
	}{
		{domain.User{Username: "ada", First: "Ada", Last: "Lovelace", StartScreen: "home"}, []string{"District Administrator"}},
		{domain.User{Username: "bea", First: "Bea", Last: "Arthur", StartScreen: "home", Buildings: []domain.ID{east.ID}},
			[]string{"Building Administrator", "Group Viewers"}},
		{domain.User{Username: "dan", First: "Dan"}, []string{"Technicians"}},
		{domain.User{Username: "nog", First: "Nog"}, nil},
		{domain.User{Username: "nor", First: "Nor"}, []string{"Reporters"}},
	}
	for _, x := range users {
		must(owner.CreateUser(t.Context(), x.u))
		for _, g := range x.groups {
			if err := owner.Join(t.Context(), x.u.Username, g, time.Time{}, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	must(owner.Deactivate(t.Context(), "dan", false))
	return db, owner
}

// addKey stores a new key on the user and returns its signer.
func addKey(t testing.TB, owner domain.Service, username string) gossh.Signer {
	t.Helper()
	k := newKey(t)
	pub := k.PublicKey()
	if err := owner.AddKey(t.Context(), username, domain.SSHKey{Fingerprint: gossh.FingerprintSHA256(pub),
		Key: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))), Comment: username + "@test"}); err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	db, owner := newStore(t)
	f := &fixture{t: t, db: db, owner: owner, keys: map[string]gossh.Signer{}, logs: &syncBuffer{}}
	for _, u := range []string{"ada", "bea", "dan", "nog", "nor"} {
		f.keys[u] = addKey(t, owner, u)
	}
	f.start(cfg)
	return f
}

func (f *fixture) start(cfg Config) {
	f.t.Helper()
	if cfg.Store == nil {
		cfg.Store = f.db
	}
	cfg.Listen = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	f.srv = must(New(cfg))
	if err := f.srv.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx)
	})
}

// client is one SSH session with a pty, its output replayed on a vt.
type client struct {
	t    testing.TB
	conn *gossh.Client
	sess *gossh.Session
	in   io.WriteCloser
	vt   *vt
	done chan struct{}
	err  error // the session's end (exit status)

	mu     sync.Mutex
	raw    strings.Builder // everything received, stdout and stderr
	frames chan struct{}   // a signal per output chunk (benchmark)
}

const termW, termH = 100, 30

// connect opens a bare SSH connection as user with their key: no session,
// no pty, for tests of what a client does before or instead of a console.
func (f *fixture) connect(user string) *gossh.Client {
	f.t.Helper()
	conn, err := gossh.Dial("tcp", f.srv.Addr().String(), &gossh.ClientConfig{User: user,
		Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys[user])}, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
	if err != nil {
		f.t.Fatal(err)
	}
	return conn
}

func (f *fixture) dial(user string, key gossh.Signer) (*client, error) {
	return dialAddr(f.t, f.srv.Addr().String(), user, gossh.PublicKeys(key))
}

func dialAddr(t testing.TB, addr, user string, auth gossh.AuthMethod) (*client, error) {
	return dialPty(t, addr, user, auth, termW, termH, termW, termH)
}

// dialPty is dialAddr with the window size the pty request asks for (w x
// h) and the size of the terminal the output is replayed on (vw x vh).
func dialPty(t testing.TB, addr, user string, auth gossh.AuthMethod, w, h, vw, vh int) (*client, error) {
	conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{auth},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	sess, err := conn.NewSession()
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := &client{t: t, conn: conn, sess: sess, vt: newVT(vw, vh), done: make(chan struct{}),
		frames: make(chan struct{}, 1024)}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		conn.Close()
		return nil, err
	}
	c.in, _ = sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	stderr, _ := sess.StderrPipe()
	if err := sess.Shell(); err != nil {
		conn.Close()
		return nil, err
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); c.pump(stdout, true) }()
	go func() { defer readers.Done(); c.pump(stderr, false) }()
	go func() {
		c.err = sess.Wait()
		readers.Wait()
		close(c.done)
	}()
	t.Cleanup(c.close)
	return c, nil
}

func (c *client) pump(r io.Reader, screen bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if screen {
				c.vt.feed(buf[:n])
			}
			c.mu.Lock()
			c.raw.Write(buf[:n])
			c.mu.Unlock()
			select {
			case c.frames <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

func (c *client) close() {
	c.sess.Close()
	c.conn.Close()
}

func (c *client) Raw() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.raw.String()
}

// send types keys: raw bytes as a terminal sends them.
func (c *client) send(keys string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, keys); err != nil {
		c.t.Fatalf("typing %q: %v", keys, err)
	}
}

// waitScreen waits until the replayed screen satisfies ok.
func (c *client) waitScreen(what string, timeout time.Duration, ok func(screen string) bool) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := c.vt.Screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *client) waitText(text string, timeout time.Duration) string {
	c.t.Helper()
	return c.waitScreen(fmt.Sprintf("%q", text), timeout, func(s string) bool { return strings.Contains(s, text) })
}

// waitEnd waits for the server to end the session; it returns everything
// received.
func (c *client) waitEnd(timeout time.Duration) string {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.t.Fatalf("session still open after %s; screen:\n%s", timeout, c.vt.Screen())
	}
	return c.Raw()
}

// exitStatus is the session's exit status (0 when it ended cleanly).
func (c *client) exitStatus() int {
	var ee *gossh.ExitError
	if errors.As(c.err, &ee) {
		return ee.ExitStatus()
	}
	if c.err != nil {
		return -1
	}
	return 0
}
