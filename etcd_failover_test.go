package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/etcdtest"
)

// cliRun runs the real gatehouse binary against one store, as a separate
// process per command.
type cliRun struct {
	t     *testing.T
	bin   string
	store string
	env   []string
}

// newCLIRun builds this tree's binary (or takes GATEHOUSE_FAILOVER_BIN, a
// binary built elsewhere: another commit, or CI's build) to run against
// store, with a temporary home so nothing lands in a real data file or
// config.
func newCLIRun(t *testing.T, store string) *cliRun {
	t.Helper()
	tmp := t.TempDir()
	bin := os.Getenv("GATEHOUSE_FAILOVER_BIN")
	if bin == "" {
		bin = filepath.Join(tmp, "gatehouse")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return &cliRun{t: t, bin: bin, store: store, env: append(os.Environ(),
		"GATEHOUSE_DB="+filepath.Join(tmp, "unused.db"), "HOME="+tmp, "XDG_DATA_HOME="+tmp, "XDG_CONFIG_HOME="+tmp)}
}

// failoverRun records membership calls of gatehouse processes for the
// linearizability check.
type failoverRun struct {
	*cliRun

	mu      sync.Mutex
	history []etcdtest.Op
	done    int // commands finished, whatever their outcome
	stopped bool
	acked   int // writes acknowledged while the leader was stopped
}

// gatehouse runs one command with a bound (a hung process counts as an
// unknown outcome, not a hung test) and returns stdout, stderr and the
// exit status (-1 when it did not exit by itself).
func (r *cliRun) gatehouse(args ...string) (string, string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, append([]string{"--store", r.store}, args...)...)
	cmd.Env = r.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok && ee.Exited() {
			code = ee.ExitCode()
		}
	}
	return out.String(), errb.String(), code
}

