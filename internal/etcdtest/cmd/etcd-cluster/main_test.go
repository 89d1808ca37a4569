package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// syncBuffer is a bytes.Buffer the test reads while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

var storeURL = regexp.MustCompile(`gatehouse --store etcd://(\S+) --demo`)

func TestRunPrintsAWorkingStoreURLAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"-port", "0", "-no-fsync"}, &out, &errb) }()
	var m []string
	for m == nil {
		select {
		case code := <-exit:
			t.Fatalf("run exited %d before printing the URL: %s %s", code, out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		m = storeURL.FindStringSubmatch(out.String())
	}
	eps := strings.Split(m[1], ",")
	if len(eps) != 3 {
		t.Fatalf("URL endpoints = %v, want 3\n%s", eps, out.String())
	}
	dir := regexp.MustCompile(`data in (\S+) \(removed at exit\)`).FindStringSubmatch(out.String())
	if dir == nil {
		t.Fatalf("no data directory line:\n%s", out.String())
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Close() }()
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = cl.Put(pctx, "gatehouse/probe", "1")
	pcancel()
	if err != nil {
		t.Fatalf("put through the printed endpoints: %v", err)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d after ctrl+c: %s", code, errb.String())
	}
	if _, err := os.Stat(dir[1]); !os.IsNotExist(err) {
		t.Errorf("temporary data dir %s left behind (%v)", dir[1], err)
	}
}

func TestPortsFollowEtcdsProcfileLayout(t *testing.T) {
	got, err := ports(3, 2379)
	if err != nil || !slices.Equal(got, []int{2379, 22379, 32379}) {
		t.Errorf("ports(3, 2379) = %v, %v", got, err)
	}
	if got, err := ports(3, 0); err != nil || got != nil {
		t.Errorf("ports(3, 0) = %v, %v; want free ports (nil)", got, err)
	}
	if _, err := ports(7, 2379); err == nil || !strings.Contains(err.Error(), "member 6") {
		t.Errorf("ports(7, 2379) = %v, want member 6 beyond 65535", err)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-n", "0"}, {"-n", "9"}, {"-port", "-1"}, {"-port", "60000"}, {"extra"}, {"-bogus"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
}
