package ssh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	charmssh "charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
	"gatehouse/ui/console"
)

// entry is one admitted session in the registry, so change events and
// shutdown can reach its program.
type entry struct {
	user   string
	addr   string
	svc    domain.Service
	idle   time.Duration // 0: no idle logout (Stay Logged On)
	ctx    context.Context
	cancel context.CancelFunc
	// work is the context of the session's service calls: the SSH
	// session's own, so a disconnect cancels the session's work; ending
	// the session (cancel) cancels it too.
	work  context.Context
	start time.Time
	conn  *trackedConn // the connection the session runs on

	mu      sync.Mutex
	prog    *tea.Program
	pending []tea.Msg // sent before the program existed
	reason  string    // why the server ended the session, if it did
	size    [2]int    // the last window size the console was given
}

func (e *entry) setSize(w, h int) {
	e.mu.Lock()
	e.size = [2]int{w, h}
	e.mu.Unlock()
}

func (e *entry) windowSize() (int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.size[0], e.size[1]
}

func (e *entry) setProgram(p *tea.Program) {
	e.mu.Lock()
	e.prog = p
	pending := e.pending
	e.pending = nil
	e.mu.Unlock()
	for _, m := range pending {
		go p.Send(m)
	}
}

// send delivers msg without blocking the caller: Send waits for the
// program's loop, and ends when the session's context does.
func (e *entry) send(msg tea.Msg) {
	e.mu.Lock()
	p := e.prog
	if p == nil {
		e.pending = append(e.pending, msg)
	}
	e.mu.Unlock()
	if p != nil {
		go p.Send(msg)
	}
}

// end asks the session to quit, keeping the first reason given.
func (e *entry) end(reason string) {
	e.setReason(reason)
	e.send(endMsg{})
}

func (e *entry) setReason(reason string) {
	e.mu.Lock()
	if e.reason == "" {
		e.reason = reason
	}
	e.mu.Unlock()
}

func (e *entry) why() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reason
}

// kill stops the program at once (shutdown ran out of time).
func (e *entry) kill() { e.cancel() }

var errUnknownKey = errors.New("unknown key")

// identify decides who the session's user is from the key the connection
// actually authenticated with, read here inside the session rather than
// from state kept by the auth callback (CVE-2024-45337). The login name
// must be the key's owner (store.AuthenticateKey). Without a key the
// connection can only have passed a password check (the password or
// keyboard-interactive method) for the login name.
func (s *Server) identify(sess charmssh.Session) (domain.User, string, error) {
	if pk := sess.PublicKey(); pk != nil {
		u, err := s.cfg.Store.AuthenticateKey(sess.User(), gossh.FingerprintSHA256(pk))
		if !domain.IdentityProven(err) {
			return domain.User{}, "", errUnknownKey
		}
		return u, "publickey", nil
	}
	if s.cfg.PasswordAuth {
		return domain.User{Username: sess.User()}, "password", nil
	}
	return domain.User{}, "", errUnknownKey
}

