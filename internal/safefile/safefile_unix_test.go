//go:build unix

package safefile_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gatehouse/internal/safefile"
)

// TestWriteRefusesAnythingButARegularFile: a FIFO (what /dev/null-like
// devices stand for here: the test never touches /dev), a symlink to a file
// outside the directory, a directory and a socket are neither written into
// nor replaced.
func TestWriteRefusesAnythingButARegularFile(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{"fifo": fifo, "symlink": link, "directory": sub}
	if l, err := net.Listen("unix", filepath.Join(dir, "sock")); err == nil {
		defer l.Close()
		targets["socket"] = filepath.Join(dir, "sock")
	}
	for name, path := range targets {
		before, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, write := range []func(string, func(io.Writer) error) error{safefile.Write, safefile.WriteNew} {
			err := write(path, fill("data"))
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v, want a refusal naming the path", name, err)
			}
			after, lerr := os.Lstat(path)
			if lerr != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
				t.Errorf("%s: the path was replaced (%v)", name, lerr)
			}
		}
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}
