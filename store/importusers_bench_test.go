package store_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

// usersCSV is an import file of n users without passwords, each in Users.
func usersCSV(n int) string {
	var b strings.Builder
	b.WriteString(importHeader + ",Phone\n")
	for i := range n {
		fmt.Fprintf(&b, "First%d,Last%d,user%d@example.org,user%06d,,Users,555-%04d\n", i, i, i, i, i%10000)
	}
	return b.String()
}

// BenchmarkImport10k parses and imports 10,000 users without passwords into
// a new file: one transaction with every record, index entry, private team,
// membership and audit event (DESIGN budget: < 2 s, at least half the speed
// of raw bbolt puts of the same bytes; see BenchmarkImport10kRawPuts).
func BenchmarkImport10k(b *testing.B) {
	in := usersCSV(10_000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "g.db"), store.Options{Owner: "admin"})
		must(b, err)
		s := as(b, db, "admin")
		b.StartTimer()
		imp, err := domain.ParseUsersCSV(strings.NewReader(in), time.UTC)
		must(b, err)
		rep, err := s.ImportUsers(b.Context(), imp, domain.ImportOptions{Source: "bench.csv"})
		must(b, err)
		b.StopTimer()
		if len(rep.Created) != 10_000 {
			b.Fatalf("created %d", len(rep.Created))
		}
		db.Close()
		b.StartTimer()
	}
}

type pair struct{ bucket, k, v []byte }

// importedBytes is every key and value the 10k import adds to a new file,
// bucket by bucket in key order.
func importedBytes(b *testing.B) ([][]byte, []pair) {
	db, err := store.Open(filepath.Join(b.TempDir(), "g.db"), store.Options{Owner: "admin"})
	must(b, err)
	defer db.Close()
	snapshot := func() map[string][]byte {
		out := map[string][]byte{}
		must(b, db.Bolt().View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
				return bk.ForEach(func(k, v []byte) error {
					out[string(name)+"\x00"+string(k)] = bytes.Clone(v)
					return nil
				})
			})
		}))
		return out
	}
	seed := snapshot()
	imp, err := domain.ParseUsersCSV(strings.NewReader(usersCSV(10_000)), time.UTC)
	must(b, err)
	_, err = as(b, db, "admin").ImportUsers(b.Context(), imp, domain.ImportOptions{Source: "bench.csv"})
	must(b, err)
	var buckets [][]byte
	var pairs []pair
	must(b, db.Bolt().View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			buckets = append(buckets, bytes.Clone(name))
			return bk.ForEach(func(k, v []byte) error {
				if old, ok := seed[string(name)+"\x00"+string(k)]; !ok || !bytes.Equal(old, v) {
					pairs = append(pairs, pair{bytes.Clone(name), bytes.Clone(k), bytes.Clone(v)})
				}
				return nil
			})
		})
	}))
	return buckets, pairs
}

// BenchmarkImport10kRawPuts writes exactly the keys and values the 10k
// import adds, with plain bbolt puts in one transaction, in key order (the
// fastest order), on a file opened with the store's options: the floor the
// import is measured against.
func BenchmarkImport10kRawPuts(b *testing.B) {
	buckets, pairs := importedBytes(b)
	n := 0
	for _, p := range pairs {
		n += len(p.k) + len(p.v)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{NoFreelistSync: true,
			FreelistType: bolt.FreelistMapType, InitialMmapSize: 64 << 20})
		must(b, err)
		must(b, db.Update(func(tx *bolt.Tx) error {
			for _, name := range buckets {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
			return nil
		}))
		b.StartTimer()
		must(b, db.Update(func(tx *bolt.Tx) error {
			for _, p := range pairs {
				if err := tx.Bucket(p.bucket).Put(p.k, p.v); err != nil {
					return err
				}
			}
			return nil
		}))
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(pairs)), "puts/op")
	b.ReportMetric(float64(n), "bytes/op")
}
