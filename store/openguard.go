package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

const (
	freelistPageFlag = 0x10
	freelistPgidSize = 8
)

// errUnsynced says a file has no freelist page: it was last written by a
// gatehouse that did not sync bbolt's freelist (NoFreelistSync).
var errUnsynced = fmt.Errorf("the file has no synced freelist")

// quickCheck is the damage guard Open runs on every existing file. It
// reads the meta pages and the freelist page, whatever the file's size:
// the file must be as long as the pages its meta page counts (a truncated
// file would fault, SIGBUS, beyond any recover when bbolt touches a page
// past its end) and every free page id must lie inside the file and not
// be the freelist itself (bbolt would hand a bad id to the next write and
// overwrite a live page or grow the file by garbage). Damage elsewhere is
// found by bbolt's reads, which Open recovers from, and by
// `gatehouse check`. A file without a synced freelist gives errUnsynced:
// bbolt would rebuild that freelist by walking every page on a goroutine
// of its own, so Open walks them first (CheckPages), once.
func quickCheck(path string) error {
	f, m, err := openMeta(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // opened for reading only
	if m.freelist == noFreelist {
		return errUnsynced
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return fmt.Errorf("the freelist page %d is outside the file's %d pages", m.freelist, m.pgid)
	}
	ps := int64(m.pageSize)
	head := make([]byte, ps)
	if _, err := f.ReadAt(head, int64(m.freelist)*ps); err != nil {
		return fmt.Errorf("freelist page %d: %w", m.freelist, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(head); got != m.freelist {
		return fmt.Errorf("freelist page %d says it is page %d", m.freelist, got)
	}
	if flags := le.Uint16(head[8:]); flags&freelistPageFlag == 0 {
		return fmt.Errorf("page %d is not a freelist page (flags %#x)", m.freelist, flags)
	}
	over := uint64(le.Uint32(head[12:]))
	if m.freelist+over >= m.pgid {
		return fmt.Errorf("the freelist page %d runs %d pages past the end of the file", m.freelist, over)
	}
	buf := head
	if over > 0 {
		buf = make([]byte, int64(over+1)*ps)
		if _, err := f.ReadAt(buf, int64(m.freelist)*ps); err != nil {
			return fmt.Errorf("freelist page %d: %w", m.freelist, err)
		}
	}
	idx, count := 0, uint64(le.Uint16(buf[10:]))
	if count == 0xFFFF {
		idx, count = 1, le.Uint64(buf[pageHeaderSize:])
	}
	if count > uint64(len(buf)-pageHeaderSize)/freelistPgidSize-uint64(idx) {
		return fmt.Errorf("the freelist's %d page ids do not fit in its %d pages", count, over+1)
	}
	ids := buf[pageHeaderSize+idx*freelistPgidSize:]
	for i := range count {
		id := le.Uint64(ids[i*freelistPgidSize:])
		if id < 2 || id >= m.pgid || (id >= m.freelist && id <= m.freelist+over) {
			return fmt.Errorf("the freelist names page %d, which is outside the file's %d pages or is the freelist", id, m.pgid)
		}
	}
	return nil
}

// guardOpen is the check Open runs before bolt.Open on an existing file:
// quickCheck, or for a file without a synced freelist the full walk
// (preOpenCheck), after which bbolt writes the freelist and later opens
// are quick again.
func guardOpen(path string, timeout time.Duration) error {
	unsynced := false
	err := checkUnlocked(path, timeout, func() error {
		err := quickCheck(path)
		if err == errUnsynced {
			unsynced = true
			return nil
		}
		return err
	})
	if err != nil || !unsynced {
		return err
	}
	return preOpenCheck(path, timeout)
}
