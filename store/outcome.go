package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A write on etcd is one guarded Txn. Until it is sent, a cancelled
// context stops it with nothing written; once it is sent, only the
// cluster's answer says whether it applied. When that answer is lost (the
// caller's context ended, etcd did not answer within etcdWait, the
// connection broke) the write returns an *OutcomeUnknownError with the
// write id its guard record carries, and WriteOutcome tells later whether
// it landed. A bbolt write commits or fails before it returns.

// ErrOutcomeUnknown is matched (errors.Is) by the error of a write that was
// sent to etcd and whose outcome is unknown.
var ErrOutcomeUnknown = errors.New("the write's outcome is unknown")

// OutcomeUnknownError is a write sent to etcd whose answer never came: it
// may have been applied or not. WriteOutcome(WriteID) tells which.
type OutcomeUnknownError struct {
	WriteID string // carried in the write's guard record if it landed
	Store   string // the store's etcd:// URL
	Cause   string // why no answer came
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("the write was sent to etcd but its outcome is unknown (write id %s; %s): "+
		"check with `gatehouse --store %s outcome %s` before doing it again", e.WriteID, e.Cause, e.Store, e.WriteID)
}

// Is makes errors.Is(err, ErrOutcomeUnknown) hold.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// OutcomeUnknown returns the write id: the command line finds this error
// by the method (errors.As to an interface) without importing the store.
func (e *OutcomeUnknownError) OutcomeUnknown() string { return e.WriteID }

// newWriteID names one attempt of a write: the guard revision it was
// based on (its Txn can only apply as the next write after it), then a
// random part.
func newWriteID(base int64) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported systems
	return strconv.FormatInt(base, 10) + "-" + hex.EncodeToString(b[:])
}

// parseWriteID returns the base revision of a write id.
func parseWriteID(id string) (int64, bool) {
	at, rnd, ok := strings.Cut(id, "-")
	base, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || base < 0 || len(rnd) != 16 {
		return 0, false
	}
	if _, err := hex.DecodeString(rnd); err != nil {
		return 0, false
	}
	return base, true
}

// guardRecord is P/rev's value: the write's id and its change events for
// other sites. Writes of older builds put the bare JSON array of changes.
type guardRecord struct {
	ID      string          `json:"id"`
	Changes []domain.Change `json:"changes"`
}

// encodeGuard makes a write's guard value; a bulk action over thousands of
// records keeps one change per kind (screens reload on any change).
func encodeGuard(id string, changes []domain.Change) ([]byte, error) {
	b, err := json.Marshal(guardRecord{ID: id, Changes: changes})
	if err == nil && len(b) > etcdMaxChanges {
		b, err = json.Marshal(guardRecord{ID: id, Changes: coarse(changes)})
	}
	return b, err
}

// decodeGuard reads a guard value of either form; ok is false for one
// that is neither (nothing to publish, no id).
func decodeGuard(v []byte) (id string, changes []domain.Change, ok bool) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		return "", changes, json.Unmarshal(v, &changes) == nil
	}
	var g guardRecord
	if json.Unmarshal(v, &g) != nil {
		return "", nil, false
	}
	return g.ID, g.Changes, true
}

// WriteOutcome says whether the write an *OutcomeUnknownError named
// landed. On etcd it first makes the answer final: if nothing was
// committed since the state the write was based on, it moves the guard
// on (an empty write), so the lost Txn, perhaps still on its way, can
// never apply; otherwise it catches the mirror up with the latest write
// and looks the id up among the writes it applied. A bbolt file never
// leaves an outcome unknown: there it is an error.
func (db *DB) WriteOutcome(ctx context.Context, id string) (landed bool, err error) {
	if db.remote == nil {
		return false, domain.Errorf(domain.EInvalid, "%s is a bbolt file: its writes commit or fail before they return, so none has an unknown outcome (write ids belong to etcd stores)", db.path)
	}
	return db.remote.writeOutcome(ctx, id)
}

func (e *etcdStore) writeOutcome(ctx context.Context, id string) (bool, error) {
	base, ok := parseWriteID(id)
	if !ok {
		return false, domain.Errorf(domain.EInvalid, "%q is not a write id (an \"outcome unknown\" error names one, such as 1742-9f3a1c2b7d4e5f60)", domain.PrintableLine(id, 60))
	}
	fence, err := encodeGuard(newWriteID(base), nil)
	if err != nil {
		return false, err
	}
	var resp *clientv3.TxnResponse
	err = e.call(ctx, func(ctx context.Context) (err error) {
		resp, err = e.cli.Txn(ctx).If(e.guardCmp(base)).
			Then(clientv3.OpPut(e.revKey(), string(fence))).
			Else(clientv3.OpGet(e.revKey())).Commit()
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, fmt.Errorf("cannot tell whether write %s landed: %w", id, etcdError(e.db.path, err))
	}
	if resp.Succeeded {
		// nothing committed after the write's base, so it did not land,
		// and with the guard moved on it never will
		return false, nil
	}
	latest := conflictRev(resp)
	if err := e.waitFor(ctx, latest, false); err != nil {
		return false, err
	}
	found, from := false, int64(0)
	err = e.db.bolt.View(func(tx *bolt.Tx) error {
		from = int64(btoi(tx.Bucket(bMirror).Get(keyMirrorWritesFrom)))
		b := tx.Bucket(bWrites)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			if len(v) > 8 && string(v[8:]) == id {
				found = true
				return errStop
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, err
	}
	switch {
	case found:
		return true, nil
	case base >= from:
		// every write after base is in the mirror's record, and the
		// guard moved on without this one: it was refused or never arrived
		return false, nil
	}
	return false, domain.Errorf(domain.EConflict, "cannot tell whether write %s landed: this gatehouse's record of writes starts after it (revision %d; the write was based on %d). Look for it in the audit trail", id, from, base)
}
