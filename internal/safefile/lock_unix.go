//go:build unix && !solaris && !aix && !android

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// lockHeld reports whether another open file holds a flock on the regular
// file at path (st is its Lstat): a gatehouse holding its data file (bbolt
// locks the file itself), in this process or another. The probe takes no
// lock it keeps; a file it cannot open or lock for another reason (no read
// permission, a file system without flock) counts as not held. bbolt
// locks with flock on these systems, whose locks belong to the open file:
// closing the probe never drops another descriptor's lock (fcntl's
// would, which is why lock_other.go has no probe).
func lockHeld(path string, st fs.FileInfo) bool {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // opened for the probe only
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		return false // not the file that was checked: the rename checks again
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) // closing unlocks as well
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
