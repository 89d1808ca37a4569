//go:build unix

package store

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only so the page walker reads pages without a
// system call each (a million-ticket file has hundreds of thousands).
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, func() {}, syscall.EINVAL
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, func() {}, err
	}
	return b, func() { _ = syscall.Munmap(b) }, nil // unmapping a read-only map cannot lose data
}
