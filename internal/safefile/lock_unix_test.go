//go:build unix && !solaris && !aix && !android

package safefile_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

// A file another program holds locked (another gatehouse's data file: bbolt
// flocks the file itself) is refused though this process does not hold
// it; once the lock is gone it may be replaced.
func TestLockedFileIsNeverAnOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Skipf("no flock here: %v", err)
	}
	err = safefile.Write(path, fill("csv"))
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "holds it locked") {
		t.Errorf("Write over a locked file = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Fatalf("the locked file was written: %q", b)
	}
	// the probe took no lock of its own and left the holder's in place
	g, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := syscall.Flock(int(g.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Fatal("the holder's lock is gone after the probe")
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := safefile.Write(path, fill("csv")); err != nil {
		t.Fatalf("after the lock is gone: %v", err)
	}
}
