package store_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/store"
)

// Opening a truncated file or one with damaged pages gives a clear error,
// never a panic, and writes nothing. bbolt can panic on a goroutine of its
// own, which no recover reaches, so each open runs in a child process.
func TestOpenDamagedFilesGivesAClearError(t *testing.T) {
	if path := os.Getenv("GATEHOUSE_TEST_OPEN"); path != "" {
		_, err := store.Open(path, store.Options{Owner: "x"})
		fmt.Printf("open: %v\n", err)
		return
	}
	truncated, flipped := damagedFiles(t)
	for _, path := range []string{truncated, flipped} {
		before, _ := os.ReadFile(path)
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpenDamagedFilesGivesAClearError$")
		cmd.Env = append(os.Environ(), "GATEHOUSE_TEST_OPEN="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: the process died: %v\n%s", filepath.Base(path), err, firstLines(string(out), 6))
			continue
		}
		if !strings.Contains(string(out), "open: ") || !strings.Contains(string(out), "damaged") || !strings.Contains(string(out), filepath.Base(path)) {
			t.Errorf("%s: unclear error: %s", filepath.Base(path), out)
		}
		if after, _ := os.ReadFile(path); string(before) != string(after) {
			t.Errorf("%s was written", filepath.Base(path))
		}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
