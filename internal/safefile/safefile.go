// Package safefile writes output files (exports, backups, reports, saved
// attachments, demo files) so that a file appears under its name only when
// complete, and nothing but a regular file is ever replaced.
//
// The content goes to a temporary file beside the target (the same
// directory, so the final rename stays on one file system), is synced, and
// then takes the name: by rename over a regular file or nothing, or — for
// callers that never overwrite — by a hard link that fails when anything
// holds the name. A device, FIFO, socket, directory or symlink at the path
// is refused before anything is written, so `export --out /dev/null` run as
// root cannot turn /dev/null into a regular file, and a symlink planted at
// the path cannot redirect the write elsewhere. A live file (the data file
// a gatehouse has open, which is also its lock, or an etcd store's local
// mirror) is refused by device and inode, whatever name the path gives it
// (live.go). A process killed midway
// leaves only a hidden .NAME.tmp-* file, never a partial file under NAME.
package safefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gatehouse/domain"
)

// Options adjust WriteWith.
type Options struct {
	// Perm is the new file's mode; 0 means 0o600 (exports and reports carry
	// people's details, so only their owner reads them by default).
	Perm os.FileMode
	// NoReplace refuses a path where anything exists: a new file only.
	NoReplace bool
	// Verify checks the complete, synced temporary file before it takes
	// the name; an error leaves the target untouched.
	Verify func(tmpPath string) error
}

// Write writes path through fill, replacing a regular file if one is there.
func Write(path string, fill func(io.Writer) error) error {
	return WriteWith(path, Options{}, fill)
}

// WriteNew writes path through fill; it fails when anything exists at path.
func WriteNew(path string, fill func(io.Writer) error) error {
	return WriteWith(path, Options{NoReplace: true}, fill)
}

// WriteWith writes path through fill as the package comment describes.
func WriteWith(path string, o Options, fill func(io.Writer) error) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if err := CheckTarget(path, o.NoReplace); err != nil {
		return err
	}
	perm := o.Perm
	if perm == 0 {
		perm = 0o600
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil { // cleanup on a path that already reports its error
			_ = tmp.Close()
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := fill(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if o.Verify != nil {
		if err := o.Verify(name); err != nil {
			return err
		}
	}
	return place(name, path, abs, o.NoReplace)
}

// Place gives a finished temporary file (made beside path, e.g. by
// TempName) the name path, with the same rules as WriteWith; the
// temporary file is synced first and is gone afterwards, whatever happens.
func Place(tmp, path string, noReplace bool) error {
	abs, err := filepath.Abs(path)
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if err := place(tmp, path, abs, noReplace); err != nil {
		_ = os.Remove(tmp) // cleanup on a path that already reports its error
		return err
	}
	return nil
}

// TempName creates an empty temporary file beside path, for content that
// a library writes by file name (a bbolt database), and returns its name;
// Place moves it to path when complete.
func TempName(path string, noReplace bool) (string, error) {
	if err := CheckTarget(path, noReplace); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return "", domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name()) // cleanup on a path that already reports its error
		return "", domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	return f.Name(), nil
}

// CheckTarget refuses a path that holds anything but a regular file (or,
// with noReplace, anything at all), and a live file (Hold) or one another
// program holds locked, such as a running gatehouse's data file. It does
// not follow a symlink: the link itself is refused.
func CheckTarget(path string, noReplace bool) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
	}
	if st.Mode().IsRegular() {
		if err := checkLive(path, st); err != nil {
			return err
		}
	}
	switch {
	case noReplace:
		return domain.Errorf(domain.EConflict, "cannot write %s: the file exists (an existing file is never overwritten: name a new file)", path)
	case !st.Mode().IsRegular():
		return domain.Errorf(domain.EInvalid, "cannot write %s: it is %s, not a regular file (only a regular file is ever replaced: name a file)", path, kind(st.Mode()))
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// place moves the synced temporary file tmp to abs (path as the user gave
// it, for messages) and syncs the directory so the new name survives a
// crash.
func place(tmp, path, abs string, noReplace bool) error {
	if noReplace {
		// a hard link fails when the name exists, even if something
		// appeared there since CheckTarget
		if err := os.Link(tmp, abs); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return CheckTarget(path, true)
			}
			return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
		}
		if err := os.Remove(tmp); err != nil {
			return domain.Errorf(domain.EInvalid, "cannot remove the temporary file %s: %v", tmp, err)
		}
	} else {
		if err := CheckTarget(path, false); err != nil {
			return err
		}
		if err := os.Rename(tmp, abs); err != nil {
			return domain.Errorf(domain.EInvalid, "cannot write %s: %v", path, err)
		}
	}
	if err := syncDir(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("%s is written, but its directory could not be synced: %w", path, err)
	}
	return nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
