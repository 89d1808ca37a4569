package store_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/etcdtest"
	"gatehouse/store"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcdURL is set while the suite runs its etcd pass.
var etcdURL string

var prefixes atomic.Int64

// storeURL gives each test its own prefix of the cluster.
func storeURL() string {
	return fmt.Sprintf("%s/t%d", etcdURL, prefixes.Add(1))
}

// flagSet says a testing flag has a value (-bench, -fuzz).
func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != ""
}

// TestMain runs the suite on bbolt, then again on a 3-member etcd cluster
// started in-process: one conformance suite, two backends. Tests of the
// bbolt file itself (bboltOnly) are skipped on the second pass.
// GATEHOUSE_ETCD_TESTS=0 keeps a local run to bbolt, =only runs the etcd
// pass alone, =1 runs both even for benchmarks and fuzzing (which
// otherwise stay on bbolt, so bench.sh's figures are bbolt's).
func TestMain(m *testing.M) {
	flag.Parse()
	mode := os.Getenv("GATEHOUSE_ETCD_TESTS")
	if mode == "" && (flagSet("test.bench") || flagSet("test.fuzz")) {
		mode = "0"
	}
	code := 0
	if mode != "only" {
		code = m.Run()
	}
	if code != 0 || mode == "0" {
		os.Exit(code)
	}
	cache, err := os.MkdirTemp("", "gatehouse-cache-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(cache)
	if err := os.Setenv("XDG_CACHE_HOME", cache); err != nil { // the mirrors' cache
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c, err := etcdtest.Start(etcdtest.Options{Members: 3})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start etcd:", err)
		os.Exit(1)
	}
	etcdURL = c.URL("")
	fmt.Println("== the same suite on a 3-member etcd cluster", etcdURL)
	code = m.Run()
	c.Close()
	os.Exit(code)
}

// A process that closes leaves its mirror in the cache; the next one
// resumes from its revision (no full read) and catches up with what other
// processes wrote meanwhile, including a staged write and a deletion.
func TestEtcdMirrorResumesFromItsCache(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
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
		t.Skip("runs on the etcd pass")
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

// BenchmarkEtcdRawPut is one plain etcd Put on the benchmark cluster
// (GATEHOUSE_BENCH_STORE): one Raft round trip plus the members' fsync,
// the floor a gatehouse write on etcd is measured against.
func BenchmarkEtcdRawPut(b *testing.B) {
	u := os.Getenv("GATEHOUSE_BENCH_STORE")
	if u == "" {
		b.Skip("needs GATEHOUSE_BENCH_STORE=etcd://…")
	}
	endpoints, prefix, err := store.ParseStoreURL(u)
	must(b, err)
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	must(b, err)
	defer cli.Close()
	key := prefix + "-rawput"
	for b.Loop() {
		if _, err := cli.Put(b.Context(), key, "x"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cli.Delete(b.Context(), key); err != nil {
		b.Fatal(err)
	}
}

// Chunks a writer left when it stopped before its commit record (a killed
// import) are removed by a later staged write once they are an hour old;
// younger ones, which may belong to a write still uploading, stay.
func TestEtcdStaleStagedChunksAreSwept(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	d := newDistrict(t)
	endpoints, prefix, err := store.ParseStoreURL(d.db.Path())
	must(t, err)
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	must(t, err)
	defer cli.Close()
	old := fmt.Sprintf("%s/stage/%d-dead/000000", prefix, time.Now().Add(-2*time.Hour).Unix())
	young := fmt.Sprintf("%s/stage/%d-busy/000000", prefix, time.Now().Unix())
	for _, k := range []string{old, young} {
		_, err := cli.Put(t.Context(), k, "p")
		must(t, err)
	}
	// the mirror learns of them from the watch; a large attachment is a
	// staged write
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := d.admin.Attach(t.Context(), d.east, "big.bin", make([]byte, 2<<20))
		must(t, err)
		resp, err := cli.Get(t.Context(), old)
		must(t, err)
		if len(resp.Kvs) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for k, want := range map[string]int{old: 0, young: 1} {
		resp, err := cli.Get(t.Context(), k)
		must(t, err)
		if len(resp.Kvs) != want {
			t.Errorf("%s: %d keys, want %d", k, len(resp.Kvs), want)
		}
	}
}
