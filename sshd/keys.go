package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// Station is what one authorized_keys line grants: who the key belongs to
// and the defaults its board opens with.
type Station struct {
	Fingerprint string // SHA256:... of the public key
	Comment     string // the key line's trailing comment, e.g. "xihua-duty-room"
	District    string // district id to highlight ("" for none)
	Lang        string // "zh", "en", or "" (from the client's LANG, else zh)
	Layout      string // built-in layout name, or "" (chosen by terminal size)
	Theme       string // theme name, or "" (dark; mono under NO_COLOR)
	// NoIdleTimeout keeps the session open without input: a wall screen.
	NoIdleTimeout bool
	// From, when set, is the key line's from= option: the source addresses
	// the key may log in from (see fromRule).
	From *fromRule
	Line int // line number in the authorized_keys file
	// Label is the key's name= option, e.g. "川汇值班台": who the
	// station's acknowledgements are recorded as.
	Label string
}

// AckBy is who the station's acknowledgements are recorded as: its
// name= option, else its key's fingerprint (the comment is the key
// owner's own text, not the centre's).
func (s Station) AckBy() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Fingerprint
}

// Name is how logs and the board refer to the station: its district, else
// the key comment, else the fingerprint.
func (s Station) Name() string {
	switch {
	case s.District != "" && s.Comment != "":
		return s.District + " (" + s.Comment + ")"
	case s.District != "":
		return s.District
	case s.Comment != "":
		return s.Comment
	}
	return s.Fingerprint
}

// The options a key line may carry. Options that only forbid what this
// server never offers (port, agent and X11 forwarding, user rc, pty-less
// use) are accepted and change nothing. Any other OpenSSH option, such as
// command= or permitopen=, would promise a restriction this server does not
// enforce, so a line carrying one is refused rather than silently widened.
var harmlessOptions = []string{
	"restrict", "no-port-forwarding", "no-agent-forwarding",
	"no-x11-forwarding", "no-user-rc",
}

// keyFile is the authorized_keys file, re-read whenever its size, mtime,
// inode, mode or owner changes, checked on every authentication attempt
// and every KeyCheckInterval. A station is added or removed by editing the
// file; no restart, no signal.
//
// Like OpenSSH's StrictModes, the file is only trusted when nobody but its
// owner (this server's user, or root) can change it: the file and every
// directory above it must not be writable by group or others (a directory
// with the sticky bit, such as /tmp, is allowed). At start-up an unsafe
// file is an error. A change that leaves the file unsafe is not trusted to
// grant anything: the stations become those of the last safe version that
// the new file still lists, so an unsafe edit can revoke a key but never
// add one or change a key's options. Every such reload logs an ERROR that
// says how to fix the permissions.
type keyFile struct {
	path string
	cfg  *campaign.Config // to check district ids; nil accepts any
	log  *slog.Logger

	mu       sync.Mutex
	stamp    fileStamp
	stations map[string]Station // by the key's wire encoding
	safe     map[string]Station // the last version read from a safe file
	loaded   bool
}

type fileStamp struct {
	size   int64
	mtime  time.Time
	ino    uint64
	mode   os.FileMode
	uid    uint32
	unsafe string // why the file cannot be trusted, or ""
}

func stampOf(fi os.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
		st.uid = sys.Uid
	}
	return st
}

func newKeyFile(path string, cfg *campaign.Config, log *slog.Logger) (*keyFile, error) {
	k := &keyFile{path: path, cfg: cfg, log: log}
	if _, err := k.current(); err != nil {
		return nil, err
	}
	return k, nil
}

