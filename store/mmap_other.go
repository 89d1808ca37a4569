//go:build !unix

package store

import (
	"errors"
	"os"
)

// mapFile is unavailable here: the page walker reads with ReadAt.
func mapFile(*os.File, int64) ([]byte, func(), error) {
	return nil, func() {}, errors.ErrUnsupported
}
