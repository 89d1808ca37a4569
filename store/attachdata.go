package store

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// An attachment's content is kept in chunks of attachChunk bytes under
// id|n (n a 4-byte big-endian index), never as one value: an etcd request
// is limited to 1.5 MiB by default and attachments may be 10 MiB. Exports
// carry one row per attachment whatever the chunking.
const attachChunk = 256 << 10

func attachKey(id uint64, n uint32) []byte {
	return binary.BigEndian.AppendUint32(itob(id), n)
}

// putAttachData stores content in chunks (one empty chunk for an empty file).
func putAttachData(tx *bolt.Tx, id uint64, data []byte) error {
	b := tx.Bucket(bAttachBin)
	for n := uint32(0); ; n++ {
		part := data[:min(len(data), attachChunk)]
		if err := kvPut(b, attachKey(id, n), part); err != nil {
			return err
		}
		data = data[len(part):]
		if len(data) == 0 {
			return nil
		}
	}
}

// attachData reassembles content; nil when there is none. A value under
// the bare id is the layout of schema 3 and earlier.
func attachData(tx *bolt.Tx, id uint64) []byte {
	b := tx.Bucket(bAttachBin)
	if v := b.Get(itob(id)); v != nil {
		return append([]byte{}, v...)
	}
	var out []byte
	p := itob(id)
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if len(k) == 12 {
			if out == nil {
				out = []byte{}
			}
			out = append(out, v...)
		}
	}
	return out
}

// hasAttachData says whether any content is stored for id.
func hasAttachData(tx *bolt.Tx, id uint64) bool {
	k, _ := tx.Bucket(bAttachBin).Cursor().Seek(itob(id))
	return k != nil && bytes.HasPrefix(k, itob(id))
}

// delAttachData removes every chunk of id.
func delAttachData(tx *bolt.Tx, id uint64) error {
	b := tx.Bucket(bAttachBin)
	var keys [][]byte
	p := itob(id)
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := kvDel(b, k); err != nil {
			return err
		}
	}
	return nil
}

// forEachAttachData calls fn once per attachment with its whole content,
// in id order (export).
func forEachAttachData(tx *bolt.Tx, fn func(id uint64, data []byte) error) error {
	c := tx.Bucket(bAttachBin).Cursor()
	var cur uint64
	var data []byte
	have := false
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) < 8 {
			continue
		}
		id := btoi(k[:8])
		if have && id != cur {
			if err := fn(cur, data); err != nil {
				return err
			}
			data = nil
		}
		cur, have = id, true
		data = append(data, v...)
	}
	if have {
		return fn(cur, data)
	}
	return nil
}

// migrate4 splits content stored under a bare id into chunks.
func migrate4(tx *bolt.Tx) error {
	b := tx.Bucket(bAttachBin)
	var ids []uint64
	if err := b.ForEach(func(k, _ []byte) error {
		if len(k) == 8 {
			ids = append(ids, btoi(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		data := attachData(tx, id)
		if err := kvDel(b, itob(id)); err != nil {
			return err
		}
		if err := putAttachData(tx, id, data); err != nil {
			return err
		}
	}
	return nil
}