// gate admits or refuses each session before its console starts: a user
// may log in only when active, in a group (R2) and holding Remote Access.
// A refusal is one line on the session, a log line and an audit event.
func (s *Server) gate(next charmssh.Handler) charmssh.Handler {
	return func(sess charmssh.Session) {
		addr := sess.RemoteAddr().String()
		// a connection whose sessions are all refused is closed after the
		// no-session grace (register counts the admitted ones)
		conn, _ := sess.Context().Value(connKey{}).(*trackedConn)
		u, method, err := s.identify(sess)
		if err != nil {
			s.log.Info("ssh login refused", "user", sess.User(), "addr", addr, "reason", err.Error())
			s.refuse(sess, "login refused: "+err.Error())
			return
		}
		svc, err := s.cfg.Store.Session(u.Username)
		if err != nil {
			s.log.Info("ssh login refused", "user", u.Username, "addr", addr, "reason", err.Error())
			s.refuse(sess, "login refused: "+errUnknownKey.Error())
			return
		}
		if act := svc.Actor(sess.Context()); act.ID != 0 {
			u = act // the stored spelling of the name, and the flag below
		}
		a := svc.Access(sess.Context())
		if err := a.SSHLoginError(); err != nil {
			s.refuseAudited(sess, u.Username, addr, err.Error())
			return
		}
		// only the password method gets here with a temporary password:
		// keyboard-interactive changes it before the login completes
		if method == "password" && u.MustChange {
			s.refuseAudited(sess, u.Username, addr, "the password is temporary: log in with keyboard-interactive "+
				"authentication to choose a new one (ssh -o PreferredAuthentications=keyboard-interactive)")
			return
		}
		if cmd := sess.RawCommand(); cmd != "" {
			s.refuseAudited(sess, u.Username, addr, fmt.Sprintf("gatehouse serves the console and runs no commands (asked to run %q)", cmd))
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			s.refuseAudited(sess, u.Username, addr, "no terminal: the console needs one (connect with ssh -t)")
			return
		}
		s.ignored(sess, u.Username, addr)
		// Not derived from the session's context: on a disconnect wish
		// quits the program, which beats killing it mid-update.
		ctx, cancel := context.WithCancel(context.Background())
		work, stopWork := context.WithCancel(sess.Context())
		defer stopWork()
		defer context.AfterFunc(ctx, stopWork)()
		e := &entry{user: u.Username, addr: addr, svc: svc, idle: s.idleFor(&a), ctx: ctx, cancel: cancel,
			work: work, start: time.Now(), conn: conn}
		if why := s.register(sess, e); why != "" {
			cancel()
			s.refuseAudited(sess, u.Username, addr, why)
			return
		}
		defer s.unregister(sess)
		defer cancel()
		if err := s.cfg.Store.RecordLogin(u.Username, addr, true, ""); err != nil {
			s.log.Error("ssh audit", "user", u.Username, "err", err)
		}
		s.log.Info("ssh login", "user", u.Username, "addr", addr, "method", method, "sessions", s.Sessions())

		next(sess)

		why := e.why()
		switch {
		case why != "":
			fmt.Fprintf(sess, "gatehouse: %s\r\n", domain.Printable(why))
		case sess.Context().Err() != nil:
			why = "disconnected"
		default:
			why = "quit"
		}
		if strings.HasPrefix(why, "access revoked") && conn != nil {
			// the user's other channels on this connection end with it
			_ = conn.Close()
		}
		if err := s.cfg.Store.RecordLogout(u.Username, addr, why); err != nil {
			s.log.Error("ssh audit", "user", u.Username, "err", err)
		}
		s.log.Info("ssh logout", "user", u.Username, "addr", addr, "reason", why,
			"duration", time.Since(e.start).Round(time.Second).String())
	}
}

// ignored says in one line, and logs, which requests of an admitted
// session the server does not serve: agent forwarding (the library accepts
// it; nothing here ever opens the agent) and environment variables other
// than NO_COLOR, the only one the console reads.
func (s *Server) ignored(sess charmssh.Session, user, addr string) {
	var what []string
	if charmssh.AgentRequested(sess) {
		what = append(what, "agent forwarding")
	}
	var names []string
	for _, kv := range sess.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "NO_COLOR" && k != "TERM" {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		what = append(what, "environment variables "+strings.Join(names, ", "))
	}
	if len(what) == 0 {
		return
	}
	line := strings.Join(what, " and ")
	s.log.Info("ssh requests ignored", "user", user, "addr", addr, "requests", line)
	fmt.Fprintf(sess.Stderr(), "gatehouse: not served, ignored: %s\r\n", domain.Printable(line))
}

// register adds an admitted session unless the server is closing or full;
// it says why not.
func (s *Server) register(sess charmssh.Session, e *entry) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return "the server is shutting down"
	case len(s.sessions) >= s.cfg.MaxSessions:
		// sessions only: connections still logging in never count
		return fmt.Sprintf("the server is full (%d of %d sessions in use); try again later", s.cfg.MaxSessions, s.cfg.MaxSessions)
	}
	s.sessions[sess] = e
	s.sessionOpenedLocked(e.conn)
	s.wg.Add(1)
	return ""
}

