package ssh

import (
	"os"
	"path/filepath"
	"testing"

	"gatehouse/store"
)

// Generating the host key never changes the mode of a directory that
// exists: a data file in a shared 0755 directory leaves it 0755 (the key
// library gatehouse used chmodded it to 0700). The key is a file of its
// own, 0600; a directory gatehouse has to create for it is 0700.
func TestHostKeyLeavesTheDirectoryAlone(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	db := must(store.Open(filepath.Join(shared, "gatehouse.db"), store.Options{Owner: "owner"}))
	t.Cleanup(func() { db.Close() })
	srv := must(New(Config{Store: db, Listen: "127.0.0.1:0"}))
	if st := must(os.Stat(shared)); st.Mode().Perm() != 0o755 {
		t.Errorf("the data file's directory became %04o, want 0755", st.Mode().Perm())
	}
	if st := must(os.Stat(srv.HostKeyPath())); st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}

	// a directory given for the key that does not exist yet is created 0700;
	// the one above it, which exists, keeps its mode
	key := filepath.Join(shared, "keys", "host")
	must(New(Config{Store: db, Listen: "127.0.0.1:0", HostKeyPath: key}))
	if st := must(os.Stat(filepath.Dir(key))); st.Mode().Perm() != 0o700 {
		t.Errorf("the key's new directory is %04o, want 0700", st.Mode().Perm())
	}
	if st := must(os.Stat(shared)); st.Mode().Perm() != 0o755 {
		t.Errorf("the data file's directory became %04o, want 0755", st.Mode().Perm())
	}
	if st := must(os.Stat(key)); st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}
}
