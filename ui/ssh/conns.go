package ssh

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	charmssh "charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// A connection must finish authenticating within LoginGrace (the
// library's handshake timeout: long enough to change a temporary
// password). Once authenticated it must keep a session open: one without
// (ssh -N, or after its last session ended) is closed NoSessionGrace
// later.

// trackedConn is one accepted connection (see above).
type trackedConn struct {
	net.Conn
	s    *Server
	addr string // host:port, for the log
	once sync.Once

	// guarded by s.mu
	startup    bool   // not authenticated yet
	user       string // once authenticated
	sessions   int    // admitted sessions open on the connection
	closed     bool
	graceTimer *time.Timer
	graceGen   int // drops a grace timer that fired after it was re-armed
}

// connKey finds a session's trackedConn in its connection's context.
type connKey struct{}

// accept admits a new connection unless the server is full or closing.
// Every connection counts against MaxSessions, with a session or without.
func (s *Server) accept(ctx charmssh.Context, conn net.Conn) net.Conn {
	addr := conn.RemoteAddr().String()
	s.mu.Lock()
	// past the limit a session gets a one-line refusal (register); twice
	// the limit is refused before the handshake, without a word
	if n := len(s.conns); s.closing || n >= 2*s.cfg.MaxSessions {
		s.mu.Unlock()
		s.log.Info("ssh connection refused", "addr", addr, "reason", fmt.Sprintf("the server is full or closing (%d connections)", n))
		return nil
	}
	c := &trackedConn{Conn: conn, s: s, addr: addr, startup: true}
	s.conns[c] = struct{}{}
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
	c.startup = false
	c.user = user
	s.armGraceLocked(c)
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

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		s := c.s
		s.mu.Lock()
		c.closed = true
		if c.graceTimer != nil {
			c.graceTimer.Stop()
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

// Connections is the number of open connections, with or without a session.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
