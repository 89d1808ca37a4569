// Package etcdtest starts real etcd clusters in-process (server/v3/embed) on
// loopback ports, for the etcd store's conformance suite, the failover test
// and the local dev cluster of docs/etcd.md. A cluster's members are full
// etcd servers with their own data directories and Raft over loopback HTTP,
// so a test can stop the leader and restart it from its data like a real
// operator would.
package etcdtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"
)

// Options configures Start. The zero value is a 3-member test cluster on
// free ports in a temporary directory, without fsync and without logs.
type Options struct {
	// Members is the cluster size; 0 means 3.
	Members int
	// Dir holds one data directory per member (m0, m1, ...). Empty: a new
	// temporary directory that Close removes; a given Dir is kept, so a
	// dev cluster started again on it resumes its data.
	Dir string
	// ClientPorts fixes each member's client port on 127.0.0.1 (one per
	// member); nil picks free ports.
	ClientPorts []int
	// PeerPorts fixes each member's peer (Raft) port; nil means client
	// port + 1 when ClientPorts is set, else free ports.
	PeerPorts []int
	// Fsync keeps etcd's fsyncs. Tests leave it off (UnsafeNoFsync): the
	// data is thrown away anyway and fsync dominates write latency.
	Fsync bool
	// TickMs and ElectionMs are the Raft heartbeat and election timeout;
	// 0 means 50 and 500, short enough for failover tests and long enough
	// that a busy 2-core machine under -race does not flap leaders.
	TickMs, ElectionMs uint
	// Logger receives the members' logs; nil discards them, and also
	// silences gRPC's global logger (once per process) so a stopped member
	// does not fill test output with reconnect warnings.
	Logger *zap.Logger
	// StartTimeout bounds waiting for a leader and the first write; 0
	// means 60 s.
	StartTimeout time.Duration
}

// Cluster is a running in-process etcd cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	opts    Options
	root    string
	ownRoot bool
	token   string

	mu      sync.Mutex
	members []*member
	client  *clientv3.Client
	closed  bool
}

type member struct {
	name       string
	dir        string
	clientPort int
	peerPort   int
	etcd       *embed.Etcd // nil while stopped
}

// quietGRPC replaces gRPC's process-wide logger once: SetLoggerV2 must run
// before gRPC is used, which in a test binary is the first Start.
var quietGRPC sync.Once

