// Package store implements domain.Service on one bbolt file: one read-write
// transaction per action with its audit event, secondary indexes read by
// prefix, change events after commit. Authorization is enforced here, on the
// acting user, so no adapter can skip it.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/safefile"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this build reads and writes. Version 2 added
// the ticket team and visible-to indexes, per-status ticket counts, and
// search text in the username index; version 3 the guards (R17), access
// requests (R18) and reviews (R19) buckets, which the migration's bucket
// loop creates; version 4 keeps attachment content in chunks (etcd's
// request limit); version 5 the records' versions and the revs bucket of
// their field versions (older builds would write records without moving
// their versions on, so they must refuse the file).
const SchemaVersion = 5

// Options configure Open.
type Options struct {
	Owner   string           // owner account created on first open; default the OS user
	Now     func() time.Time // clock; default time.Now
	Timeout time.Duration    // file-lock wait; default 1s
}

// ErrInUse is what opening a data file held by another gatehouse process
// (a console, a CLI command, `gatehouse serve`) matches with errors.Is; the
// message says what to do.
var ErrInUse = errors.New("the data file is in use by another gatehouse")

// inUseError carries the message for one path and matches ErrInUse.
type inUseError struct{ msg string }

func (e inUseError) Error() string        { return e.msg }
func (e inUseError) Is(target error) bool { return target == ErrInUse }

// initialMmapSize is bbolt's first mapping of the file; a writer that grows
// the file past it remaps, waiting for every open read transaction. A
// variable so a test can make that happen often.
var initialMmapSize = 64 << 20

// DB is an open gatehouse file.
type DB struct {
	bolt  *bolt.DB
	path  string
	now   func() time.Time
	owner string

	remote *etcdStore // nil for a bbolt file; then bolt is the mirror
	hooks  writeHooks // set by tests only
	// release ends the file's hold (safefile.Hold): while the store is
	// open no output file of this process replaces it
	release func()

	mu   sync.Mutex
	subs map[int]chan domain.Change
	next int
}

// DefaultPath is $GATEHOUSE_DB, else $XDG_DATA_HOME/gatehouse/gatehouse.db,
// else ~/.local/share/gatehouse/gatehouse.db.
func DefaultPath() (string, error) {
	if p := os.Getenv("GATEHOUSE_DB"); p != "" {
		return p, nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "gatehouse", "gatehouse.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a home directory for the default data file: %w (use --db PATH)", err)
	}
	return filepath.Join(home, ".local", "share", "gatehouse", "gatehouse.db"), nil
}

// Open opens or creates the file at path. A file held by another process,
// a foreign or damaged file, or one of a newer schema gives a clear error
// and is not written.
func Open(path string, opts Options) (db *DB, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data directory: %w", err)
	}
	fresh := false
	if st, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		fresh = true
	} else if err == nil && st.Size() == 0 {
		fresh = true
	}
	// bbolt can panic on a corrupt page: recover around open and the first
	// reads, and turn a fault on a page outside the mapping (which would
	// otherwise end the process) into a panic recovered here as well.
	var b *bolt.DB
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if b != nil {
				_ = b.Close() // already failing: the damage is the error to report
			}
			err = fmt.Errorf("%s is damaged or not a gatehouse file (%v); nothing was written", path, r)
			db = nil
		}
	}()
	if !fresh {
		if err := guardOpen(path, opts.Timeout); err != nil {
			return nil, err
		}
	}
	b, err = bolt.Open(path, 0o600, boltOptions(opts.Timeout))
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, inUseError{fmt.Sprintf("%s is in use by another gatehouse (a console, a CLI command or `gatehouse serve`); close it, or connect to the server with ssh", path)}
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("cannot open %s: permission denied", path)
		}
		if !fresh {
			return nil, fmt.Errorf("%s is not a gatehouse file or is damaged (%v); nothing was written", path, err)
		}
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	db = &DB{bolt: b, path: path, now: opts.Now, subs: map[int]chan domain.Change{}}
	if err := db.checkSchema(fresh); err != nil {
		_ = b.Close() // cleanup on a path that already reports its error
		return nil, err
	}
	if err := db.ready(fresh, opts.Owner); err != nil {
		_ = b.Close() // cleanup on a path that already reports its error
		return nil, err
	}
	db.release = safefile.Hold(path, "the data file")
	return db, nil
}

// ready brings an opened store (a file, or the mirror of an etcd prefix)
// into use: a new one is seeded, an older schema migrated, the owner read
// and expiries swept.
func (db *DB) ready(fresh bool, owner string) error {
	if fresh {
		if err := db.seed(ownerName(owner)); err != nil {
			return fmt.Errorf("cannot seed %s: %w", db.path, err)
		}
	}
	if err := db.migrate(); err != nil {
		return err
	}
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		u, err := getUser(tx, metaID(tx, keyOwner))
		db.owner = u.Username
		return err
	}); err != nil {
		return fmt.Errorf("%s has no owner account: %w (run `gatehouse check --repair`)", db.path, err)
	}
	_, err := db.Sweep(context.Background()) // opening takes no context
	return err
}

// boltOptions are the bbolt settings of every Open.
//
// The freelist is synced (NoFreelistSync false): every commit writes the
// list of free pages, so opening reads that list instead of walking every
// page to rebuild it. On the 100k-user, 1M-ticket file an unsynced
// freelist made every process start walk ~350k pages (0.9 s and 525 MB
// RSS per CLI command), while syncing it costs each commit one more page
// write of a list that stays short; README's performance table has both
// measurements. The hashmap freelist allocates runs of pages in O(1).
func boltOptions(timeout time.Duration) *bolt.Options {
	return &bolt.Options{
		Timeout:         timeout,
		NoFreelistSync:  false,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 64 << 20,
	}
}

