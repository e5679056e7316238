package hub

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// tmpStorePattern names the temp dirs of memory-store hubs.
const tmpStorePattern = "sitboard-hub-*"

// tmpStore is the temp dir the embedded server needs even for a memory
// store. It holds a lock for the hub's lifetime: a hub killed without
// Close cannot remove its dir, so each new hub removes the dirs whose lock
// nobody holds any more (lockStore, tryLockStore).
type tmpStore struct {
	dir  string
	lock *os.File
}

// newTmpStore sweeps stale stores, then makes and locks a new one.
func newTmpStore(log *slog.Logger) (*tmpStore, error) {
	sweepTmpStores(log)
	dir, err := os.MkdirTemp("", tmpStorePattern)
	if err != nil {
		return nil, fmt.Errorf("hub: cannot create a temp dir for the memory store: %w (check TMPDIR)", err)
	}
	lock, err := lockStore(filepath.Join(dir, ".lock"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("hub: cannot lock the memory store's temp dir %s: %w", dir, err)
	}
	return &tmpStore{dir: dir, lock: lock}, nil
}

// remove deletes the store; call it after the server has stopped.
func (t *tmpStore) remove() {
	_ = os.RemoveAll(t.dir)
	if t.lock != nil {
		_ = t.lock.Close()
	}
}

// unlockedGrace: a dir without a lock file younger than this may be a
// hub between creating its dir and locking it.
const unlockedGrace = time.Minute

// sweepTmpStores removes the temp stores of hubs that are gone.
func sweepTmpStores(log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tmpStorePattern))
	for _, dir := range dirs {
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
			continue
		}
		var stale bool
		release, err := tryLockStore(filepath.Join(dir, ".lock"))
		switch {
		case err == nil:
			// Nobody holds the lock: its hub is gone. Keep the lock while
			// removing, so a racing sweeper skips the dir.
			stale = true
			defer release()
		case os.IsNotExist(err):
			// No lock file: a hub from before locks, or one starting now.
			fi, statErr := os.Stat(dir)
			stale = statErr == nil && time.Since(fi.ModTime()) > unlockedGrace
		}
		if stale {
			if err := os.RemoveAll(dir); err == nil {
				log.Info("removed the memory store of a hub that is gone", "dir", dir)
			}
		}
	}
}
