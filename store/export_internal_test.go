package store

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every bucket is exported, rebuilt from the records as an index, or the
// meta bucket: a bucket added without deciding which fails here, before an
// export silently loses it or a check misses its entries.
func TestEveryBucketIsExportedOrAnIndex(t *testing.T) {
	for _, b := range allBuckets {
		n := 0
		if bytes.Equal(b, bMeta) {
			n++
		}
		for _, e := range exportBuckets {
			if bytes.Equal(b, e.name) {
				n++
			}
		}
		for _, s := range indexSpecs {
			if bytes.Equal(b, s.bucket) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("bucket %s is classified %d times: add it to exportBuckets (store/export.go) or indexSpecs (store/check.go)", b, n)
		}
	}
	if !bytes.Equal(exportBuckets[len(exportBuckets)-1].name, bAudit) {
		t.Error("the audit trail must be the export's last section (see export.go)")
	}
}

// preOpenCheck passes a sound file and refuses a truncated one with a
// clear error, without bbolt ever mapping the missing pages.
func TestPreOpenCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := Open(path, Options{Owner: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := preOpenCheck(path, time.Second); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := binary.LittleEndian.Uint64(data[pageHeaderSize+40:])
	cut := filepath.Join(t.TempDir(), "cut.db")
	if err := os.WriteFile(cut, data[:pages/2*4096], 0o600); err != nil {
		t.Fatal(err)
	}
	err = preOpenCheck(cut, time.Second)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("truncated file: %v", err)
	}
}
