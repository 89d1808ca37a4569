package store

import (
	"bytes"
	"testing"

	"gatehouse/domain"
)

// A staged write's chunks decode to the same operations in the same order,
// whatever their sizes: puts (also of empty values), deletes, a bucket
// drop and a sequence; an op larger than a chunk gets a chunk of its own.
func TestStagedChunksRoundTrip(t *testing.T) {
	ops := []op{
		{bucket: "users", drop: true},
		{bucket: "users", val: []byte{0, 0, 0, 0, 0, 0, 0, 7}},
		{bucket: "users", key: []byte{0, 0, 0, 0, 0, 0, 0, 1}, val: []byte(`{"a":1}`)},
		{bucket: "idx_user_name", key: []byte("ada"), val: []byte{}},
		{bucket: "members", key: []byte("x/y"), del: true},
		{bucket: "attachment_data", key: []byte("big"), val: bytes.Repeat([]byte{9}, etcdChunk+10)},
		{bucket: "audit", key: []byte{1}, val: []byte("last")},
	}
	chunks := encodeChunks(ops)
	if len(chunks) < 3 {
		t.Fatalf("%d chunks: the large op should stand alone", len(chunks))
	}
	var got []op
	for _, c := range chunks {
		o, err := decodeOps(c)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o...)
	}
	if len(got) != len(ops) {
		t.Fatalf("%d ops back, want %d", len(got), len(ops))
	}
	for i := range ops {
		w, g := ops[i], got[i]
		if w.bucket != g.bucket || w.del != g.del || w.drop != g.drop || !bytes.Equal(w.key, g.key) || !bytes.Equal(w.val, g.val) ||
			(w.key == nil) != (g.key == nil) {
			t.Errorf("op %d: got %+v, want %+v", i, g, w)
		}
	}
	if _, err := decodeOps([]byte{'p', 200}); err == nil {
		t.Error("a truncated chunk decoded")
	}
}

// A bulk action's thousands of change events travel as one per kind.
func TestCoarseChangesKeepOnePerKind(t *testing.T) {
	var cs []domain.Change
	for i := range 5000 {
		cs = append(cs, domain.Change{Entity: "ticket", ID: domain.ID(i), Action: "delete"})
	}
	cs = append(cs, domain.Change{Entity: "audit", Action: "add"})
	got := coarse(cs)
	if len(got) != 2 || got[0].Entity != "ticket" || got[1].Entity != "audit" {
		t.Fatalf("coarse: %+v", got)
	}
}
