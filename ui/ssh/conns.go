package ssh

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	charmssh "charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// A connection goes through two phases. Until it has authenticated it is a
// startup: it counts against MaxStartups (with random early drop, as
// OpenSSH's) and MaxStartupsPerAddress, never against MaxSessions; its
// client must send its SSH identification within IdentTimeout and finish
// authenticating within LoginGrace. Once authenticated it must keep a
// session open: one without (ssh -N, or after its last session ended) is
// closed NoSessionGrace later. MaxSessions counts sessions only, so
// sockets that never log in cannot lock anyone out.

// Startups is OpenSSH's MaxStartups start:rate:full: below Start
// unauthenticated connections, a new one is accepted; from Start on it is
// dropped with probability Rate percent, rising linearly to 100 percent
// at Full.
type Startups struct{ Start, Rate, Full int }

// DefaultMaxStartups is OpenSSH's default.
var DefaultMaxStartups = Startups{Start: 10, Rate: 30, Full: 100}

// ParseStartups reads "start:rate:full" or "N" (refuse past N, as
// OpenSSH reads a single number).
func ParseStartups(text string) (Startups, error) {
	bad := fmt.Errorf("%q: want start:rate:full (such as 10:30:100) or one number", text)
	var n []int
	for p := range strings.SplitSeq(text, ":") {
		v, err := strconv.Atoi(p)
		if err != nil {
			return Startups{}, bad
		}
		n = append(n, v)
	}
	var m Startups
	switch len(n) {
	case 1:
		m = Startups{Start: n[0], Rate: 100, Full: n[0]}
	case 3:
		m = Startups{Start: n[0], Rate: n[1], Full: n[2]}
	default:
		return Startups{}, bad
	}
	return m, m.check()
}

func (m Startups) check() error {
	switch {
	case m.Start < 1:
		return fmt.Errorf("max startups %s: start must be at least 1", m)
	case m.Full < m.Start:
		return fmt.Errorf("max startups %s: full must be at least start", m)
	case m.Rate < 0 || m.Rate > 100:
		return fmt.Errorf("max startups %s: rate is a percentage, 0 to 100", m)
	}
	return nil
}

func (m Startups) String() string { return fmt.Sprintf("%d:%d:%d", m.Start, m.Rate, m.Full) }

// drop decides whether a new connection is dropped when n others have not
// authenticated yet; intN(100) is the dice (as sshd's drop_connection).
func (m Startups) drop(n int, intN func(int) int) bool {
	switch {
	case n >= m.Full:
		return true
	case n < m.Start:
		return false
	case m.Rate >= 100:
		return true
	}
	p := m.Rate + (100-m.Rate)*(n-m.Start)/(m.Full-m.Start)
	return intN(100) < p
}

// sourceOf is the address the per-address limits count: the IP, or for
// IPv6 its /64 (one site's prefix, which a client can roam at will).
func sourceOf(a net.Addr) string {
	if a == nil {
		return "unknown"
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return hostOf(a)
	}
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip, 64).Masked().String()
}

// trackedConn is one accepted connection (see the phases above).
type trackedConn struct {
	net.Conn
	s      *Server
	addr   string // host:port, for the log
	source string // sourceOf the client's address
	once   sync.Once

	// guarded by s.mu
	startup    bool   // not authenticated yet
	user       string // once authenticated
	sessions   int    // admitted sessions open on the connection
	closed     bool
	identTimer *time.Timer
	graceTimer *time.Timer
	graceGen   int // drops a grace timer that fired after it was re-armed

	// the identification scan, done by the connection's one reader
	identified atomic.Bool
	line       [4]byte
	lineLen    int
}

// connKey finds a session's trackedConn in its connection's context.
type connKey struct{}

// accept admits a new connection as a startup, unless the server is
// closing or the startup limits drop it.
func (s *Server) accept(ctx charmssh.Context, conn net.Conn) net.Conn {
	addr := conn.RemoteAddr().String()
	src := sourceOf(conn.RemoteAddr())
	s.mu.Lock()
	var why string
	switch n := s.startups; {
	case s.closing:
		why = "the server is closing"
	case s.perSource[src] >= s.cfg.MaxStartupsPerAddress:
		why = fmt.Sprintf("%d unauthenticated connections from %s (max startups per address %d)",
			s.perSource[src], src, s.cfg.MaxStartupsPerAddress)
	case s.cfg.MaxStartups.drop(n, s.intN):
		why = fmt.Sprintf("%d unauthenticated connections (max startups %s)", n, s.cfg.MaxStartups)
	}
	if why != "" {
		s.mu.Unlock()
		s.drops.note(addr, why)
		return nil
	}
	c := &trackedConn{Conn: conn, s: s, addr: addr, source: src, startup: true}
	s.conns[c] = struct{}{}
	s.startups++
	s.perSource[src]++
	c.identTimer = time.AfterFunc(s.cfg.IdentTimeout, c.identExpired)
	s.mu.Unlock()
	ctx.SetValue(connKey{}, c)
	return c
}