func ownerName(s string) string {
	if s == "" {
		if u, err := user.Current(); err == nil {
			s = u.Username
		} else {
			s = os.Getenv("USER")
		}
	}
	s = strings.ToLower(strings.Map(func(r rune) rune {
		if r == '\\' || r == ' ' {
			return '.'
		}
		return r
	}, s))
	if domain.ValidateUsername(s) != nil {
		s = "owner"
	}
	return s
}

// checkSchema refuses foreign files and newer schemas before any write.
func (db *DB) checkSchema(fresh bool) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			empty := true
			if err := tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil }); err != nil {
				return err
			}
			if fresh || empty {
				return nil
			}
			return fmt.Errorf("%s is a bbolt file but not a gatehouse file; nothing was written", db.path)
		}
		v := m.Get(keySchema)
		if len(v) != 8 {
			return fmt.Errorf("%s has no schema version: not a gatehouse file or damaged; nothing was written", db.path)
		}
		if n := btoi(v); n > SchemaVersion {
			return fmt.Errorf("%s has schema version %d, newer than this gatehouse (%d): upgrade gatehouse; nothing was written", db.path, n, SchemaVersion)
		}
		return nil
	})
}

// migrate runs every migration from the file's version to SchemaVersion in
// one transaction.
func (db *DB) migrate() error {
	current := false
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		current = btoi(tx.Bucket(bMeta).Get(keySchema)) == SchemaVersion
		// a bucket added within a schema version (the mail settings) is
		// made on the first open that lacks it
		for _, b := range allBuckets {
			current = current && tx.Bucket(b) != nil
		}
		return nil
	}); err != nil {
		return err
	}
	if current {
		return nil // an empty write would still rewrite bbolt's meta page
	}
	return db.update(context.Background(), noChanges(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		v := btoi(m.Get(keySchema))
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if v < 2 {
			if err := migrate2(tx); err != nil {
				return fmt.Errorf("migrating %s to schema 2: %w", db.path, err)
			}
		}
		if v < 4 {
			if err := migrate4(tx); err != nil {
				return fmt.Errorf("migrating %s to schema 4: %w", db.path, err)
			}
		}
		if v < 3 {
			// the access journal (as-of, diff) covers what happens from now
			if err := setHistoryFrom(tx, db.now()); err != nil {
				return err
			}
		}
		return kvPut(m, keySchema, itob(SchemaVersion))
	}))
}

// update runs fn in one write transaction and publishes the changes it
// returns once they are committed. On etcd fn runs against the local
// mirror and may run again after a conflict, like bbolt's Batch. ctx is
// looked at before the transaction begins and again after fn, before the
// commit: a write cancelled by then rolls back and returns ctx.Err().
func (db *DB) update(ctx context.Context, fn func(tx *bolt.Tx) ([]domain.Change, error)) error {
	if err := ctx.Err(); err != nil {
		return err // nothing was begun, nothing is written
	}
	if db.remote != nil {
		return db.remote.update(ctx, fn)
	}
	var changes []domain.Change
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		if changes, err = fn(tx); err != nil {
			return err
		}
		if h := db.hooks.beforeCommit; h != nil {
			h()
		}
		return ctx.Err() // cancelled meanwhile: rolled back
	})
	if err == nil {
		db.publish(changes)
	}
	return err
}

// writeHooks let a test act at points of a write that no API reaches
// (cancel its context there, lose an answer); hooks_test.go sets them.
type writeHooks struct {
	beforeCommit func()            // fn ran; the commit (bbolt) or the Txn (etcd) is next
	beforeSend   func()            // etcd: the guarded Txn goes out next
	afterSend    func(error) error // etcd: the guarded Txn's error, replaced by the result
}

// noChanges adapts a write that no screen needs to hear about.
func noChanges(fn func(tx *bolt.Tx) error) func(tx *bolt.Tx) ([]domain.Change, error) {
	return func(tx *bolt.Tx) ([]domain.Change, error) { return nil, fn(tx) }
}

// Close closes the file.
func (db *DB) Close() error {
	db.mu.Lock()
	for id, c := range db.subs {
		close(c)
		delete(db.subs, id)
	}
	db.mu.Unlock()
	if db.release != nil {
		db.release()
	}
	if db.remote != nil {
		rerr := db.remote.close()
		err := db.bolt.Close()
		if db.remote.temp {
			_ = os.Remove(db.remote.file) // only this process could use it
		}
		return errors.Join(rerr, err)
	}
	return db.bolt.Close()
}

// Path is the file's path.
func (db *DB) Path() string { return db.path }

// Owner is the owner account's username.
func (db *DB) Owner() string { return db.owner }

// Bolt exposes the bbolt handle to store-level tools (backup, check, bench).
func (db *DB) Bolt() *bolt.DB { return db.bolt }

// Subscribe implements domain.ChangeFeed.
func (db *DB) Subscribe() (<-chan domain.Change, func()) {
	db.mu.Lock()
	defer db.mu.Unlock()
	id := db.next
	db.next++
	c := make(chan domain.Change, 64)
	db.subs[id] = c
	return c, func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		if c, ok := db.subs[id]; ok {
			close(c)
			delete(db.subs, id)
		}
	}
}

// publish runs after commit; a full subscriber misses the change rather than
// blocking the writer (screens reload on any change).
func (db *DB) publish(cs []domain.Change) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, c := range cs {
		for _, s := range db.subs {
			select {
			case s <- c:
			default:
			}
		}
	}
}
