// Package buildinfo says which build of sitboard is running: the module
// version, the VCS revision it was built from and the Go version, as
// 'sitboard version', the hub's /healthz and sitboard_build_info show them.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Info describes one build.
type Info struct {
	// Version is the module version: a tag (v1.2.3) for 'go install
	// sitboard@v1.2.3', a pseudo-version, or "(devel)" for a build in a
	// checkout.
	Version string `json:"version"`
	// Revision is the VCS commit the binary was built from, with
	// "-modified" when the checkout had uncommitted changes; "unknown"
	// when the build recorded none (go build -buildvcs=false, go run).
	Revision string `json:"revision"`
	// Time is the commit's time (RFC 3339), when recorded.
	Time      string `json:"time,omitempty"`
	GoVersion string `json:"go_version"`
}

var (
	once sync.Once
	info Info
)

// Get reads the build information the Go toolchain stamped into the
// binary (runtime/debug.ReadBuildInfo).
func Get() Info {
	once.Do(func() { info = read(debug.ReadBuildInfo()) })
	return info
}

func read(bi *debug.BuildInfo, ok bool) Info {
	in := Info{Version: "(devel)", Revision: "unknown", GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return in
	}
	if bi.Main.Version != "" {
		in.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		in.GoVersion = bi.GoVersion
	}
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && in.Revision != "unknown" {
		in.Revision += "-modified"
	}
	return in
}

// String is the one line 'sitboard version' prints.
func (in Info) String() string {
	s := "sitboard " + in.Version + " (revision " + in.Revision
	if in.Time != "" {
		s += ", " + in.Time
	}
	return s + ", " + in.GoVersion + ")"
}
