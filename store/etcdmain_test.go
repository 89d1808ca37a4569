package store_test

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// etcdURL is set while the suite runs against etcd (GATEHOUSE_ETCD_TESTS=1).
var etcdURL string

var prefixes atomic.Int64

// storeURL gives each test its own prefix of the cluster.
func storeURL() string {
	return fmt.Sprintf("%s/t%d", etcdURL, prefixes.Add(1))
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startCluster(n int) (string, func(), error) {
	dir, err := os.MkdirTemp("", "gatehouse-etcd-*")
	if err != nil {
		return "", nil, err
	}
	type ports struct{ client, peer int }
	ps := make([]ports, n)
	var initial []string
	for i := range ps {
		ps[i] = ports{freePort(), freePort()}
		initial = append(initial, fmt.Sprintf("m%d=http://127.0.0.1:%d", i, ps[i].peer))
	}
	var es []*embed.Etcd
	stop := func() {
		for _, e := range es {
			e.Close()
		}
		os.RemoveAll(dir)
	}
	var hosts []string
	for i, p := range ps {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = fmt.Sprintf("%s/m%d", dir, i)
		cu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", p.client))
		pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", p.peer))
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
		cfg.InitialCluster = strings.Join(initial, ",")
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.UnsafeNoFsync = true
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			stop()
			return "", nil, err
		}
		es = append(es, e)
		hosts = append(hosts, fmt.Sprintf("127.0.0.1:%d", p.client))
	}
	for _, e := range es {
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(30 * time.Second):
			stop()
			return "", nil, fmt.Errorf("etcd did not start")
		}
	}
	return "etcd://" + strings.Join(hosts, ","), stop, nil
}

// TestMain runs the suite on bbolt, and again on a 3-member etcd cluster
// when GATEHOUSE_ETCD_TESTS=1 (CI sets it); tests that open files by path
// or reach into bbolt stay bbolt-only.
// GATEHOUSE_ETCD_TESTS=only runs the etcd pass alone.
func TestMain(m *testing.M) {
	mode := os.Getenv("GATEHOUSE_ETCD_TESTS")
	code := 0
	if mode != "only" {
		code = m.Run()
	}
	if code != 0 || (mode != "1" && mode != "only") {
		os.Exit(code)
	}
	cache, err := os.MkdirTemp("", "gatehouse-cache-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(cache)
	os.Setenv("XDG_CACHE_HOME", cache) // the mirrors' cache
	u, stop, err := startCluster(3)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start etcd:", err)
		os.Exit(1)
	}
	etcdURL = u
	fmt.Println("== the same suite on a 3-member etcd cluster", u)
	code = m.Run()
	stop()
	os.Exit(code)
}

// A process that closes leaves its mirror in the cache; the next one
// resumes from its revision (no full read) and catches up with what other
// processes wrote meanwhile, including a staged write and a deletion.
func TestEtcdMirrorResumesFromItsCache(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass (GATEHOUSE_ETCD_TESTS=1)")
	}
	u := storeURL()
	opts := store.Options{Owner: "admin"}
	a, err := store.OpenEtcd(u, opts)
	must(t, err)
	admin := as(t, a, "admin")
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "Before"}, false)
	must(t, err)
	must(t, a.Close())

	b, err := store.OpenEtcd(u, opts) // resumes the cache a left
	must(t, err)
	c, err := store.OpenEtcd(u, opts) // the cache is held: a temporary mirror, read whole
	must(t, err)
	must(t, b.Close()) // the cache stays at this revision
	other := as(t, c, "admin")
	_, err = other.CreateGroup(t.Context(), domain.Group{Name: "Meanwhile"}, false)
	must(t, err)
	must(t, other.DeleteGroup(t.Context(), "Before"))
	_, err = other.CreateBuilding(t.Context(), domain.Building{Code: "BIG", Name: "Big"})
	must(t, err)
	must(t, c.Close())

	d, err := store.OpenEtcd(u, opts)
	must(t, err)
	defer d.Close()
	gs, err := as(t, d, "admin").Groups(t.Context(), "")
	must(t, err)
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	got := strings.Join(names, ",")
	if !strings.Contains(got, "Meanwhile") || strings.Contains(got, "Before") {
		t.Fatalf("the resumed mirror holds %s", got)
	}
	if _, err := as(t, d, "admin").Building(t.Context(), "BIG"); err != nil {
		t.Fatal(err)
	}
}

// A mirror whose revision the cluster has compacted away cannot resume:
// the watch says so, and the mirror reads the prefix again.
func TestEtcdMirrorReloadsAfterCompaction(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass (GATEHOUSE_ETCD_TESTS=1)")
	}
	u := storeURL()
	opts := store.Options{Owner: "admin"}
	a, err := store.OpenEtcd(u, opts)
	must(t, err)
	b, err := store.OpenEtcd(u, opts) // a temporary mirror: a holds the cache
	must(t, err)
	must(t, a.Close()) // leaves its cache at this revision
	_, err = as(t, b, "admin").CreateGroup(t.Context(), domain.Group{Name: "Compacted Away"}, false)
	must(t, err)
	_, err = as(t, b, "admin").CreateGroup(t.Context(), domain.Group{Name: "After Compaction"}, false)
	must(t, err)
	must(t, b.Close())
	endpoints, _, err := store.ParseStoreURL(u)
	must(t, err)
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	must(t, err)
	defer cli.Close()
	resp, err := cli.Get(t.Context(), "compact-probe")
	must(t, err)
	_, err = cli.Compact(t.Context(), resp.Header.Revision, clientv3.WithCompactPhysical())
	must(t, err)

	c, err := store.OpenEtcd(u, opts)
	must(t, err)
	defer c.Close()
	if _, err := as(t, c, "admin").Group(t.Context(), "After Compaction"); err != nil {
		t.Fatalf("after the compaction the mirror misses a write: %v", err)
	}
}
