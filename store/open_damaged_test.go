package store_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

// Opening a truncated file or one with damaged pages gives a clear error,
// never a panic, and writes nothing. bbolt can panic on a goroutine of its
// own, which no recover reaches, so each open runs in a child process.
func TestOpenDamagedFilesGivesAClearError(t *testing.T) {
	bboltOnly(t)
	if path := os.Getenv("GATEHOUSE_TEST_OPEN"); path != "" {
		_, err := store.Open(path, store.Options{Owner: "x"})
		fmt.Printf("open: %v\n", err)
		return
	}
	truncated, flipped := damagedFiles(t)
	for _, path := range []string{truncated, flipped, flippedData(t, flipped), badFreelist(t, flipped)} {
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

// currentMeta returns the newer meta page's freelist page id and page count.
func currentMeta(b []byte) (freelist, pages uint64) {
	le := binary.LittleEndian
	best := uint64(0)
	for _, off := range []int{0, 4096} {
		m := b[off+16:]
		if txid := le.Uint64(m[48:]); txid >= best {
			best, freelist, pages = txid, le.Uint64(m[32:]), le.Uint64(m[40:])
		}
	}
	return freelist, pages
}

// flippedData is a copy of a file from damagedFiles' flipped one with its
// freelist page restored: only data pages are damaged, which Open does not
// check ahead (it would have to read every page) but must still refuse
// cleanly when bbolt's first reads meet them.
func flippedData(t *testing.T, flipped string) string {
	bad, err := os.ReadFile(flipped)
	must(t, err)
	fl, pages := currentMeta(bad) // undo the flip of the freelist page alone
	if fl >= pages {
		t.Fatalf("the file has no freelist page (%d of %d pages)", fl, pages)
	}
	for i := int(fl)*4096 + 16; i < int(fl)*4096+16+64; i++ {
		bad[i] ^= 0xA5
	}
	path := filepath.Join(t.TempDir(), "flipped-data.db")
	must(t, os.WriteFile(path, bad, 0o600))
	return path
}

// badFreelist is a copy of flipped's file, undamaged but for its freelist
// naming a page past the end of the file: bbolt would hand that page to
// the next write.
func badFreelist(t *testing.T, flipped string) string {
	b, err := os.ReadFile(flipped)
	must(t, err)
	for p := 2; p*4096 < len(b); p++ { // undo the flips
		for i := p*4096 + 16; i < p*4096+16+64 && i < len(b); i++ {
			b[i] ^= 0xA5
		}
	}
	fl, pages := currentMeta(b)
	if fl >= pages {
		t.Fatalf("the file has no freelist page (%d of %d pages)", fl, pages)
	}
	off := int(fl) * 4096
	binary.LittleEndian.PutUint16(b[off+10:], 1)
	binary.LittleEndian.PutUint64(b[off+16:], pages+5)
	path := filepath.Join(t.TempDir(), "bad-freelist.db")
	must(t, os.WriteFile(path, b, 0o600))
	return path
}

// A file last written without a synced freelist (older builds) is walked
// once and then carries its freelist, so later opens read a page or two
// instead of walking the whole file.
func TestOpenSyncsTheFreelistOfAnOlderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := store.Open(path, store.Options{Owner: "admin"})
	must(t, err)
	must(t, db.Close())
	// rewrite it as an older build did: bbolt drops the freelist page at
	// the first commit with NoFreelistSync
	old, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	must(t, err)
	must(t, old.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("x-test"), []byte("1")) }))
	must(t, old.Close())
	b, _ := os.ReadFile(path)
	if fl, _ := currentMeta(b); fl != ^uint64(0) {
		t.Fatalf("the older layout still has a freelist page %d", fl)
	}
	db, err = store.Open(path, store.Options{Owner: "admin"})
	must(t, err)
	must(t, db.Close())
	b, _ = os.ReadFile(path)
	if fl, pages := currentMeta(b); fl == ^uint64(0) || fl >= pages {
		t.Fatalf("after Open the freelist page is %d of %d pages", fl, pages)
	}
}
