package safefile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

func fill(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// leftovers lists the hidden temporary files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteReplacesARegularFileWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safefile.Write(path, fill("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	// a failing fill leaves the earlier file and no temporary file
	boom := errors.New("boom")
	if err := safefile.Write(path, func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Errorf("fill error = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("a failed write changed the file: %q", b)
	}
	// a failed verification too
	err := safefile.WriteWith(path, safefile.Options{Verify: func(string) error { return boom }}, fill("bad"))
	if !errors.Is(err, boom) {
		t.Errorf("verify error = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("a failed verification changed the file: %q", b)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

func TestWriteNewNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	if err := safefile.WriteNew(path, fill("one")); err != nil {
		t.Fatal(err)
	}
	err := safefile.WriteNew(path, fill("two"))
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "file exists") {
		t.Errorf("second write = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

func TestPlaceMovesATempFileAndRefusesAnExistingName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	tmp, err := safefile.TempName(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmp) != dir {
		t.Errorf("temporary file %s is not beside %s", tmp, path)
	}
	if err := os.WriteFile(tmp, []byte("db"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := safefile.Place(tmp, path, true); err != nil {
		t.Fatal(err)
	}
	tmp2, _ := safefile.TempName(filepath.Join(dir, "other"), true)
	if err := safefile.Place(tmp2, path, true); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("placing over an existing file = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "db" {
		t.Errorf("content %q", b)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// A held file (the data file a gatehouse has open) is refused by device
// and inode, under any name: its own, one through a symlinked directory,
// a hard link; by
// Write, WriteNew, TempName and Place alike. Release lifts it.
func TestHeldFileIsNeverAnOutput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "g.db")
	if err := os.WriteFile(data, []byte("live"), 0o600); err != nil {
		t.Fatal(err)
	}
	release := safefile.Hold(data, "the data file")
	hard := filepath.Join(dir, "hard.db")
	if err := os.Link(data, hard); err != nil {
		t.Fatal(err)
	}
	via := filepath.Join(t.TempDir(), "via")
	if err := os.Symlink(dir, via); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	for _, path := range []string{data, filepath.Join(via, "g.db"), hard} {
		for name, err := range map[string]error{
			"Write":    safefile.Write(path, fill("csv")),
			"WriteNew": safefile.WriteNew(path, fill("csv")),
			"TempName": func() error { _, err := safefile.TempName(path, false); return err }(),
			"Place": func() error {
				tmp, err := safefile.TempName(filepath.Join(dir, "other"), false)
				if err != nil {
					return err
				}
				return safefile.Place(tmp, path, false)
			}(),
		} {
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "it is the data file this gatehouse has open ("+data+")") {
				t.Errorf("%s %s = %v", name, path, err)
			}
		}
		if b, _ := os.ReadFile(data); string(b) != "live" {
			t.Fatalf("the held file was written: %q", b)
		}
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
	release()
	release() // twice is harmless
	if err := safefile.Write(data, fill("free")); err != nil {
		t.Fatalf("after release: %v", err)
	}
}
