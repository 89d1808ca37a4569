//go:build !unix || solaris || aix || android

package safefile

import "io/fs"

// lockHeld has no probe here: bbolt locks with fcntl on these systems,
// and closing the probe's descriptor would drop this process's own lock.
// Live files of this process are still refused (Hold).
func lockHeld(string, fs.FileInfo) bool { return false }
