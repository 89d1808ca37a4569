package store

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Every write the store makes goes through kvPut, kvDel and kvSeq (a
// source-scan test refuses raw bucket writes). On a bbolt file they are the
// bucket's own calls. On etcd the same transaction runs against the local
// mirror and a recorder keeps what it wrote, so the writes can be sent to
// the cluster as one guarded Txn: the store's logic is written once.

// recording counts transactions being recorded, so the bbolt path skips the
// map lookup.
var recording atomic.Int32

// recorders maps a recorded *bolt.Tx to its recorder.
var recorders sync.Map

func recorderOf(tx *bolt.Tx) *recorder {
	if recording.Load() == 0 {
		return nil
	}
	r, _ := recorders.Load(tx)
	rec, _ := r.(*recorder)
	return rec
}

func kvPut(b *bolt.Bucket, k, v []byte) error {
	if err := b.Put(k, v); err != nil {
		return err
	}
	if r := recorderOf(b.Tx()); r != nil {
		return r.put(b, k, v)
	}
	return nil
}

func kvDel(b *bolt.Bucket, k []byte) error {
	if err := b.Delete(k); err != nil {
		return err
	}
	if r := recorderOf(b.Tx()); r != nil {
		return r.del(b, k)
	}
	return nil
}

func kvSeq(b *bolt.Bucket) (uint64, error) {
	n, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	if r := recorderOf(b.Tx()); r != nil {
		return n, r.seq(b, n)
	}
	return n, nil
}

func kvSetSeq(b *bolt.Bucket, n uint64) error {
	if err := b.SetSequence(n); err != nil {
		return err
	}
	if r := recorderOf(b.Tx()); r != nil {
		return r.seq(b, n)
	}
	return nil
}

// op is one recorded write: a put, a delete, or (drop) the removal of a
// whole bucket's keys before an import refills it.
type op struct {
	bucket string
	key    []byte
	val    []byte
	del    bool
	drop   bool
}

// recorder keeps the last write of every key of one transaction; a key
// written twice is sent once (etcd refuses a Txn naming a key twice).
type recorder struct {
	tx    *bolt.Tx
	names map[*bolt.Bucket]string
	ops   map[string]op
	drops []string
	seqs  map[string]uint64

	stopped bool
}

func newRecorder(tx *bolt.Tx) *recorder {
	r := &recorder{tx: tx, names: map[*bolt.Bucket]string{}, ops: map[string]op{}, seqs: map[string]uint64{}}
	r.learn()
	recorders.Store(tx, r)
	recording.Add(1)
	return r
}

// learn maps the transaction's bucket handles to their names; a writable
// bbolt transaction hands out the same *Bucket for a name every time.
func (r *recorder) learn() {
	for _, name := range allBuckets {
		if b := r.tx.Bucket(name); b != nil {
			r.names[b] = string(name)
		}
	}
}

func (r *recorder) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	recorders.Delete(r.tx)
	recording.Add(-1)
}

func (r *recorder) name(b *bolt.Bucket) (string, error) {
	if n, ok := r.names[b]; ok {
		return n, nil
	}
	r.learn() // a bucket made in this transaction (import all, mail)
	if n, ok := r.names[b]; ok {
		return n, nil
	}
	return "", errors.New("internal: a write to a bucket the store does not know")
}

func (r *recorder) put(b *bolt.Bucket, k, v []byte) error {
	n, err := r.name(b)
	if err != nil {
		return err
	}
	r.ops[n+"\x00"+string(k)] = op{bucket: n, key: bytes.Clone(k), val: append([]byte{}, v...)}
	return nil
}

func (r *recorder) del(b *bolt.Bucket, k []byte) error {
	n, err := r.name(b)
	if err != nil {
		return err
	}
	r.ops[n+"\x00"+string(k)] = op{bucket: n, key: bytes.Clone(k), del: true}
	return nil
}

func (r *recorder) seq(b *bolt.Bucket, v uint64) error {
	n, err := r.name(b)
	if err != nil {
		return err
	}
	r.seqs[n] = v
	return nil
}

// kvEmptyBucket removes every key of a bucket and its sequence (import all
// replaces the data): on bbolt the bucket is dropped and made again.
func kvEmptyBucket(tx *bolt.Tx, name []byte) error {
	if tx.Bucket(name) != nil {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	if _, err := tx.CreateBucket(name); err != nil {
		return err
	}
	if r := recorderOf(tx); r != nil {
		n := string(name)
		for k, o := range r.ops {
			if o.bucket == n {
				delete(r.ops, k)
			}
		}
		r.drops = append(r.drops, n)
		r.seqs[n] = 0
		r.learn()
	}
	return nil
}

// empty says the transaction wrote nothing.
func (r *recorder) empty() bool { return len(r.ops) == 0 && len(r.drops) == 0 && len(r.seqs) == 0 }
