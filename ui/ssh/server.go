// Package ssh serves the console over SSH (`gatehouse serve`): one process
// holds the data file, and every session runs its own console as the user
// its public key (or, when enabled, password) belongs to, with that user's
// visibility and privileges. Change events from the store refresh every
// session; shutdown quits every session's program before the server closes.
package ssh

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	charmssh "charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
	"gatehouse/keymap"
)

// Store is what the server needs from the data file; *store.DB provides
// it. Keeping it an interface keeps this package off bbolt.
type Store interface {
	domain.ChangeFeed
	Path() string
	Session(username string) (domain.Service, error)
	// ViewAs opens target's read-only service for viewer (console view-as),
	// checked and audited by the store.
	ViewAs(ctx context.Context, viewer, target string) (domain.Service, error)
	// AuthenticateKey and AuthenticatePassword decide logins; their
	// errors are *domain.LoginRefused (domain.IdentityProven tells which
	// still proved who the user is). ChangePassword replaces a temporary
	// password on proof of it.
	AuthenticateKey(username, fingerprint string) (domain.User, error)
	AuthenticatePassword(username, password string) (domain.User, error)
	ChangePassword(ctx context.Context, username, current, next string) (domain.User, error)
	RecordLogin(username, addr string, ok bool, reason string) error
	RecordLogout(username, addr, reason string) error
}

// Defaults of Config's zero values.
const (
	DefaultListen      = "127.0.0.1:2222"
	DefaultIdle        = 30 * time.Minute
	DefaultMaxSessions = 50
	// DefaultLoginGrace is long enough to type a temporary password and
	// a new one twice.
	DefaultLoginGrace = 2 * time.Minute
	// DefaultIdentTimeout: every SSH client sends its identification as
	// soon as it connects.
	DefaultIdentTimeout = 5 * time.Second
	// DefaultMaxStartupsPerAddress is below DefaultMaxStartups' start, so
	// one address alone never makes others' connections drop at random.
	DefaultMaxStartupsPerAddress = 5
	DefaultNoSessionGrace        = 10 * time.Second
	// HostKeyName is the host key's file name beside the data file.
	HostKeyName = "gatehouse_host_ed25519"
)

// Config configures the server; zero values are the defaults.
type Config struct {
	Store  Store
	Listen string // default 127.0.0.1:2222
	// HostKeyPath defaults to HostKeyName beside the data file (never the
	// working directory); it is created on first start, mode 0600.
	HostKeyPath string
	// PasswordAuth also accepts the user's password (keyboard-interactive,
	// where a temporary password is changed, and the password method);
	// off by default.
	PasswordAuth bool
	// Idle logs a session out after this long without input; holders of
	// Stay Logged On are never logged out. Default 30 minutes; negative
	// means no idle timeout for anyone.
	Idle time.Duration
	// MaxSessions caps the open console sessions; connections without
	// one do not count. Default 50.
	MaxSessions int
	// MaxStartups caps the connections that have not authenticated yet,
	// with random early drop (OpenSSH's MaxStartups); default 10:30:100.
	// They never take session slots.
	MaxStartups Startups
	// MaxStartupsPerAddress caps them per client address (an IPv6
	// address counts by its /64); default 5.
	MaxStartupsPerAddress int
	// IdentTimeout closes a connection whose client has not sent its SSH
	// identification this long after it connected; default 5 seconds.
	IdentTimeout time.Duration
	// LoginGrace closes a connection that has not authenticated this long
	// after it connected, a password change at the keyboard-interactive
	// prompt included; default 2 minutes.
	LoginGrace time.Duration
	// NoSessionGrace closes an authenticated connection without a session
	// (ssh -N, or one whose sessions all ended) after this long; default
	// 10 seconds.
	NoSessionGrace time.Duration
	// JobFailures lists the periodic jobs' latest failures for the Data
	// file screen; nil shows none.
	JobFailures func() []string
	// Keys are every session's bindings: the server's keymap file
	// (keymap.Load); nil means the defaults.
	Keys   *keymap.KeyMap
	Logger *slog.Logger // default slog.Default()
	// ShutdownGrace bounds how long Run waits for sessions to quit on
	// shutdown; default 30 seconds.
	ShutdownGrace time.Duration
	// FPS is each session's frame-rate cap; default 60 (at most 120).
	FPS int
	// Now is the clock of the password back-off; default time.Now.
	Now func() time.Time
}

