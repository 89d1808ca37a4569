package store_test

import (
	"bytes"
	"testing"

	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

// Content larger than one etcd request is stored in chunks and read back
// whole; on etcd the write is larger than one Txn may be, so it is staged
// and still all or nothing.
func TestAttachmentContentIsChunkedAndReadBackWhole(t *testing.T) {
	d := newDistrict(t)
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	a, err := d.admin.Attach(t.Context(), d.east, "scan.bin", data)
	must(t, err)
	_, got, err := d.admin.AttachmentData(t.Context(), d.east, a.ID)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want %d equal bytes", len(got), len(data))
	}
	empty, err := d.admin.Attach(t.Context(), d.east, "empty.txt", []byte{})
	must(t, err)
	if _, got, err := d.admin.AttachmentData(t.Context(), d.east, empty.ID); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
	rep, err := d.admin.Check(t.Context(), false)
	must(t, err)
	if !rep.Clean() {
		t.Fatalf("check: %+v", rep.Findings)
	}
	must(t, d.admin.DeleteAttachment(t.Context(), d.east, a.ID))
	if rep, err := d.admin.Check(t.Context(), false); err != nil || !rep.Clean() {
		t.Fatalf("check after delete: %v %+v", err, rep.Findings)
	}
}

// A schema 3 file keeps content under the bare id; opening it with schema
// 4 splits it into chunks and the content reads the same.
func TestSchema4MigrationChunksOldContent(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	data := bytes.Repeat([]byte("0123456789"), 70_000)
	a, err := d.admin.Attach(t.Context(), d.east, "old.bin", data)
	must(t, err)
	path := d.db.Path()
	must(t, d.db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("attachment_data"))
		var keys [][]byte
		_ = b.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		id := make([]byte, 8)
		id[7] = byte(a.ID)
		if err := b.Put(id, data); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 3})
	}))
	must(t, d.db.Close())
	db, err := store.Open(path, store.Options{Now: d.clk.now})
	must(t, err)
	defer db.Close()
	chunks := 0
	must(t, db.Bolt().View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("attachment_data")).ForEach(func(k, _ []byte) error {
			if len(k) != 12 {
				t.Errorf("key %x is not a chunk key", k)
			}
			chunks++
			return nil
		})
	}))
	if chunks != 3 {
		t.Errorf("%d chunks, want 3 of 256 KiB for 700 000 bytes", chunks)
	}
	_, got, err := as(t, db, "admin").AttachmentData(t.Context(), d.east, a.ID)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Fatal("content changed in the migration")
	}
}
