package etcdtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CloseShared()
	os.Exit(code)
}

func prefixOf(url string) string { return url[strings.LastIndex(url, "/")+1:] }

func TestSharedClusterGivesEachTestItsOwnPrefix(t *testing.T) {
	c, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Shared(); err != nil || again != c {
		t.Fatalf("a second Shared is another cluster (%v)", err)
	}
	var first, second string
	t.Run("a/b c", func(t *testing.T) {
		first = prefixOf(c.TestURL(t))
		if strings.ContainsAny(first, "/ ") {
			t.Errorf("prefix %q has a slash or space", first)
		}
		put(t, c.Client(), first+"/k", "v")
		put(t, c.Client(), first+"/l", "v")
	})
	t.Run("a", func(t *testing.T) {
		second = prefixOf(c.TestURL(t))
	})
	if first == second || strings.HasPrefix(first, second) || strings.HasPrefix(second, first) {
		t.Errorf("prefixes %q and %q overlap", first, second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.Client().Get(ctx, first, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || r.Count != 0 {
		t.Errorf("after the subtest, %v keys are left under %s (%v)", r, first, err)
	}
}