// serverConfig is each connection's SSH configuration, before the
// library adds the host key and the auth handlers: it learns when the
// connection has authenticated.
func (s *Server) serverConfig(ctx charmssh.Context) *gossh.ServerConfig {
	c, _ := ctx.Value(connKey{}).(*trackedConn)
	return &gossh.ServerConfig{AuthLogCallback: func(meta gossh.ConnMetadata, _ string, err error) {
		// nil only for the method that completes the login (no method
		// here answers with partial success)
		if err == nil && c != nil {
			s.authenticated(c, meta.User())
		}
	}}
}

// authenticated moves a connection out of the startups: from now on it
// must keep a session open.
func (s *Server) authenticated(c *trackedConn, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.startup || c.closed {
		return
	}
	s.leaveStartupLocked(c)
	c.user = user
	c.identTimer.Stop()
	s.armGraceLocked(c)
}

func (s *Server) leaveStartupLocked(c *trackedConn) {
	c.startup = false
	s.startups--
	if s.perSource[c.source]--; s.perSource[c.source] <= 0 {
		delete(s.perSource, c.source)
	}
}

// armGraceLocked closes the connection NoSessionGrace from now unless a
// session opens meanwhile.
func (s *Server) armGraceLocked(c *trackedConn) {
	if c.closed {
		return
	}
	c.graceGen++
	gen := c.graceGen
	if c.graceTimer != nil {
		c.graceTimer.Stop()
	}
	grace := s.cfg.NoSessionGrace
	c.graceTimer = time.AfterFunc(grace, func() {
		s.mu.Lock()
		idle := !c.closed && c.sessions == 0 && c.graceGen == gen
		s.mu.Unlock()
		if idle {
			s.log.Info("ssh connection closed", "user", c.user, "addr", c.addr, "reason", "no session within "+grace.String())
			_ = c.Close()
		}
	})
}

// sessionOpenedLocked and sessionClosedLocked keep the count of a connection's
// admitted sessions (register, unregister); the grace runs again when
// the last one ends.
func (s *Server) sessionOpenedLocked(c *trackedConn) {
	if c == nil {
		return
	}
	c.sessions++
	c.graceGen++ // a grace timer running now closes nothing
}

func (s *Server) sessionClosedLocked(c *trackedConn) {
	if c == nil {
		return
	}
	if c.sessions--; c.sessions == 0 && !c.startup {
		s.armGraceLocked(c)
	}
}

func (c *trackedConn) identExpired() {
	if c.identified.Load() {
		return
	}
	c.s.log.Info("ssh connection closed", "addr", c.addr,
		"reason", "no SSH identification within "+c.s.cfg.IdentTimeout.String())
	_ = c.Close()
}

// Read watches the client's first line for its identification
// ("SSH-2.0-…"; lines before it are allowed, as the library allows them).
func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.identified.Load() && c.scanIdent(p[:n]) {
		c.identified.Store(true)
	}
	return n, err
}

func (c *trackedConn) scanIdent(p []byte) bool {
	for _, b := range p {
		if b == '\n' {
			if c.lineLen >= 4 && string(c.line[:]) == "SSH-" {
				return true
			}
			c.lineLen = 0
			continue
		}
		if c.lineLen < len(c.line) {
			c.line[c.lineLen] = b
		}
		c.lineLen++
	}
	return false
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		s := c.s
		s.mu.Lock()
		c.closed = true
		if c.identTimer != nil {
			c.identTimer.Stop()
		}
		if c.graceTimer != nil {
			c.graceTimer.Stop()
		}
		if c.startup {
			s.leaveStartupLocked(c)
		}
		delete(s.conns, c)
		s.mu.Unlock()
	})
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil // closed twice: by a timer, then by the library
	}
	return err
}

// Connections is the number of open connections, logging in or logged in.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Startups is the number of connections that have not authenticated yet.
func (s *Server) Startups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startups
}

// dropLog logs dropped connections, at most one line every ten seconds
// with the count since the last: a flood of connections must not become
// a flood of log lines.
type dropLog struct {
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time
	pending int
}

const dropLogEvery = 10 * time.Second

func (d *dropLog) note(addr, why string) {
	d.mu.Lock()
	d.pending++
	now := time.Now()
	if now.Sub(d.last) < dropLogEvery {
		d.mu.Unlock()
		return
	}
	n := d.pending
	d.pending = 0
	d.last = now
	d.mu.Unlock()
	d.log.Info("ssh connection dropped", "addr", addr, "reason", why, "dropped", n)
}