// Start starts a cluster and returns once every member is ready, a leader
// is elected and a write has committed. On error nothing is left running.
func Start(opts Options) (*Cluster, error) {
	if opts.Members == 0 {
		opts.Members = 3
	}
	if opts.Members < 1 {
		return nil, fmt.Errorf("etcdtest: members: %d is not a cluster size", opts.Members)
	}
	if opts.ClientPorts != nil && len(opts.ClientPorts) != opts.Members {
		return nil, fmt.Errorf("etcdtest: client ports: %d given for %d members", len(opts.ClientPorts), opts.Members)
	}
	if opts.PeerPorts != nil && len(opts.PeerPorts) != opts.Members {
		return nil, fmt.Errorf("etcdtest: peer ports: %d given for %d members", len(opts.PeerPorts), opts.Members)
	}
	if opts.TickMs == 0 {
		opts.TickMs = 50
	}
	if opts.ElectionMs == 0 {
		opts.ElectionMs = 500
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
		quietGRPC.Do(func() {
			grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
		})
	}
	// Free ports are found by binding and closing, so another process can
	// take one before etcd binds it: a start that loses that race is
	// retried with new ports.
	attempts := 1
	if opts.ClientPorts == nil || opts.PeerPorts == nil {
		attempts = 3
	}
	var err error
	for range attempts {
		var c *Cluster
		c, err = start(opts)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	return nil, err
}

var errPortTaken = errors.New("port already in use")

func start(opts Options) (*Cluster, error) {
	n := opts.Members
	clientPorts, peerPorts := opts.ClientPorts, opts.PeerPorts
	if peerPorts == nil && clientPorts != nil {
		peerPorts = make([]int, n)
		for i, p := range clientPorts {
			peerPorts[i] = p + 1
		}
	}
	free, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	if clientPorts == nil {
		clientPorts = free[:n]
	}
	if peerPorts == nil {
		peerPorts = free[n:]
	}
	c := &Cluster{opts: opts, root: opts.Dir, token: "etcdtest-" + randomHex(6)}
	if c.root == "" {
		if c.root, err = os.MkdirTemp("", "etcdtest-"); err != nil {
			return nil, fmt.Errorf("etcdtest: data directory: %w", err)
		}
		c.ownRoot = true
	} else if err := os.MkdirAll(c.root, 0o700); err != nil {
		return nil, fmt.Errorf("etcdtest: data directory: %w", err)
	}
	for i := range n {
		c.members = append(c.members, &member{
			name:       "m" + strconv.Itoa(i),
			dir:        filepath.Join(c.root, "m"+strconv.Itoa(i)),
			clientPort: clientPorts[i],
			peerPort:   peerPorts[i],
		})
	}
	for _, m := range c.members {
		e, err := embed.StartEtcd(c.config(m))
		if err != nil {
			c.Close()
			if strings.Contains(err.Error(), "address already in use") {
				return nil, fmt.Errorf("etcdtest: start %s: %w: %v", m.name, errPortTaken, err)
			}
			return nil, fmt.Errorf("etcdtest: start %s: %w", m.name, err)
		}
		m.etcd = e
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.StartTimeout)
	defer cancel()
	for _, m := range c.members {
		if err := waitReady(ctx, m); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.waitWritable(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// StartT starts an n-member cluster (0: 3) for a test, fails the test when
// it cannot, and closes it when the test ends.
func StartT(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := Start(Options{Members: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// config is member m's embed configuration; Restart uses it again, so a
// restarted member has the same name, data directory and ports.
func (c *Cluster) config(m *member) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cu := url.URL{Scheme: "http", Host: hostPort(m.clientPort)}
	pu := url.URL{Scheme: "http", Host: hostPort(m.peerPort)}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	peers := make([]string, len(c.members))
	for i, o := range c.members {
		peers[i] = o.name + "=http://" + hostPort(o.peerPort)
	}
	cfg.InitialCluster = strings.Join(peers, ",")
	cfg.InitialClusterToken = c.token
	cfg.ClusterState = embed.ClusterStateFlagNew
	cfg.UnsafeNoFsync = !c.opts.Fsync
	cfg.TickMs = c.opts.TickMs
	cfg.ElectionMs = c.opts.ElectionMs
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(c.opts.Logger)
	return cfg
}

// waitReady waits until m has joined the cluster and serves requests.
func waitReady(ctx context.Context, m *member) error {
	select {
	case <-m.etcd.Server.ReadyNotify():
		return nil
	case err := <-m.etcd.Err():
		return fmt.Errorf("etcdtest: %s failed while starting: %w", m.name, err)
	case <-ctx.Done():
		return fmt.Errorf("etcdtest: %s not ready: %w", m.name, ctx.Err())
	}
}

// readyKey is written and deleted once at start to prove the cluster
// commits; it sits outside any prefix gatehouse uses.
const readyKey = "\x00etcdtest/ready"

// waitWritable waits for a leader every member agrees on, makes the
// cluster's client and waits for one committed write through it.
func (c *Cluster) waitWritable(ctx context.Context) error {
	for c.Leader() < 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("etcdtest: no leader elected: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return fmt.Errorf("etcdtest: client: %w", err)
	}
	c.mu.Lock()
	c.client = cl
	c.mu.Unlock()
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := cl.Put(pctx, readyKey, "1")
		if err == nil {
			_, err = cl.Delete(pctx, readyKey)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("etcdtest: no write committed: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Endpoints are the members' client addresses, host:port, in member
// order (stopped members included).
func (c *Cluster) Endpoints() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	eps := make([]string, len(c.members))
	for i, m := range c.members {
		eps[i] = hostPort(m.clientPort)
	}
	return eps
}

// URL is the value of gatehouse's --store flag for this cluster:
// etcd://h:p,h:p,h:p/prefix (no "/prefix" when prefix is empty).
func (c *Cluster) URL(prefix string) string {
	u := "etcd://" + strings.Join(c.Endpoints(), ",")
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		u += "/" + prefix
	}
	return u
}

// Members is the cluster size.
func (c *Cluster) Members() int { return len(c.members) }

// Leader is the index of the member that every running member names as
// leader, or -1 while there is none or they disagree (an election is on).
func (c *Cluster) Leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	leader := -1
	for _, m := range c.members {
		if m.etcd == nil {
			continue
		}
		id := m.etcd.Server.Leader()
		if id == 0 {
			return -1
		}
		idx := -1
		for j, o := range c.members {
			if o.etcd != nil && o.etcd.Server.MemberID() == id {
				idx = j
			}
		}
		if idx < 0 || (leader >= 0 && idx != leader) {
			return -1
		}
		leader = idx
	}
	return leader
}

// WaitLeader waits until the running members agree on a leader and
// returns its index.
func (c *Cluster) WaitLeader(ctx context.Context) (int, error) {
	for {
		if l := c.Leader(); l >= 0 {
			return l, nil
		}
		select {
		case <-ctx.Done():
			return -1, fmt.Errorf("etcdtest: no leader: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop stops member i gracefully (a leader hands over leadership first,
// as etcd does on SIGTERM). Its data stays for Restart. Stopping a stopped
// member does nothing.
func (c *Cluster) Stop(i int) {
	if e := c.detach(i); e != nil {
		e.Close()
	}
}

// detach takes member i's running server out of the cluster's books, or
// returns nil when it is not running.
func (c *Cluster) detach(i int) *embed.Etcd {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.members) || c.members[i].etcd == nil {
		return nil
	}
	e := c.members[i].etcd
	c.members[i].etcd = nil
	return e
}

// Kill stops member i the way a crash or SIGKILL would: Raft halts at
// once, without handing leadership over, and requests in flight on it get
// no answer until their connections are cut. Its data stays for Restart.
func (c *Cluster) Kill(i int) {
	e := c.detach(i)
	if e == nil {
		return
	}
	e.Server.HardStop()
	e.Close() // closes the listeners; the server is already stopped, so nothing is handed over
}

// Restart starts member i, stopped or killed, again from its data
// directory on the same ports and waits until it has rejoined the cluster.
func (c *Cluster) Restart(i int) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("etcdtest: restart: the cluster is closed")
	}
	if i < 0 || i >= len(c.members) {
		c.mu.Unlock()
		return fmt.Errorf("etcdtest: restart: no member %d in a cluster of %d", i, len(c.members))
	}
	m := c.members[i]
	if m.etcd != nil {
		c.mu.Unlock()
		return fmt.Errorf("etcdtest: restart: %s is running", m.name)
	}
	cfg := c.config(m)
	c.mu.Unlock()
	// The peer or client port can sit briefly in the closing listener of
	// the stopped member; a few tries cover that.
	var e *embed.Etcd
	var err error
	for try := 0; try < 20; try++ {
		if e, err = embed.StartEtcd(cfg); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("etcdtest: restart %s: %w", m.name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.StartTimeout)
	defer cancel()
	tmp := &member{name: m.name, etcd: e}
	if err := waitReady(ctx, tmp); err != nil {
		e.Close()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		e.Close()
		return errors.New("etcdtest: restart: the cluster was closed meanwhile")
	}
	m.etcd = e
	return nil
}

// Client is a client of every member's endpoint, made at start and closed
// by Close (nil after it). Callers must not close it.
func (c *Cluster) Client() *clientv3.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// Close stops every member, closes the client and removes the data
// directory when Start made it. It is safe to call more than once.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	cl := c.client
	c.client = nil
	var running []*embed.Etcd
	for _, m := range c.members {
		if m.etcd != nil {
			running = append(running, m.etcd)
			m.etcd = nil
		}
	}
	c.mu.Unlock()
	if cl != nil {
		_ = cl.Close() // the members are going away; a close error changes nothing
	}
	// Members stop concurrently: one by one, the last two would each wait
	// out a leader transfer to a peer that is already gone.
	var wg sync.WaitGroup
	for _, e := range running {
		wg.Go(e.Close)
	}
	wg.Wait()
	if c.ownRoot {
		_ = os.RemoveAll(c.root) // a temp dir; nothing else refers to it
	}
}

// Dir is the data root holding one directory per member.
func (c *Cluster) Dir() string { return c.root }

func hostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }

// freePorts returns n distinct loopback ports that were free a moment ago:
// all are held open together so none is returned twice.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close() // only reserved the port
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("etcdtest: free port: %w", err)
		}
		ls = append(ls, l)
		addr, ok := l.Addr().(*net.TCPAddr)
		if !ok {
			return nil, fmt.Errorf("etcdtest: free port: unexpected address %v", l.Addr())
		}
		ports = append(ports, addr.Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (Go 1.24+ panics instead)
	return hex.EncodeToString(b)
}

var (
	sharedMu  sync.Mutex
	shared    *Cluster
	prefixSeq atomic.Int64
)

// Shared is one 3-member cluster per test process, started on first use:
// a suite that runs many tests on etcd gives each its own prefix
// (TestURL) instead of paying a cluster start per test. The package's
// TestMain calls CloseShared after m.Run, so its data goes too.
func Shared() (*Cluster, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		return shared, nil
	}
	c, err := Start(Options{})
	if err != nil {
		return nil, err
	}
	shared = c
	return c, nil
}

// CloseShared closes the cluster Shared started, if any.
func CloseShared() {
	sharedMu.Lock()
	c := shared
	shared = nil
	sharedMu.Unlock()
	if c != nil {
		c.Close()
	}
}

// TestURL is the --store URL of a prefix no other TestURL of this process
// uses (t, a counter and the test's name, so no prefix starts another),
// and deletes every key under it when the test ends.
func (c *Cluster) TestURL(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	prefix := fmt.Sprintf("t%06d-%s", prefixSeq.Add(1), b.String())
	t.Cleanup(func() {
		cl := c.Client()
		if cl == nil {
			return // closed: its data is gone with it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cl.Delete(ctx, prefix, clientv3.WithPrefix()); err != nil {
			t.Errorf("etcdtest: delete prefix %s: %v", prefix, err)
		}
	})
	return c.URL(prefix)
}
