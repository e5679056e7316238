package sshd

import (
	"context"
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
// the server's one sender, as the name= of its key, else its fingerprint.
func TestSessionAcksAsItsStation(t *testing.T) {
	named := newTestKey(t, "xihua-room")
	plain := newTestKey(t, "laptop")
	type sent struct {
		ids []string
		by  string
	}
	var mu sync.Mutex
	var got []sent
	ts := startServer(t, []string{`name="西华县局值班台" ` + named.line, plain.line}, func(c *Config) {
		c.Ack = func(_ context.Context, ids []string, by string, _ time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, sent{ids, by})
			return nil
		}
	})
	// An alert to acknowledge.
	st := testState(t, ts.cfg, 3)
	campaign.Apply(ts.cfg, st, feed.Event{Seq: 4, ID: "hom-1", Type: feed.TypeCaseFiled, At: st.LastAt.Add(time.Minute), District: "xihua",
		Data: []byte(`{"case_id":"C1","category":"homicide","kind":"criminal","summary":"某村命案"}`)})
	ts.source.more <- client.Batch{State: st, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}

	for _, c := range []struct {
		key testKey
		by  string
	}{{named, "西华县局值班台"}, {plain, gossh.FingerprintSHA256(plain.signer.PublicKey())}} {
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
			ok := slices.ContainsFunc(got, func(s sent) bool { return s.by == c.by && slices.Equal(s.ids, []string{"hom-1"}) })
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
