package console

import (
	"os"
	"path/filepath"
	"strings"

	"gatehouse/domain"
)

// localFile resolves a path typed in the console (a leading ~ is the home
// directory, as in a shell). Over SSH the console runs inside the server,
// where the path would reach the server's files with the server's
// permissions — attaching /etc/shadow to a ticket, say — so it is refused
// there.
func (c *Common) localFile(path string) (string, error) {
	path = strings.TrimSpace(path)
	if c.remote {
		return "", domain.Errorf(domain.EForbidden,
			"files are not read or written over SSH: the path would be on the server's disk, with the server's permissions")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, path[1:]), nil
		}
	}
	return path, nil
}
