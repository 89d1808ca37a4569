package safefile

import (
	"io/fs"
	"os"
	"sync"

	"gatehouse/domain"
)

// A live file is one this process holds open for its own use: the data
// file (whose bbolt lock is the file itself) or an etcd store's local
// mirror. No output path may replace it, however the path is spelled: a
// second name for the same file (a relative path, a symlinked directory, a
// bind mount, a hard link) is caught by comparing device and inode, not
// names. Files another process holds are caught by their lock (lockHeld).

// held is one live file.
type held struct {
	path, what string
	info       fs.FileInfo
}

var live struct {
	sync.Mutex
	files map[*held]struct{}
}

// Hold marks the file at path as live until release is called: every
// write of this package (Write, WriteNew, WriteWith, TempName, Place and
// CheckTarget) refuses it. what names it in the refusal ("the data file").
// A path that cannot be stat'ed holds nothing.
func Hold(path, what string) (release func()) {
	st, err := os.Stat(path)
	if err != nil {
		return func() {}
	}
	h := &held{path: path, what: what, info: st}
	live.Lock()
	if live.files == nil {
		live.files = map[*held]struct{}{}
	}
	live.files[h] = struct{}{}
	live.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			live.Lock()
			delete(live.files, h)
			live.Unlock()
		})
	}
}

// checkLive refuses path, whose Lstat is st (a regular file), when it is
// a live file of this process or one another process holds locked.
func checkLive(path string, st fs.FileInfo) error {
	live.Lock()
	var hit *held
	for h := range live.files {
		if os.SameFile(st, h.info) {
			hit = h
			break
		}
	}
	live.Unlock()
	if hit != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: it is %s this gatehouse has open (%s): name another file", path, hit.what, hit.path)
	}
	if lockHeld(path, st) {
		return domain.Errorf(domain.EInvalid, "cannot write %s: a running program holds it locked (a gatehouse holds its data file so): name another file", path)
	}
	return nil
}
