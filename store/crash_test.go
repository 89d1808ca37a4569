package store_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// copyFile copies a closed data file for another run.
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	must(t, err)
	defer in.Close()
	out, err := os.Create(to)
	must(t, err)
	_, err = io.Copy(out, in)
	must(t, err)
	// on disk before anyone times a write: otherwise the first commit's
	// fsync flushes the whole copy (1.7 GB for the scale file)
	must(t, out.Sync())
	must(t, out.Close())
}

// A `gatehouse import users` killed with SIGKILL at any point leaves a file
// that opens, passes check, and holds none or all of the rows: the import
// is one bbolt transaction, and bbolt commits by writing a new meta page
// after the data pages are synced. The real binary is built and killed at
// points spread over a run's length, through the commit at its end.
func TestCrashDuringImportLeavesNoneOrAll(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gatehouse binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", bin, "gatehouse")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 10_000
	csv := filepath.Join(dir, "users.csv")
	must(t, os.WriteFile(csv, []byte(usersCSV(n)), 0o600))
	seed := filepath.Join(dir, "seed.db")
	db, err := store.Open(seed, store.Options{Owner: "admin"})
	must(t, err)
	must(t, db.Close())

	// run imports into path and kills the process after kill, or, when
	// onWrite, as soon as the file starts to grow: in the middle of the
	// commit writing its pages.
	run := func(path string, kill time.Duration, onWrite bool) (killed bool) {
		st, err := os.Stat(path)
		must(t, err)
		size := st.Size()
		cmd := exec.Command(bin, "--db", path, "import", "users", csv)
		cmd.Env = append(os.Environ(), "GATEHOUSE_DB=")
		must(t, cmd.Start())
		if kill > 0 {
			timer := time.AfterFunc(kill, func() { cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		if onWrite {
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if st, err := os.Stat(path); err == nil && st.Size() != size {
						cmd.Process.Signal(syscall.SIGKILL)
						return
					}
					time.Sleep(200 * time.Microsecond)
				}
			}()
		}
		err = cmd.Wait()
		if err == nil {
			return false
		}
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true
			}
		}
		t.Fatalf("the import failed: %v", err)
		return false
	}
	users := func(path string) int {
		db, err := store.Open(path, store.Options{})
		must(t, err)
		defer db.Close()
		rep, err := db.Check(t.Context(), false)
		must(t, err)
		if !rep.Clean() {
			t.Fatalf("%s does not check clean:\n%s", filepath.Base(path), findings(rep))
		}
		page, err := as(t, db, "admin").Users(t.Context(), domain.UserQuery{Limit: 1})
		must(t, err)
		return page.Total - 1 // the owner
	}

	whole := filepath.Join(dir, "whole.db")
	copyFile(t, seed, whole)
	start := time.Now()
	run(whole, 0, false)
	took := time.Since(start)
	if got := users(whole); got != n {
		t.Fatalf("an uninterrupted import holds %d users", got)
	}
	outcomes := map[string]int{}
	// fractions of a run; 0 is "when the commit starts writing"
	for i, f := range []float64{0.3, 0.7, 1.0, 0, 0} {
		path := filepath.Join(dir, "killed"+string(rune('a'+i))+".db")
		copyFile(t, seed, path)
		killed := run(path, time.Duration(f*float64(took)), f == 0)
		switch got := users(path); {
		case got == 0 && killed:
			outcomes["none (killed)"]++
		case got == n && killed:
			outcomes["all (killed after commit)"]++
		case got == n:
			outcomes["all (finished first)"]++
		default:
			t.Fatalf("killed at %.0f%% of a run: %d of %d users", f*100, got, n)
		}
	}
	t.Logf("a run takes %v; outcomes: %v", took.Round(time.Millisecond), outcomes)
	if outcomes["none (killed)"] == 0 {
		t.Fatalf("no kill landed before the commit: %v", outcomes)
	}
}
