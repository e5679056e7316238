//go:build unix

package hub

import (
	"errors"
	"os"
	"syscall"
)

// lockStore creates path and holds an exclusive lock on it until the file
// is closed or the process ends, however it ends.
func lockStore(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// errStoreInUse: a live hub holds the store's lock.
var errStoreInUse = errors.New("in use")

// tryLockStore takes the lock of an existing store, if its hub is gone.
func tryLockStore(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, errStoreInUse
	}
	return func() { f.Close() }, nil
}
