package sshd

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestFromOptionMatchesAddresses(t *testing.T) {
	tests := []struct {
		from   string
		remote string
		want   bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"10.20.0.0/16", "10.20.255.1", true},
		{"10.20.0.0/16", "10.21.0.1", false},
		{"10.20.*", "10.20.3.4", true},
		{"10.20.?.4", "10.20.3.4", true},
		{"10.20.?.4", "10.20.33.4", false},
		{"10.20.0.0/16,!10.20.9.9", "10.20.9.9", false},
		{"10.20.0.0/16,!10.20.9.9", "10.20.9.8", true},
		{"!10.20.9.9,10.20.0.0/16", "10.20.9.9", false}, // a refusal wins wherever it stands
		{"192.168.1.7, 10.0.0.0/8", "10.1.2.3", true},
		{"2001:db8::/32", "2001:db8::1", true},
		{"2001:db8::/32", "2001:db9::1", false},
		{"2001:DB8::*", "2001:db8::1", true},
		{"10.0.0.1", "::ffff:10.0.0.1", true}, // an IPv4-mapped address is its IPv4 address
		{"::ffff:10.0.0.1", "10.0.0.1", true},
		{"0.0.0.0/0", "203.0.113.9", true},
		// An IPv4 address may be written in its IPv4-mapped IPv6 form in a
		// range or a wildcard too; a refusal so written must still refuse
		// (the connection's address is read as IPv4), never fail open.
		{"10.0.0.0/8,!::ffff:10.20.9.9/128", "10.20.9.9", false},
		{"10.0.0.0/8,!::ffff:10.20.9.0/120", "10.20.9.9", false},
		{"0.0.0.0/0,!::ffff:0:0/96", "203.0.113.9", false},
		{"10.0.0.0/8,!::ffff:10.20.9.*", "10.20.9.9", false},
		{"10.0.0.0/8,!::ffff:10.20.9.9/128", "::ffff:10.20.9.9", false},
		{"::ffff:10.20.0.0/112", "10.20.3.4", true},
		{"::ffff:10.20.0.0/112", "10.21.3.4", false},
		{"2001:db8::/32,!2001:db8::9", "2001:db8::9", false},
		{"::/0", "10.1.2.3", false}, // an IPv6 range is not about IPv4 clients (OpenSSH)
		{"fe80::1%eth0", "fe80::1", true},
		{"fe80::/10,!fe80::9%eth0", "fe80::9", false},
	}
	for _, tt := range tests {
		r, err := parseFrom(tt.from)
		if err != nil {
			t.Errorf("from=%q: %v", tt.from, err)
			continue
		}
		addr := &net.TCPAddr{IP: net.ParseIP(tt.remote), Port: 40000}
		if got := r.allows(addr); got != tt.want {
			t.Errorf("from=%q allows %s = %v, want %v", tt.from, tt.remote, got, tt.want)
		}
	}
	var none *fromRule
	if !none.allows(&net.TCPAddr{IP: net.ParseIP("203.0.113.9")}) {
		t.Error("a key without from= is refused")
	}
	r, _ := parseFrom("10.0.0.0/8")
	if r.allows(nil) {
		t.Error("a connection without an address passes a from= rule")
	}
}

func TestFromOptionRefusesWhatItCannotEnforce(t *testing.T) {
	tests := []struct{ from, want string }{
		{"station.example.org", "host names are not matched"},
		{"*.example.org", "host names are not matched"},
		{"10.20.0.0/33", "not a CIDR range"},
		{"10.20.0.1/16", "host bits set; the range is 10.20.0.0/16"},
		{"10.20.0.0/16,", "empty entry"},
		{"!10.20.9.9", "only refuses addresses"},
		{"10.20.[", "not an IP address"},
	}
	for _, tt := range tests {
		_, err := parseFrom(tt.from)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("from=%q: error %v, want one containing %q", tt.from, err, tt.want)
		}
	}
	// In a key file, such a line is skipped with its line number; the
	// other stations stay.
	k := newTestKey(t, "station")
	ok := newTestKey(t, "other")
	stations, problems := parseAuthorizedKeys([]byte(`from="station.example.org" `+k.line+"\n"+`from="10.0.0.0/8",district="xihua" `+ok.line+"\n"), nil)
	if len(stations) != 1 || len(problems) != 1 || !strings.HasPrefix(problems[0], "line 1: ") || !strings.Contains(problems[0], "host names") {
		t.Fatalf("stations %v, problems %q", stations, problems)
	}
	for _, st := range stations {
		if st.From == nil || st.District != "xihua" {
			t.Errorf("the from= line lost its options: %+v", st)
		}
	}
}

// TestFromOptionAtLogin: a key limited to another network cannot log in
// from here, and says so in the log; the same key limited to this address
// can; and narrowing from= while the station is connected closes its board
// with the reason.
func TestFromOptionAtLogin(t *testing.T) {
	far := newTestKey(t, "far")
	near := newTestKey(t, "near")
	ts := startServer(t, []string{`from="10.99.0.0/16" ` + far.line, `from="127.0.0.1,::1" ` + near.line}, withFakeBoard,
		func(c *Config) { c.KeyCheckInterval = 50 * time.Millisecond })
	if _, err := dialKey(t, ts.addr, far); err == nil {
		t.Fatal("a key limited to 10.99.0.0/16 logged in from loopback")
	}
	if !strings.Contains(ts.logs.String(), "key refused from this address") {
		t.Errorf("the refusal is not logged:\n%s", ts.logs.String())
	}
	c, err := dialKey(t, ts.addr, near)
	if err != nil {
		t.Fatalf("a key allowed from loopback cannot log in: %v", err)
	}
	board := openBoard(t, c, 80, 24, nil)
	board.waitFor(t, "size 80x24", 10*time.Second)

	writeKeys(t, ts.keys, `from="10.99.0.0/16" `+near.line)
	board.waitFor(t, "may no longer be used from this address", 10*time.Second)
	waitClosed(t, c, 10*time.Second, "the connection from an address its key no longer allows")
}