// Server is a running (or ready) SSH server.
type Server struct {
	cfg Config
	log *slog.Logger
	srv *charmssh.Server
	// hostKeyFP is the host key's SHA256 fingerprint, logged at start so
	// people can check it at their first connection.
	hostKeyFP string
	backoff   *backoff
	// verifying bounds concurrent password hashes: each argon2id check
	// takes tens of megabytes.
	verifying chan struct{}

	mu       sync.Mutex
	sessions map[charmssh.Session]*entry
	conns    map[*trackedConn]struct{}
	// startups counts the connections not authenticated yet, perSource
	// them by address (sourceOf)
	startups  int
	perSource map[string]int
	closing   bool
	wg        sync.WaitGroup // one per registered session

	intN  func(int) int // random early drop's dice
	drops dropLog

	ln        net.Listener
	served    chan error
	stopWatch func()
	watchDone chan struct{}
}

// New builds the server: host key (created on first start) and handlers.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("ssh server: no store")
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(filepath.Dir(cfg.Store.Path()), HostKeyName)
	}
	if cfg.Idle == 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.NoSessionGrace <= 0 {
		cfg.NoSessionGrace = DefaultNoSessionGrace
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxStartups == (Startups{}) {
		cfg.MaxStartups = DefaultMaxStartups
	}
	if err := cfg.MaxStartups.check(); err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	if cfg.MaxStartupsPerAddress <= 0 {
		cfg.MaxStartupsPerAddress = DefaultMaxStartupsPerAddress
	}
	if cfg.IdentTimeout <= 0 {
		cfg.IdentTimeout = DefaultIdentTimeout
	}
	if cfg.LoginGrace <= 0 {
		cfg.LoginGrace = DefaultLoginGrace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 30 * time.Second
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 60
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hostKey, fingerprint, err := loadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, hostKeyFP: fingerprint, sessions: map[charmssh.Session]*entry{},
		conns: map[*trackedConn]struct{}{}, perSource: map[string]int{}, intN: mathrand.IntN, drops: dropLog{log: cfg.Logger},
		backoff: newBackoff(cfg.Now), verifying: make(chan struct{}, 2)}
	opts := []charmssh.Option{
		wish.WithAddress(cfg.Listen),
		// not wish.WithHostKeyPath: its key library chmods the key's
		// directory to 0700, the data file's directory included
		wish.WithHostKeyPEM(hostKey),
		// Without an auth handler a wish server lets anyone in.
		wish.WithPublicKeyAuth(s.publicKeyAuth),
		wish.WithMiddleware(recover.MiddlewareWithLogger(slogPrintf{s.log},
			bm.MiddlewareWithProgramHandler(s.program), s.gate)),
		func(srv *charmssh.Server) error {
			// the whole handshake, authentication included, runs against
			// the login grace; the identification has its own, shorter
			// limit (accept)
			srv.HandshakeTimeout = cfg.LoginGrace
			srv.ConnCallback = s.accept
			srv.ServerConfigCallback = s.serverConfig
			srv.ConnectionFailedCallback = func(c net.Conn, err error) {
				s.log.Debug("ssh handshake failed", "addr", c.RemoteAddr().String(), "err", err)
			}
			return nil
		},
	}
	if cfg.PasswordAuth {
		opts = append(opts, wish.WithPasswordAuth(s.passwordAuth), wish.WithKeyboardInteractiveAuth(s.keyboardInteractiveAuth))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	s.srv = srv
	return s, nil
}

// loadHostKey reads the host key, refusing one others can read (as sshd
// does), and creates a missing one: an ed25519 key in a file of its own,
// mode 0600. It never changes the mode of a directory that exists (the
// data file's may be shared); only a missing directory is created, 0700.
func loadHostKey(path string) (key []byte, fingerprint string, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createHostKey(path); err != nil {
			return nil, "", fmt.Errorf("ssh server: cannot create the host key %s: %w", path, err)
		}
		st, err = os.Stat(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("ssh server: host key %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, "", fmt.Errorf("ssh server: host key %s is a directory", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("ssh server: host key %s is readable by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("ssh server: host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, "", fmt.Errorf("ssh server: host key %s: %w", path, err)
	}
	return data, gossh.FingerprintSHA256(signer.PublicKey()), nil
}

// createHostKey writes a new ed25519 key to path: complete in a temporary
// file (0600) first, then linked into place, so a crash never leaves half
// a key and two servers starting at once keep the first one's.
func createHostKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := gossh.MarshalPrivateKey(priv, "gatehouse host key")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // 0600
	if err != nil {
		return err
	}
	// once linked, the key stays under its own name
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(pem.EncodeToMemory(block)); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// HostKeyPath is the host key file in use.
func (s *Server) HostKeyPath() string { return s.cfg.HostKeyPath }

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("ssh server: cannot listen on %s: %w", s.cfg.Listen, err)
	}
	s.StartOn(ln)
	return nil
}

// StartOn serves on an existing listener in the background.
func (s *Server) StartOn(ln net.Listener) {
	s.ln = ln
	s.served = make(chan error, 1)
	changes, stop := s.cfg.Store.Subscribe()
	s.stopWatch = stop
	s.watchDone = make(chan struct{})
	go s.watchAccess(changes)
	go func() { s.served <- s.srv.Serve(ln) }()
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Sessions is the number of open console sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Start(); err != nil {
			return err
		}
	}
	s.log.Info("ssh server listening", "addr", s.Addr().String(), "hostkey", s.cfg.HostKeyPath, "fingerprint", s.hostKeyFP,
		"password_auth", s.cfg.PasswordAuth, "idle", idleText(s.cfg.Idle), "max_sessions", s.cfg.MaxSessions,
		"max_startups", s.cfg.MaxStartups.String(), "max_startups_per_address", s.cfg.MaxStartupsPerAddress,
		"login_grace", s.cfg.LoginGrace.String())
	if a, ok := s.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
		s.log.Warn("ssh server reachable from other machines", "addr", a.String())
	}
	select {
	case <-ctx.Done():
	case err := <-s.served:
		s.served <- err
		if !errors.Is(err, charmssh.ErrServerClosed) {
			err = fmt.Errorf("ssh server: %w", err)
			return errors.Join(err, s.Shutdown(context.Background()))
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	return s.Shutdown(sctx)
}

// Shutdown ends every session gracefully: new sessions are refused, each
// program is told to quit (its open transaction finishes first: a program
// handles one message at a time), and only when all have ended, or ctx
// runs out and the rest are killed, is the server closed. The caller
// closes the store afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	open := make([]*entry, 0, len(s.sessions))
	for _, e := range s.sessions {
		open = append(open, e)
	}
	s.mu.Unlock()
	s.log.Info("ssh server shutting down", "sessions", len(open))
	for _, e := range open {
		e.end("the server is shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("ssh server: %d sessions did not quit in time; closed them", s.Sessions())
		s.mu.Lock()
		for _, e := range s.sessions {
			e.kill()
		}
		s.mu.Unlock()
		<-done
	}
	if s.stopWatch != nil {
		s.stopWatch()
		<-s.watchDone
	}
	// Connections whose clients linger after their session ended are
	// closed; there is nothing left to finish on them.
	cctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if e := s.srv.Shutdown(cctx); e != nil && !errors.Is(e, context.DeadlineExceeded) {
		s.log.Debug("ssh server shutdown", "err", e)
	}
	if e := s.srv.Close(); e != nil && !errors.Is(e, charmssh.ErrServerClosed) {
		s.log.Debug("ssh server close", "err", e)
	}
	// the library closes authenticated connections only: those still
	// logging in are closed here
	s.mu.Lock()
	left := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		left = append(left, c)
	}
	s.mu.Unlock()
	for _, c := range left {
		_ = c.Close()
	}
	s.log.Info("ssh server stopped")
	return err
}

