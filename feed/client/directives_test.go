package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestOfficeSendsInstructions: an Office issues with a city token, signs
// and reports for the district an SSH server's (stations) token names,
// and hands back the hub's 403 with what the token allows.
func TestOfficeSendsInstructions(t *testing.T) {
	st, err := hub.ParseScopedTokens("scoped", []byte("city-token-0123456789 city\nssh-token-0123456789 stations\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := hubtest.Campaign(t).Start().Add(30 * time.Hour)
	s := hubtest.Start(t, func(o *hub.Options) { o.ScopedTokens, o.Now = st, func() time.Time { return now } })
	ctx := context.Background()
	city, _ := client.NewOffice(client.Options{URL: s.WS, Token: "city-token-0123456789"})
	ssh, _ := client.NewOffice(client.Options{URL: s.URL, Token: "ssh-token-0123456789"})

	o, err := city.Issue(ctx, feed.IssueRequest{DirectiveID: "D1", To: []string{"xihua", "luyi"}, Text: "清查夜市", Level: feed.LevelRoutine, SignWithin: "1h", ReportWithin: "4h"})
	if err != nil || o.Status != feed.OutcomeIssued {
		t.Fatalf("issue: %+v %v", o, err)
	}
	s.WaitSeq(t, o.Seq)
	r, err := ssh.Sign(ctx, feed.ReplyRequest{DirectiveID: "D1", District: "xihua", By: "西华值班台"})
	if err != nil || r.Status != feed.OutcomeSigned || r.District != "xihua" {
		t.Fatalf("sign: %+v %v", r, err)
	}
	r, err = ssh.Report(ctx, feed.ReplyRequest{DirectiveID: "D1", District: "xihua", By: "西华值班台", Text: "已清查"})
	if err != nil || r.Status != feed.OutcomeReported {
		t.Fatalf("report: %+v %v", r, err)
	}
	_, err = ssh.Issue(ctx, feed.IssueRequest{DirectiveID: "D2", To: []string{"all"}, Text: "x", Level: feed.LevelRoutine, SignWithin: "1h", ReportWithin: "4h"})
	var refusal *client.HubRefusal
	if !errors.As(err, &refusal) || refusal.Status != http.StatusForbidden || !strings.Contains(err.Error(), "the hub refused to issue an instruction: refused issuing an instruction; nothing was stored: this token is an SSH server's (stations)") {
		t.Errorf("the SSH server issuing: %v", err)
	}
	a, _ := client.NewAcker(client.Options{URL: s.URL, Token: "ssh-token-0123456789"})
	res := hubtest.Post(t, s.URL, []feed.Event{hubtest.Homicide("hom-luyi", "luyi", now.Add(-time.Hour))})
	s.WaitSeq(t, res.LastSeq)
	if _, err := a.AckFor(ctx, "xihua", []string{"hom-luyi"}, "西华值班台", now); !errors.As(err, &refusal) || refusal.Status != http.StatusForbidden {
		t.Errorf("xihua's station acknowledging luyi's alert: %v", err)
	}
}
