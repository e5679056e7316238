//go:build !unix

package hub

import (
	"errors"
	"os"
)

// Without flock, a store is never taken for stale: a killed hub's temp dir
// stays (the OS temp cleaner removes it).
func lockStore(path string) (*os.File, error) { return os.Create(path) }

func tryLockStore(string) (func(), error) { return nil, errors.New("in use") }