// unsafeKeyFile says why path, whose stat is fi, could be changed by
// someone other than its owner, and how to fix it; "" when it is safe.
func unsafeKeyFile(path string, fi os.FileInfo) string {
	if why := unsafeEntry(path, fi, false); why != "" {
		return why
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Sprintf("cannot resolve its directory (%v)", err)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		di, err := os.Stat(dir)
		if err != nil {
			return fmt.Sprintf("cannot check directory %s (%v)", dir, err)
		}
		if why := unsafeEntry(dir, di, true); why != "" {
			return why
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

func unsafeEntry(path string, fi os.FileInfo, isDir bool) string {
	what := "it"
	fix := "chmod go-w " + path
	if isDir {
		what = "its directory " + path
	} else {
		fix = "chmod 600 " + path
	}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(sys.Uid); uid != 0 && uid != os.Geteuid() {
			return fmt.Sprintf("%s is owned by uid %d, not by this server's user (uid %d) or root; run: chown %d %s", what, uid, os.Geteuid(), os.Geteuid(), path)
		}
	}
	perm := fi.Mode().Perm()
	if perm&0o022 == 0 || (isDir && fi.Mode()&os.ModeSticky != 0) {
		return ""
	}
	who := "group and others"
	switch {
	case perm&0o020 == 0:
		who = "others"
	case perm&0o002 == 0:
		who = "its group"
	}
	return fmt.Sprintf("%s is writable by %s (mode %04o), so they could add their own key; run: %s", what, who, perm, fix)
}

// current returns the stations, re-reading the file if it changed. When
// the file cannot be read the result is an error and nobody gets in: a
// deleted or unreadable key file must fail closed.
func (k *keyFile) current() (map[string]Station, error) {
	fi, err := os.Stat(k.path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w (create it with one 'ssh-ed25519 AAAA... station' line per station)", k.path, err)
	}
	st := stampOf(fi)
	// The directories are checked on every call, not only when the file
	// changes: a chmod of a directory leaves the file's stamp as it was.
	st.unsafe = unsafeKeyFile(k.path, fi)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.loaded && st == k.stamp {
		return k.stations, nil
	}
	if !k.loaded && st.unsafe != "" {
		return nil, fmt.Errorf("authorized keys %s cannot be trusted: %s", k.path, st.unsafe)
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", k.path, err)
	}
	stations, problems := parseAuthorizedKeys(data, k.cfg)
	for _, p := range problems {
		k.log.Error("authorized keys: line skipped", "file", k.path, "problem", p)
	}
	if st.unsafe != "" {
		// Keep what the last safe version granted, minus what the new
		// file no longer lists: an unsafe file may only take away.
		kept := map[string]Station{}
		for wire, old := range k.safe {
			if _, listed := stations[wire]; listed {
				kept[wire] = old
			}
		}
		k.log.Error("authorized keys: refusing the changed file; no key is added and no option changes until it is fixed",
			"file", k.path, "problem", st.unsafe, "stations_kept", len(kept), "stations_in_file", len(stations))
		stations = kept
	} else {
		if k.loaded {
			k.log.Info("authorized keys reloaded", "file", k.path, "stations", len(stations), "skipped", len(problems))
		}
		k.safe = stations
	}
	k.stations, k.stamp, k.loaded = stations, st, true
	return stations, nil
}

// forget makes the next current() read the file whatever its stamp.
func (k *keyFile) forget() {
	k.mu.Lock()
	k.stamp = fileStamp{}
	k.mu.Unlock()
}

// lookup finds the station a key belongs to.
func (k *keyFile) lookup(key gossh.PublicKey) (Station, bool, error) {
	stations, err := k.current()
	if err != nil {
		return Station{}, false, err
	}
	s, ok := stations[string(key.Marshal())]
	return s, ok, nil
}

// byFingerprint finds a listed station by its key's fingerprint.
func (k *keyFile) byFingerprint(fp string) (Station, bool) {
	stations, err := k.current()
	if err != nil {
		return Station{}, false
	}
	for _, st := range stations {
		if st.Fingerprint == fp {
			return st, true
		}
	}
	return Station{}, false
}

// parseAuthorizedKeys reads an OpenSSH authorized_keys file. A bad line is
// reported and skipped; it never takes the other stations down with it.
func parseAuthorizedKeys(data []byte, cfg *campaign.Config) (map[string]Station, []string) {
	stations := map[string]Station{}
	var problems []string
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, comment, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not a public key line (%v)", n, err))
			continue
		}
		if _, isCert := key.(*gossh.Certificate); isCert {
			problems = append(problems, fmt.Sprintf("line %d: certificates are not supported; list the station's plain public key", n))
			continue
		}
		st, err := parseOptions(options, cfg)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		st.Fingerprint = gossh.FingerprintSHA256(key)
		st.Comment = comment
		st.Line = n
		stations[string(key.Marshal())] = st
	}
	return stations, problems
}

func parseOptions(options []string, cfg *campaign.Config) (Station, error) {
	var st Station
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if hasValue {
			v, err := unquote(value)
			if err != nil {
				return st, fmt.Errorf("option %s: %v", name, err)
			}
			value = v
		}
		switch {
		case name == "district" && hasValue:
			if cfg != nil {
				if _, known := cfg.DistrictIndex(value); !known {
					return st, fmt.Errorf("district=%q is not a district of campaign %s; use one of: %s", value, cfg.Campaign.ID, strings.Join(districtIDs(cfg), ", "))
				}
			}
			st.District = value
		case name == "lang" && hasValue:
			if value != "zh" && value != "en" {
				return st, fmt.Errorf(`lang=%q: use lang="zh" or lang="en"`, value)
			}
			st.Lang = value
		case name == "layout" && hasValue:
			if !slices.Contains(layouts.Names(), value) {
				return st, fmt.Errorf("layout=%q: use one of the built-in layouts: %s", value, strings.Join(layouts.Names(), ", "))
			}
			st.Layout = value
		case name == "theme" && hasValue:
			st.Theme = value
		case name == "name" && hasValue:
			if n := utf8.RuneCountInString(value); value == "" || n > feed.MaxAckByLen {
				return st, fmt.Errorf(`name=%q: give the station's name in 1 to %d characters, e.g. name="川汇值班台"`, value, feed.MaxAckByLen)
			}
			if p := feed.TextProblem(value); p != "" {
				return st, fmt.Errorf("name=%q: %s", value, p)
			}
			st.Label = value
		case name == "no-idle-timeout" && !hasValue:
			st.NoIdleTimeout = true
		case name == "idle" && hasValue:
			if value != "none" {
				return st, fmt.Errorf(`idle=%q: the only value is idle="none" (a wall screen that never times out)`, value)
			}
			st.NoIdleTimeout = true
		case name == "from" && hasValue:
			r, err := parseFrom(value)
			if err != nil {
				return st, err
			}
			st.From = r
		case !hasValue && slices.Contains(harmlessOptions, name):
		default:
			return st, fmt.Errorf("option %q is not supported by sitboard ssh (supported: district=, lang=, layout=, theme=, name=, no-idle-timeout, from=, and the no-*-forwarding restrictions); the key is not authorized until it is removed", opt)
		}
	}
	return st, nil
}

func unquote(v string) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		return strings.ReplaceAll(v, `\"`, `"`), nil
	}
	if strings.ContainsAny(v, `"`) {
		return "", errors.New("unbalanced quotes")
	}
	return v, nil
}

func districtIDs(cfg *campaign.Config) []string {
	ids := make([]string, 0, len(cfg.Districts))
	for _, d := range cfg.Districts {
		ids = append(ids, d.ID)
	}
	return ids
}
