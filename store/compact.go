package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// CompactReport says what Compact did.
type CompactReport struct {
	Before, After int64 // file sizes in bytes
}

// Compact rewrites the file at path into a new, tight file and renames it
// into place: bbolt never returns freed pages to the filesystem, so a file
// that once held much more (a purge, a large import rolled back) stays
// large. It runs only while no gatehouse holds the file, holding bbolt's
// lock itself from the start until the rename; the new file is verified
// before it replaces the old one, and records its compaction as an audit
// event by the owner.
func Compact(path string) (CompactReport, error) {
	var rep CompactReport
	st, err := os.Stat(path)
	if err != nil {
		return rep, fmt.Errorf("cannot compact %s: %w", path, err)
	}
	rep.Before = st.Size()
	if err := preOpenCheck(path, time.Second); err != nil {
		return rep, err
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return rep, inUseError{fmt.Sprintf("%s is in use by another gatehouse: stop it (console or `gatehouse serve`) before compacting", path)}
	}
	if err != nil {
		return rep, fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer func() { _ = src.Close() }() // opened read-only
	if err := src.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) == nil {
			return fmt.Errorf("%s is not a gatehouse file; nothing was written", path)
		}
		return nil
	}); err != nil {
		return rep, err
	}
	tmp := path + ".compact-tmp"
	_ = os.Remove(tmp) // a leftover of an interrupted compaction, if any
	// the copy keeps Open's freelist setting, without its initial mapping
	// (bbolt grows a file in larger steps once its mapping is large)
	dstOpts := boltOptions(time.Second)
	dstOpts.InitialMmapSize = 0
	dst, err := bolt.Open(tmp, 0o600, dstOpts)
	if err != nil {
		return rep, fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	fail := func(err error) (CompactReport, error) {
		_ = dst.Close()    // cleanup on a path that already reports its error
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return rep, err
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		return fail(fmt.Errorf("compacting %s: %w", path, err))
	}
	if err := dst.Update(func(tx *bolt.Tx) error {
		owner, _ := getUser(tx, metaID(tx, keyOwner))
		seq, err := kvSeq(tx.Bucket(bAudit))
		if err != nil {
			return err
		}
		ev := domain.AuditEvent{ID: seq, At: time.Now(), Actor: owner.ID, ActorName: owner.Username, Entity: "file",
			Name: path, Action: "compact", Before: fmt.Sprintf("%d bytes", rep.Before)}
		return kvPut(tx.Bucket(bAudit), itob(seq), encAudit(&ev))
	}); err != nil {
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return rep, err
	}
	if err := VerifyFile(tmp); err != nil {
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return rep, fmt.Errorf("the compacted copy does not verify, %s is unchanged: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return rep, fmt.Errorf("cannot put the compacted file in place: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		rep.After = st.Size()
	}
	return rep, nil
}
