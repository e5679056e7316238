package hub

// BlockReader makes the hub's log reader receive nothing, as a consumer
// whose NATS node died does, until it is called with false.
func BlockReader(h *Hub, deaf bool) { h.rd.deaf.Store(deaf) }

// SetDiskSpace replaces the free-space probe, for sizing tests.
func SetDiskSpace(f func(dir string) (int64, bool)) (restore func()) {
	old := diskSpace
	diskSpace = f
	return func() { diskSpace = old }
}
