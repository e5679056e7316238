package peer

import "testing"

func TestKey(t *testing.T) {
	for _, tc := range []struct {
		addr, want string // want "" means not counted
	}{
		{"192.0.2.7:5555", "192.0.2.7/32"},
		{"192.0.2.7", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:22", "192.0.2.7/32"}, // a v4 client on a dual-stack socket
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "2001:db8:1:2::/64"}, // same host, another privacy address
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:22", "fe80::/64"},
		{"127.0.0.1:80", ""},
		{"127.8.9.10:80", ""},
		{"[::1]:80", ""},
		{"[::ffff:127.0.0.1]:80", ""},
		{"0.0.0.0:1", ""},
		{"@", ""}, // a Unix socket
		{"", ""},
		{"pipe", ""},
	} {
		got, ok := Key(tc.addr)
		if s := got.String(); ok != (tc.want != "") || ok && s != tc.want {
			t.Errorf("Key(%q) = %s, %v; want %q", tc.addr, s, ok, tc.want)
		}
	}
	if got := Describe("[2001:db8:1:2:aaaa::1]:443"); got != "2001:db8:1:2::/64" {
		t.Errorf("Describe v6 = %s", got)
	}
	if got := Describe("127.0.0.1:5555"); got != "127.0.0.1" {
		t.Errorf("Describe loopback = %s", got)
	}
	if got := Describe("192.0.2.7:5555"); got != "192.0.2.7" {
		t.Errorf("Describe v4 = %s", got)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(2)
	a1, ok1 := l.Take("192.0.2.7:1")
	a2, ok2 := l.Take("192.0.2.7:2")
	if !ok1 || !ok2 {
		t.Fatal("two places refused under a cap of 2")
	}
	if _, ok := l.Take("192.0.2.7:3"); ok {
		t.Fatal("a third place taken under a cap of 2")
	}
	if _, ok := l.Take("192.0.2.8:1"); !ok {
		t.Fatal("another address refused: the cap is per address")
	}
	for range 1000 {
		if _, ok := l.Take("127.0.0.1:9"); !ok {
			t.Fatal("loopback refused: it is not counted")
		}
	}
	a1()
	a1() // a second release gives back nothing more
	if got := l.Open("192.0.2.7:9"); got != 1 {
		t.Fatalf("open after one release (twice) = %d, want 1", got)
	}
	if _, ok := l.Take("192.0.2.7:4"); !ok {
		t.Fatal("a released place was not given back")
	}
	if _, ok := l.Take("192.0.2.7:5"); ok {
		t.Fatal("over the cap after a double release")
	}
	a2()
	if l.Blocks() != 2 {
		t.Fatalf("blocks = %d, want 2", l.Blocks())
	}

	none := NewLimiter(0)
	for range 100 {
		if _, ok := none.Take("192.0.2.7:1"); !ok {
			t.Fatal("a cap of 0 refused")
		}
	}

	lo := NewLimiter(1)
	lo.CountLoopback()
	release, ok := lo.Take("127.0.0.1:1")
	if _, again := lo.Take("127.0.0.1:2"); !ok || again {
		t.Fatal("with CountLoopback, a loopback address is under the cap")
	}
	other, ok := lo.Take("127.0.0.2:1")
	if !ok {
		t.Fatal("with CountLoopback, each loopback address has its own cap")
	}
	other()
	release()
	if lo.Blocks() != 0 {
		t.Fatal("an empty block is kept")
	}
}
