// Package benchdb is the data file the scale benchmarks run on. Only
// _test files import it, so it stays out of the gatehouse binary.
package benchdb

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"gatehouse/internal/demo"
	"gatehouse/store"
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
	dbOnce    sync.Once
	benchDB   *store.DB
	dbErr     error
)

// File is the data file the scale benchmarks of every package run on:
// GATEHOUSE_BENCH_DB (scripts/bench.sh makes the 100k-user, 1M-ticket one)
// or, when it is unset, a small district generated once per process into a
// temporary directory, so CI runs the benchmarks quickly and they cannot rot.
func File() (string, error) {
	benchOnce.Do(func() {
		if benchPath = os.Getenv("GATEHOUSE_BENCH_DB"); benchPath != "" {
			return
		}
		dir, err := os.MkdirTemp("", "gatehouse-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "bench.db")
		db, err := store.Open(benchPath, store.Options{Owner: "admin"})
		if err != nil {
			benchErr = err
			return
		}
		_, benchErr = demo.Generate(db, demo.GenOptions{Users: 2000, Tickets: 20000, Seed: 1})
		if cerr := db.Close(); benchErr == nil {
			benchErr = cerr
		}
	})
	return benchPath, benchErr
}

// DB is File opened once per process, shared by a package's
// benchmarks (a second Open of the same file would wait for the lock).
//
// GATEHOUSE_BENCH_STORE=etcd://… runs the same benchmarks on an etcd
// store instead (scripts/bench.sh's etcd column); an empty prefix gets the
// small district first.
func DB() (*store.DB, error) {
	dbOnce.Do(func() {
		if u := os.Getenv("GATEHOUSE_BENCH_STORE"); u != "" {
			empty, err := store.EtcdEmpty(u)
			if err != nil {
				dbErr = err
				return
			}
			if benchDB, dbErr = store.OpenEtcd(u, store.Options{Owner: "admin"}); dbErr == nil && empty {
				_, dbErr = demo.Generate(benchDB, demo.GenOptions{Users: 2000, Tickets: 20000, Seed: 1})
			}
			return
		}
		path, err := File()
		if err != nil {
			dbErr = err
			return
		}
		benchDB, dbErr = store.Open(path, store.Options{Timeout: 5 * time.Second})
	})
	return benchDB, dbErr
}

// Close closes the shared DB (BenchmarkOpen measures opening it);
// the next DB opens it again.
func Close() error {
	var err error
	if benchDB != nil {
		err = benchDB.Close()
	}
	benchDB, dbErr, dbOnce = nil, nil, sync.Once{}
	return err
}
