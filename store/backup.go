package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/safefile"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the open file to path while it is in
// use: bbolt's Tx.WriteTo in one read transaction (writers go on; the copy
// is the file as of that transaction), into a temporary file beside path,
// synced, then verified by opening it read-only (schema, buckets, bbolt's
// page check) and only then renamed over path. A failed backup
// never replaces an earlier good one.
//
// A second process cannot open a file a running gatehouse holds (bbolt's
// lock), so a live file is backed up from inside the process that holds
// it: the console's Data file screen (locally, or over SSH from `gatehouse
// serve`), through Service.Backup; `gatehouse backup FILE` when nothing
// else has the file open.
func (db *DB) Backup(ctx context.Context, path string) error {
	return db.backup(ctx, path, false)
}

func (db *DB) backup(ctx context.Context, path string, noReplace bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup path %s: %w", path, err)
	}
	// the live file (by device and inode: on etcd the local mirror), a
	// directory, a device or a link is refused before the directory is made
	if err := safefile.CheckTarget(path, noReplace); err != nil {
		return err
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	// safefile: a temporary file beside the target, synced, verified, then
	// renamed over a regular file or nothing (never a device, FIFO or link)
	return safefile.WriteWith(abs, safefile.Options{
		Perm:      0o600,
		NoReplace: noReplace,
		Verify: func(tmp string) error {
			if err := VerifyFile(tmp); err != nil {
				return fmt.Errorf("the backup failed verification, %s was not written: %w", path, err)
			}
			return nil
		},
	}, func(w io.Writer) error {
		if err := db.bolt.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(w)
			return err
		}); err != nil {
			return fmt.Errorf("writing the backup: %w", err)
		}
		return nil
	})
}

// VerifyFile opens a gatehouse file read-only and checks it: a gatehouse
// schema this build reads, every bucket, and bbolt's page check.
// It never writes, and a damaged file gives an error, not a panic.
func VerifyFile(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s is damaged: %v", path, r)
		}
	}()
	if err := CheckPages(path); err != nil {
		return fmt.Errorf("%s is damaged: %w", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%s cannot be opened: %w", path, err)
	}
	defer func() { _ = b.Close() }() // opened read-only
	return b.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			return errors.New("not a gatehouse file (no meta bucket)")
		}
		if v := btoi(m.Get(keySchema)); v == 0 || v > SchemaVersion {
			return fmt.Errorf("schema version %d, this gatehouse reads up to %d", v, SchemaVersion)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %s is missing", name)
			}
		}
		// The file is opened read-only and nothing else writes it, which is
		// what bbolt's check needs in a read transaction. The data's own
		// invariants are `gatehouse check`'s business: a copy is as good as
		// its source, and a backup is most needed when that is not perfect.
		if fs := pageCheck(tx); len(fs) > 0 {
			return fmt.Errorf("%d damaged pages, the first: %s", len(fs), fs[0].Problem)
		}
		return nil
	})
}

// Backup implements domain.DataService for the superuser or the owner.
// A read-only session writes no file either.
func (s *session) Backup(ctx context.Context, path string) error {
	return s.backup(ctx, path, false)
}

// BackupToDataDir writes backups/gatehouse-YYYYMMDD-HHMMSS.db beside the
// data file, never over an existing file.
func (s *session) BackupToDataDir(ctx context.Context) (string, error) {
	path := filepath.Join(filepath.Dir(s.db.path), "backups", "gatehouse-"+s.db.now().UTC().Format("20060102-150405")+".db")
	return path, s.backup(ctx, path, true)
}

func (s *session) backup(ctx context.Context, path string, noReplace bool) error {
	if err := s.refuseWrite(); err != nil {
		return err
	}
	err := s.read(func(r *txn) error {
		if !r.acc.Superuser && r.actor.ID != metaID(r.tx, keyOwner) {
			return domain.Errorf(domain.EForbidden, "only a superuser or the owner account backs up the file")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.db.backup(ctx, path, noReplace)
}
