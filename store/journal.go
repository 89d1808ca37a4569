package store

import (
	"bytes"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The access journal keeps, for every change to a record that decides
// effective access (users, memberships, groups, buildings), the record as
// it was before the change and when the change happened. `access as-of T`
// starts from the current records and undoes, newest first, every change
// after T: exact for any T since the journal began (meta history_from),
// with no snapshot to keep. Password hashes are not journaled.

// journaled are the buckets whose changes the journal keeps.
var journaled = [][]byte{bUsers, bMembers, bGroups, bBuildings}

func isJournaled(bucket []byte) bool {
	for _, b := range journaled {
		if bytes.Equal(b, bucket) {
			return true
		}
	}
	return false
}

// journalEntry is one change: the record under Key of Bucket before it.
type journalEntry struct {
	At     time.Time `json:"at"`
	Bucket string    `json:"bucket"`
	Key    []byte    `json:"key"`
	Before []byte    `json:"before,omitempty"` // nil: the record did not exist
}

// txClock holds the time of each open write transaction that journals:
// bbolt runs one writer at a time, and the low-level record writers get
// only the transaction. A transaction not registered journals with the
// wall clock; one registered as off (bulk generation) journals nothing.
var txClock sync.Map // *bolt.Tx → txTime

type txTime struct {
	at  time.Time
	off bool
}

// journalAt makes tx journal its changes at at until the returned func.
func journalAt(tx *bolt.Tx, at time.Time) func() {
	txClock.Store(tx, txTime{at: at})
	return func() { txClock.Delete(tx) }
}

// journalOff stops tx journaling; the caller then moves history_from.
func journalOff(tx *bolt.Tx) func() {
	txClock.Store(tx, txTime{off: true})
	return func() { txClock.Delete(tx) }
}

var keyHistoryFrom = []byte("history_from")

// logBefore journals the record under k of bucket as it is now, before
// the caller changes or deletes it.
func logBefore(tx *bolt.Tx, bucket, k []byte) error {
	at := time.Now()
	if v, ok := txClock.Load(tx); ok {
		t := v.(txTime)
		if t.off {
			return nil
		}
		at = t.at
	}
	prev := tx.Bucket(bucket).Get(k)
	if prev != nil && bytes.Equal(bucket, bUsers) {
		var rec userRecord
		if err := decJSON(prev, &rec); err != nil {
			return damaged("user", string(k), err)
		}
		b, err := encJSON(rec.User) // no password hash in the journal
		if err != nil {
			return err
		}
		prev = b
	}
	seq, err := kvSeq(tx.Bucket(bJournal))
	if err != nil {
		return err
	}
	e, err := encJSON(journalEntry{At: at, Bucket: string(bucket), Key: bytes.Clone(k), Before: bytes.Clone(prev)})
	if err != nil {
		return err
	}
	return kvPut(tx.Bucket(bJournal), itob(seq), e)
}

// jput and jdel write a journaled bucket with the journal entry first.
func jput(tx *bolt.Tx, bucket, k, v []byte) error {
	if err := logBefore(tx, bucket, k); err != nil {
		return err
	}
	return kvPut(tx.Bucket(bucket), k, v)
}

func jdel(tx *bolt.Tx, bucket, k []byte) error {
	if tx.Bucket(bucket).Get(k) == nil {
		return nil
	}
	if err := logBefore(tx, bucket, k); err != nil {
		return err
	}
	return kvDel(tx.Bucket(bucket), k)
}

// setHistoryFrom records when the journal became complete.
func setHistoryFrom(tx *bolt.Tx, at time.Time) error {
	return kvPut(tx.Bucket(bMeta), keyHistoryFrom, itob(uint64(at.UnixNano())))
}

func historyFrom(tx *bolt.Tx) time.Time {
	v := tx.Bucket(bMeta).Get(keyHistoryFrom)
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(btoi(v)))
}