// watchAccess re-checks every open session when something that decides
// access changes: a user deactivated, removed from their last group or
// stripped of Remote Access is logged out at once, and a change to Stay
// Logged On moves the idle limit.
func (s *Server) watchAccess(changes <-chan domain.Change) {
	defer close(s.watchDone)
	for c := range changes {
		if c.Entity == "session" || c.Entity == "ticket" {
			continue
		}
		s.mu.Lock()
		open := make([]*entry, 0, len(s.sessions))
		for _, e := range s.sessions {
			open = append(open, e)
		}
		s.mu.Unlock()
		for _, e := range open {
			a := e.svc.Access(e.work)
			if err := a.SSHLoginError(); err != nil {
				e.end("access revoked: " + err.Error())
				continue
			}
			e.send(idleLimitMsg{d: s.idleFor(&a)})
		}
	}
}

func idleText(d time.Duration) string {
	if d < 0 {
		return "none"
	}
	return d.String()
}

// idleFor is the idle limit of a user: none with Stay Logged On.
func (s *Server) idleFor(a *domain.Access) time.Duration {
	if s.cfg.Idle < 0 {
		return 0
	}
	return a.IdleTimeout(s.cfg.Idle)
}

// slogPrintf lets wish's recover middleware log panics through slog.
type slogPrintf struct{ l *slog.Logger }

