package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

// TestAckerAcknowledges: an Acker reaches POST /v1/acks with the read
// token, from any form of the hub's address, and says what to do when
// the token is wrong.
func TestAckerAcknowledges(t *testing.T) {
	s := hubtest.Start(t, nil)
	at := s.Cfg.Start().Add(30 * time.Hour)
	res := hubtest.Post(t, s.URL, []feed.Event{hubtest.Homicide("hom-1", "xihua", at)})
	s.WaitSeq(t, res.LastSeq)

	a, err := client.NewAcker(client.Options{URL: s.WS, Token: hubtest.ReadToken})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Ack(context.Background(), []string{"hom-1", "nope"}, "西华值班台", at.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != 2 || got.Alerts[0].Status != feed.AckStored || got.Alerts[1].Status != feed.AckUnknown {
		t.Fatalf("outcomes %+v", got.Alerts)
	}
	s.WaitSeq(t, got.Alerts[0].Seq)
	if _, _, st := s.Hub.Snapshot(); st.Alerts[0].AckedBy != "西华值班台" {
		t.Errorf("the hub's alert %+v is not acked by the board", st.Alerts[0])
	}

	bad, _ := client.NewAcker(client.Options{URL: s.URL, Token: "wrong"})
	if _, err := bad.Ack(context.Background(), []string{"hom-1"}, "x", at); err == nil || !strings.Contains(err.Error(), "check --token-file") {
		t.Errorf("wrong token: %v, want it to say check --token-file", err)
	}
	s.Close()
	_, err = a.Ack(context.Background(), []string{"hom-1"}, "x", at)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the hub") || strings.Contains(err.Error(), hubtest.ReadToken) {
		t.Errorf("hub down: %v, want cannot reach, without the token", err)
	}
}
