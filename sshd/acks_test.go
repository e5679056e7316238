package sshd

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
)

// TestSessionAcksAsItsStation: a station pressing a sends the ack through
// the server's one sender, as the name= of its key, else its fingerprint,
// for its key's district= (which the hub holds it to), else none.
func TestSessionAcksAsItsStation(t *testing.T) {
	named := newTestKey(t, "xihua-room")
	plain := newTestKey(t, "laptop")
	type sent struct {
		ids          []string
		by, district string
	}
	var mu sync.Mutex
	var got []sent
	ts := startServer(t, []string{`name="西华县局值班台",district=xihua ` + named.line, plain.line}, func(c *Config) {
		c.Ack = func(_ context.Context, district string, ids []string, by string, _ time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, sent{ids, by, district})
			return nil
		}
	})
	// An alert to acknowledge.
	st := testState(t, ts.cfg, 3)
	campaign.Apply(ts.cfg, st, feed.Event{Seq: 4, ID: "hom-1", Type: feed.TypeCaseFiled, At: st.LastAt.Add(time.Minute), District: "xihua",
		Data: []byte(`{"case_id":"C1","category":"homicide","kind":"criminal","summary":"某村命案"}`)})
	ts.source.more <- client.Batch{State: st, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}

	for _, c := range []struct {
		key          testKey
		by, district string
	}{{named, "西华县局值班台", "xihua"}, {plain, gossh.FingerprintSHA256(plain.signer.PublicKey()), ""}} {
		cl, err := dialKey(t, ts.addr, c.key)
		if err != nil {
			t.Fatal(err)
		}
		term := openBoardWithInput(t, cl, 120, 40)
		term.waitFor(t, "某村命案", 10*time.Second)
		if _, err := term.stdin.Write([]byte("a")); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			ok := slices.ContainsFunc(got, func(s sent) bool {
				return s.by == c.by && s.district == c.district && slices.Equal(s.ids, []string{"hom-1"})
			})
			mu.Unlock()
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no ack of hom-1 as %q; sent %+v", c.by, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestSessionSignsForItsDistrict: a station pressing o signs its
// district's open instruction through the server's one sender, for its
// key's district= and as its name=; a key without a district signs
// nothing.
func TestSessionSignsForItsDistrict(t *testing.T) {
	named := newTestKey(t, "xihua-room")
	type sent struct{ district, by, id string }
	var mu sync.Mutex
	var got []sent
	ts := startServer(t, []string{`name="西华县局值班台",district=xihua ` + named.line}, func(c *Config) {
		c.Reply = func(_ context.Context, district, by, id string, report bool, _ string, _ time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			if !report {
				got = append(got, sent{district, by, id})
			}
			return nil
		}
	})
	st := testState(t, ts.cfg, 3)
	data, _ := json.Marshal(feed.DirectiveIssued{DirectiveID: "D-1", To: []string{"xihua", "luyi"}, Text: "清查夜市", Level: feed.LevelUrgent,
		DeadlineSign: st.LastAt.Add(time.Hour), DeadlineReport: st.LastAt.Add(2 * time.Hour)})
	campaign.Apply(ts.cfg, st, feed.Event{Seq: 4, ID: "dir-1", Type: feed.TypeDirectiveIssued, At: st.LastAt, District: feed.CityDistrict, Data: data})
	ts.source.more <- client.Batch{State: st, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}
	cl, err := dialKey(t, ts.addr, named)
	if err != nil {
		t.Fatal(err)
	}
	term := openBoardWithInput(t, cl, 120, 40)
	term.waitFor(t, "实时", 10*time.Second)
	if _, err := term.stdin.Write([]byte("o")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		ok := slices.Contains(got, sent{"xihua", "西华县局值班台", "D-1"})
		mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sign-off of D-1 for xihua; sent %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