func (p slogPrintf) Printf(format string, v ...any) {
	p.l.Error("ssh session panic", "detail", fmt.Sprintf(format, v...))
}

// MaxWidth and MaxHeight bound a session's window: the renderer keeps a
// cell buffer of the window's size, so a client asking for 20000x20000
// would make the server allocate gigabytes. A bigger window is drawn at
// this size: 400 columns by 160 rows is more than a 4K screen shows at a
// readable font, and 50 sessions at it hold 774 MB of Go heap
// (BenchmarkSessionsAtTheClamp; 1.7 GB at 500x300).
const (
	MaxWidth  = 400
	MaxHeight = 160
)

// DefaultWidth and DefaultHeight are the window of a client whose pty
// request gives no size (0x0): drawn at 0x0 its screen would stay blank.
const (
	DefaultWidth  = 80
	DefaultHeight = 24
)

// fitWindow is the size a console is drawn at when the client asks for w
// x h: a zero dimension is ignored (RFC 4254 6.2), keeping the current
// one (cur) or, at the pty request, the default 80x24; a bigger window is
// clamped to MaxWidth x MaxHeight.
func fitWindow(w, h int, cur [2]int) (int, int) {
	if w <= 0 {
		w = cmp.Or(cur[0], DefaultWidth)
	}
	if h <= 0 {
		h = cmp.Or(cur[1], DefaultHeight)
	}
	return min(w, MaxWidth), min(h, MaxHeight)
}

// sessionFilter fits every window size before the program resizes its
// renderer (the pty request's and each window change), and keeps wish's
// rule that a remote session cannot be suspended.
func sessionFilter(model tea.Model, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		var cur [2]int
		if sm, ok := model.(*sessionModel); ok {
			cur[0], cur[1] = sm.e.windowSize()
		}
		m.Width, m.Height = fitWindow(m.Width, m.Height, cur)
		return m
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	}
	return msg
}

// program builds the session's Bubble Tea program for the user the gate
// admitted; bubbletea's middleware runs it.
func (s *Server) program(sess charmssh.Session) *tea.Program {
	s.mu.Lock()
	e := s.sessions[sess]
	s.mu.Unlock()
	if e == nil {
		return nil
	}
	opts := append(bm.MakeOptions(sess), tea.WithContext(e.ctx), tea.WithoutSignalHandler(), tea.WithFPS(s.cfg.FPS),
		tea.WithFilter(sessionFilter))
	if pty, _, ok := sess.Pty(); ok {
		opts = append(opts, tea.WithWindowSize(fitWindow(pty.Window.Width, pty.Window.Height, [2]int{})))
	}
	p := tea.NewProgram(newSessionModel(e, s.newConsole(e, sess)), opts...)
	e.setProgram(p)
	return p
}
