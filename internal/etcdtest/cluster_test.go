package etcdtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// put writes key=val, retrying while the cluster elects a leader: a Put that
// fails with the old leader gone is retried until the deadline, so the test
// asserts that writes succeed again, not how fast.
func put(t *testing.T, cl *clientv3.Client, key, val string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := cl.Put(pctx, key, val)
		pcancel()
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, cl *clientv3.Client, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := cl.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if len(r.Kvs) != 1 {
		return ""
	}
	return string(r.Kvs[0].Value)
}

func TestClusterStartsWithALeaderAndServesEveryEndpoint(t *testing.T) {
	c := StartT(t, 3)
	eps := c.Endpoints()
	if len(eps) != 3 || c.Members() != 3 {
		t.Fatalf("endpoints = %v", eps)
	}
	if want := "etcd://" + strings.Join(eps, ",") + "/gatehouse"; c.URL("gatehouse") != want || c.URL("/gatehouse/") != want {
		t.Errorf("URL = %q, want %q", c.URL("gatehouse"), want)
	}
	if u := c.URL(""); strings.Count(u, "/") != 2 {
		t.Errorf("URL without prefix = %q", u)
	}
	if l := c.Leader(); l < 0 || l > 2 {
		t.Fatalf("leader = %d after Start", l)
	}
	put(t, c.Client(), "k", "v")
	// every member answers for itself (a serializable read is served
	// locally), so each one has the write, not just the one asked
	for _, ep := range eps {
		cl, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var r *clientv3.GetResponse
		for {
			r, err = cl.Get(ctx, "k", clientv3.WithSerializable())
			if err != nil || len(r.Kvs) == 1 || ctx.Err() != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		_ = cl.Close()
		if err != nil || len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "v" {
			t.Errorf("member %s: get k = %v, %v", ep, r, err)
		}
	}
}

func TestClusterSurvivesStoppingAndRestartingTheLeader(t *testing.T) {
	c := StartT(t, 3)
	cl := c.Client()
	put(t, cl, "before", "1")
	old := c.Leader()
	c.Stop(old)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l == old {
		t.Fatalf("the stopped member %d is still the leader", old)
	}
	for i := range 5 {
		put(t, cl, fmt.Sprintf("during/%d", i), "2")
	}
	if err := c.Restart(old); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(old); err == nil {
		t.Error("restarting a running member succeeded")
	}
	put(t, cl, "after", "3")
	// the restarted member caught up from its own data and the new
	// leader's log: asked alone, it has every write
	one, err := clientv3.New(clientv3.Config{Endpoints: []string{c.Endpoints()[old]}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = one.Close() }()
	for _, k := range []string{"before", "during/4", "after"} {
		if v := get(t, one, k); v == "" {
			t.Errorf("restarted member %d lacks %s", old, k)
		}
	}
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCloseStopsEveryMemberAndRemovesTheData(t *testing.T) {
	c, err := Start(Options{Members: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir, ep := c.Dir(), c.Endpoints()[0]
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data dir: %v", err)
	}
	c.Close()
	c.Close() // twice is harmless
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data dir %s still there after Close (%v)", dir, err)
	}
	if c.Client() != nil {
		t.Error("Client after Close is not nil")
	}
	if err := c.Restart(0); err == nil {
		t.Error("Restart after Close succeeded")
	}
	// nothing listens on the client port any more
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := cl.Get(ctx, "k"); err == nil {
		t.Errorf("a closed cluster still answers on %s", ep)
	}
}

func TestStartRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{Members: -1}, {Members: 3, ClientPorts: []int{1, 2}}, {Members: 1, PeerPorts: []int{1, 2}}} {
		if c, err := Start(o); err == nil {
			c.Close()
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

func TestAGivenDirIsKeptAndResumed(t *testing.T) {
	dir := t.TempDir()
	ports, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	// the dev cluster's way: fixed ports, so the stored membership matches
	o := Options{Members: 1, Dir: dir, ClientPorts: ports[:1], PeerPorts: ports[1:]}
	c, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	put(t, c.Client(), "kept", "yes")
	c.Close()
	c2, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if v := get(t, c2.Client(), "kept"); v != "yes" {
		t.Errorf("after a new start on the same dir, kept = %q", v)
	}
}

func TestClusterSurvivesKillingTheLeader(t *testing.T) {
	c := StartT(t, 3)
	cl := c.Client()
	put(t, cl, "before", "1")
	old := c.Leader()
	c.Kill(old)
	c.Kill(old) // a dead member stays dead
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l == old {
		t.Fatalf("the killed member %d is still the leader", old)
	}
	put(t, cl, "during", "2")
	if err := c.Restart(old); err != nil {
		t.Fatal(err)
	}
	one, err := clientv3.New(clientv3.Config{Endpoints: []string{c.Endpoints()[old]}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = one.Close() }()
	if v := get(t, one, "during"); v != "2" {
		t.Errorf("the restarted member %d has during = %q", old, v)
	}
}
