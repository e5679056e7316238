package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestDirectiveCommand: 'sitboard directive issue' sends an instruction
// with a city token and says who it went to; a district's token is
// refused with the hub's 403, which says what the token allows; 'list'
// shows who has signed and reported, as text and as JSON.
func TestDirectiveCommand(t *testing.T) {
	t.Setenv("SITBOARD_READ_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN_FILE", "")
	st, err := hub.ParseScopedTokens("scoped", []byte("city-token-0123456789 city\nxihua-token-0123456789 district:xihua\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := hubtest.Campaign(t).Start().Add(36*24*time.Hour + 9*time.Hour) // 2023-07-31 09:00
	s := hubtest.Start(t, func(o *hub.Options) { o.ScopedTokens, o.Now = st, func() time.Time { return now } })
	dir := t.TempDir()
	cityFile, xihuaFile := filepath.Join(dir, "city.token"), filepath.Join(dir, "xihua.token")
	writeFile(t, cityFile, "city-token-0123456789\n", 0o600)
	writeFile(t, xihuaFile, "xihua-token-0123456789\n", 0o600)

	out, stderr, code := runSitboard(t, "directive", "issue", "--hub", s.URL, "--token-file", cityFile, "--to", "xihua,luyi", "--level", "urgent",
		"--text", "今晚22时起开展夜间集中清查", "--sign-within", "30m", "--report-by", "2023-07-31 18:00", "--id", "D-0731-1", "--by", "市局指挥中心")
	if code != 0 || !strings.Contains(out, "D-0731-1 issued at 2023-07-31 09:00:00") || !strings.Contains(out, "to 2 districts: 西华县 鹿邑县") ||
		!strings.Contains(out, "sign by 2023-07-31 09:30, report by 2023-07-31 18:00") {
		t.Fatalf("issue: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = runSitboard(t, "directive", "issue", "--hub", s.URL, "--token-file", xihuaFile, "--to", "all", "--text", "x")
	if code != 1 || !strings.Contains(stderr, "refused issuing an instruction; nothing was stored: this token is district xihua's") {
		t.Errorf("a district's token issuing: exit %d\n%s%s", code, out, stderr)
	}
	// 西华 signs through the hub (at the hub's clock, 09:00); the list
	// shows it, and 鹿邑 overdue at 10:00.
	s.WaitSeq(t, 1)
	code2, b, err := hubtest.PostDirective(s.URL, "sign", "xihua-token-0123456789", []byte(`{"directive_id":"D-0731-1","by":"西华值班台"}`))
	if err != nil || code2 != 200 {
		t.Fatalf("sign: %d %s %v", code2, b, err)
	}
	var o feed.DirectiveOutcome
	_ = json.Unmarshal(b, &o)
	s.WaitSeq(t, o.Seq)
	out, stderr, code = runSitboard(t, "directive", "list", "--hub", s.URL, "--token-file", xihuaFile, "--at", "2023-07-31 10:00", "--lang", "en")
	for _, want := range []string{"Instructions as of 2023-07-31 10:00:00", "D-0731-1 URGENT 07-31 09:00 今晚22时起开展夜间集中清查",
		"signed 1/2  reported 0/2  overdue 1", "  Xihua  sign 07-31 09:00  report not due", "! Luyi  sign OVERDUE  report not due"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("list: exit %d, no %q in\n%s%s", code, want, out, stderr)
		}
	}
	out, _, code = runSitboard(t, "directive", "list", "--hub", s.URL, "--token-file", cityFile, "--at", "2023-07-31T19:00:00+08:00", "--json")
	var got struct {
		Directives []campaign.DirectiveView `json:"directives"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || len(got.Directives) != 1 {
		t.Fatalf("list --json: exit %d, %v\n%s", code, err, out)
	}
	if d := got.Directives[0]; strings.Join(d.Status, ",") != "report_overdue,report_overdue" || d.Overdue != 2 {
		t.Errorf("at 19:00: %v, overdue %d", d.Status, d.Overdue)
	}
}