func (s *Server) unregister(sess charmssh.Session) {
	s.mu.Lock()
	e, ok := s.sessions[sess]
	delete(s.sessions, sess)
	if ok {
		s.sessionClosedLocked(e.conn)
	}
	s.mu.Unlock()
	if ok {
		s.wg.Done()
	}
}

// refuse writes one line and ends the session with status 1; the line
// may quote what the client sent (a username), so it is shown escaped.
func (s *Server) refuse(sess charmssh.Session, msg string) {
	fmt.Fprintf(sess.Stderr(), "gatehouse: %s\r\n", domain.Printable(msg))
	if err := sess.Exit(1); err != nil {
		// the client already went away: there is no one left to tell
		s.log.Debug("ssh session exit", "err", err)
	}
}

// refuseAudited refuses a known user and records the refusal.
func (s *Server) refuseAudited(sess charmssh.Session, username, addr, reason string) {
	s.log.Info("ssh login refused", "user", username, "addr", addr, "reason", reason)
	if err := s.cfg.Store.RecordLogin(username, addr, false, reason); err != nil {
		s.log.Error("ssh audit", "user", username, "err", err)
	}
	s.refuse(sess, "login refused: "+reason)
}

// newConsole is the session's console, acting as the admitted user; its
// view-as (users:view) opens read-only services as the local console's does.
func (s *Server) newConsole(e *entry, sess charmssh.Session) tea.Model {
	return console.New(console.Config{Service: e.svc, Feed: s.cfg.Store, Context: e.work,
		NoColor: hasEnv(sess.Environ(), "NO_COLOR"), ViewAs: func(ctx context.Context, target string) (domain.Service, error) {
			return s.cfg.Store.ViewAs(ctx, e.svc.Actor(ctx).Username, target)
		}, Remote: true,
		JobFailures: s.cfg.JobFailures, Keys: s.cfg.Keys})
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name && v != "" {
			return true
		}
	}
	return false
}

// endMsg quits the session from outside (shutdown, access revoked).
type endMsg struct{}

// idleLimitMsg moves the idle limit (Stay Logged On granted or revoked).
type idleLimitMsg struct{ d time.Duration }

// idleCheckMsg re-checks idleness; gen drops checks of an older limit.
type idleCheckMsg struct{ gen int }

// sessionModel wraps the console with what only the server knows: the
// idle logout and quitting from outside. Server output resets wish's idle
// timer, so idleness is measured here, from the user's input.
type sessionModel struct {
	inner tea.Model
	e     *entry
	idle  time.Duration
	last  time.Time
	gen   int
}

func newSessionModel(e *entry, inner tea.Model) *sessionModel {
	return &sessionModel{inner: inner, e: e, idle: e.idle, last: time.Now()}
}

func (m *sessionModel) Init() tea.Cmd { return tea.Batch(m.inner.Init(), m.idleCheck()) }

func (m *sessionModel) idleCheck() tea.Cmd {
	if m.idle <= 0 {
		return nil
	}
	gen := m.gen
	wait := max(time.Until(m.last.Add(m.idle)), 10*time.Millisecond)
	return tea.Tick(wait, func(time.Time) tea.Msg { return idleCheckMsg{gen: gen} })
}

func (m *sessionModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.e.setSize(msg.Width, msg.Height)
	case endMsg:
		return m, tea.Quit
	case idleLimitMsg:
		if msg.d == m.idle {
			return m, nil
		}
		m.idle = msg.d
		m.gen++
		return m, m.idleCheck()
	case idleCheckMsg:
		if msg.gen != m.gen || m.idle <= 0 {
			return m, nil
		}
		if time.Since(m.last) >= m.idle {
			m.e.setReason("logged out after " + human(m.idle) + " without input")
			return m, tea.Quit
		}
		return m, m.idleCheck()
	case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg:
		m.last = time.Now()
	}
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	return m, cmd
}

func (m *sessionModel) View() tea.View { return m.inner.View() }

// human writes whole minutes as "30 min", anything else as Go does.
func human(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}