// must runs a setup or final command that has to succeed.
func (r *cliRun) must(args ...string) string {
	r.t.Helper()
	out, errs, code := r.gatehouse(args...)
	if code != 0 {
		r.t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// memberships reads user's groups with `user show U --json`; ok is false
// when the command gave no answer.
func (r *failoverRun) memberships(user string) (map[string]bool, bool) {
	out, errs, code := r.gatehouse("--json", "user", "show", user)
	if code != 0 {
		return nil, false
	}
	var u struct {
		Memberships []struct {
			Group string `json:"group"`
		} `json:"memberships"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil {
		r.t.Errorf("user show %s --json exited 0 with unreadable output (%v): %q %q", user, err, out, errs)
		return nil, false
	}
	in := map[string]bool{}
	for _, m := range u.Memberships {
		in[m.Group] = true
	}
	return in, true
}

func (r *failoverRun) record(ops ...etcdtest.Op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.history = append(r.history, ops...)
	r.done++
	if r.stopped {
		for _, op := range ops {
			if op.Kind != etcdtest.Read && op.Ok {
				r.acked++
			}
		}
	}
}

// step performs one random operation on one of the pairs for client id.
func (r *failoverRun) step(id int, rng *rand.Rand, users []string, groups []string) {
	user := users[rng.IntN(len(users))]
	group := groups[rng.IntN(len(groups))]
	call := time.Now()
	switch p := rng.IntN(10); {
	case p < 4:
		_, _, code := r.gatehouse("user", "join", user, group)
		r.record(etcdtest.Op{ClientID: id, Call: call, Return: time.Now(), Kind: etcdtest.Join,
			User: user, Group: group, Ok: code == 0, Member: code == 0})
	case p < 7:
		_, errs, code := r.gatehouse("user", "leave", user, group)
		refused := code == 1 && strings.Contains(errs, "is not a member of")
		r.record(etcdtest.Op{ClientID: id, Call: call, Return: time.Now(), Kind: etcdtest.Leave,
			User: user, Group: group, Ok: code == 0 || refused, Member: code == 0})
	default:
		in, ok := r.memberships(user)
		ret := time.Now()
		ops := make([]etcdtest.Op, 0, len(groups))
		for _, g := range groups {
			ops = append(ops, etcdtest.Op{ClientID: id, Call: call, Return: ret, Kind: etcdtest.Read,
				User: user, Group: g, Ok: ok, Member: in[g]})
		}
		r.record(ops...)
	}
}

// TestEtcdFailover_NoAcknowledgedWriteLost runs two gatehouse processes at
// a time against a 3-member etcd cluster, joining and leaving groups (some
// memberships written by one process only, some by both) and reading them
// back, while the leader is stopped and restarted, and then the new leader
// killed and restarted. Afterwards every
// acknowledged write is in the final state, no membership change was
// recorded twice in the audit trail, `gatehouse check` is clean and the
// whole history is linearizable.
func TestEtcdFailover_NoAcknowledgedWriteLost(t *testing.T) {
	if os.Getenv("GATEHOUSE_ETCD_FAILOVER") != "1" {
		t.Skip("set GATEHOUSE_ETCD_FAILOVER=1 to run: starts a 3-member etcd cluster and drives the gatehouse binary against it")
	}
	cluster := etcdtest.StartT(t, 3)
	r := &failoverRun{cliRun: newCLIRun(t, cluster.URL("failover"))}

	// Seed one process at a time: the first command creates the defaults.
	groups := []string{"Failover A", "Failover B"}
	users := map[int][]string{0: {"only0", "shared"}, 1: {"only1", "shared"}}
	r.must("group", "list")
	for _, g := range groups {
		r.must("group", "create", g)
	}
	for _, u := range []string{"only0", "only1", "shared"} {
		r.must("user", "create", u)
	}

	// The writers run until told to stop; the failover is paced by their
	// progress, not by the clock: take the leader down after some work,
	// restart it once writes were acknowledged without it, and go on after
	// some more work with every member back.
	const before, ackedWhileDown, after = 40, 6, 40
	const most = 3000 // commands in all: a cluster that never recovers fails the test instead of running forever
	seed := time.Now().UnixNano()
	t.Logf("seed %d, store %s", seed, r.store)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for id := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(id)))
			for {
				select {
				case <-quit:
					return
				default:
				}
				r.step(id, rng, users[id], groups)
			}
		})
	}
	stopWriters := sync.OnceFunc(func() { close(quit); wg.Wait() })
	defer stopWriters()
	progress := func(what string, cond func() bool) {
		for {
			r.mu.Lock()
			ok, done := cond(), r.done
			r.mu.Unlock()
			if ok {
				return
			}
			if done >= most {
				stopWriters()
				t.Fatalf("%d commands ran and still not: %s", done, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	progress("the first commands", func() bool { return r.done >= before })
	// Twice: a graceful stop (the leader hands over first, as on SIGTERM),
	// then a kill (Raft halts mid-flight, as on a crash or SIGKILL).
	for _, round := range []struct {
		verb string
		down func(int)
	}{{"stopped", cluster.Stop}, {"killed", cluster.Kill}} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		leader, err := cluster.WaitLeader(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		round.down(leader)
		r.mu.Lock()
		r.stopped, r.acked = true, 0
		r.mu.Unlock()
		t.Logf("%s the leader, member %d", round.verb, leader)
		progress("writes acknowledged with the leader "+round.verb, func() bool { return r.acked >= ackedWhileDown })
		r.mu.Lock()
		r.stopped = false
		r.mu.Unlock()
		if err := cluster.Restart(leader); err != nil {
			t.Fatalf("restart member %d: %v", leader, err)
		}
		r.mu.Lock()
		mark := r.done
		r.mu.Unlock()
		t.Logf("restarted member %d", leader)
		progress("commands after the restart", func() bool { return r.done >= mark+after })
	}
	stopWriters()

	// The final state, read once everything has settled.
	final := map[[2]string]bool{}
	call := time.Now()
	for _, u := range []string{"only0", "only1", "shared"} {
		in, ok := r.memberships(u)
		if !ok {
			t.Fatalf("user show %s fails after the failover", u)
		}
		for _, g := range groups {
			final[[2]string{u, g}] = in[g]
		}
	}
	ret := time.Now()
	history := r.history
	for k, in := range final {
		history = append(history, etcdtest.Op{ClientID: 2, Call: call, Return: ret, Kind: etcdtest.Read, User: k[0], Group: k[1], Ok: true, Member: in})
	}

	// Every acknowledged write of a membership only one process wrote is
	// in the final state, unless a later write of unknown outcome may
	// have undone it.
	for id, u := range map[int]string{0: "only0", 1: "only1"} {
		for _, g := range groups {
			want, maybe := false, map[bool]bool{} // no write yet: not a member
			for _, op := range r.history {
				if op.ClientID != id || op.User != u || op.Group != g || op.Kind == etcdtest.Read {
					continue
				}
				effect := op.Kind == etcdtest.Join
				switch {
				case op.Ok:
					want, maybe = effect, map[bool]bool{}
				default:
					maybe[effect] = true
				}
			}
			if got := final[[2]string{u, g}]; got != want && !maybe[got] {
				t.Errorf("%s in %s: final member=%v, but the last acknowledged write left member=%v", u, g, got, want)
			}
		}
	}

	// No membership change was made twice: each pair has between its
	// acknowledged and its attempted joins and leaves in the audit trail.
	var events []struct {
		Name   string `json:"name"`
		Action string `json:"action"`
	}
	if err := json.Unmarshal([]byte(r.must("--json", "audit", "--entity", "membership")), &events); err != nil {
		t.Fatalf("audit --json: %v", err)
	}
	type count struct{ audited, acked, unknown int }
	counts := map[string]*count{}
	key := func(action, user, group string) string { return action + " " + user + " in " + group }
	for _, op := range r.history {
		if op.Kind == etcdtest.Read || (op.Kind == etcdtest.Leave && op.Ok && !op.Member) {
			continue
		}
		k := key(op.Kind.String(), op.User, op.Group)
		if counts[k] == nil {
			counts[k] = &count{}
		}
		if op.Ok {
			counts[k].acked++
		} else {
			counts[k].unknown++
		}
	}
	for _, e := range events {
		if c := counts[e.Action+" "+e.Name]; c != nil {
			c.audited++
		}
	}
	for k, c := range counts {
		if c.audited < c.acked || c.audited > c.acked+c.unknown {
			t.Errorf("%s: %d audit events for %d acknowledged and %d unknown calls", k, c.audited, c.acked, c.unknown)
		}
	}

	if out, errs, code := r.gatehouse("check"); code != 0 {
		t.Errorf("gatehouse check after the failover: exit %d\n%s%s", code, out, errs)
	}
	if ok, info := etcdtest.CheckMemberships(history); !ok {
		t.Errorf("the membership history is not linearizable:\n%s", info)
	} else {
		t.Log(info)
	}
	unknown := 0
	for _, op := range r.history {
		if !op.Ok {
			unknown++
		}
	}
	t.Logf("%d recorded operations, %d without a definite answer", len(r.history), unknown)
}
