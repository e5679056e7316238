package hub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// Scoped tokens of the tests' hubs.
const (
	cityToken     = "city-token-0123456789"
	chuanhuiToken = "chuanhui-token-0123456789"
	xiangToken    = "xiangcheng-token-0123456789"
	stationsToken = "stations-token-0123456789"
)

func scopedTokens(t testing.TB) *hub.ScopedTokens {
	t.Helper()
	file := fmt.Sprintf("# the tests' boards\n%s city\n%s district:chuanhui # 川汇值班台\n\n%s district:xiangcheng\n%s stations\n",
		cityToken, chuanhuiToken, xiangToken, stationsToken)
	st, err := hub.ParseScopedTokens("scoped.tokens", []byte(file), func(d string) bool { return hubtest.Campaign(t).Validator().Districts[d] })
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// directiveHub runs a hub with the scoped tokens whose clock is day 3 of
// the campaign at 10:00.
func directiveHub(t *testing.T) (*hubtest.Server, time.Time) {
	t.Helper()
	now := hubtest.Campaign(t).Start().Add(2*24*time.Hour + 10*time.Hour)
	st := scopedTokens(t)
	s := hubtest.Start(t, func(o *hub.Options) {
		o.Now = func() time.Time { return now }
		o.ScopedTokens = st
	})
	return s, now
}

// postDirective sends body to /v1/directives/kind with token.
func postDirective(t *testing.T, s *hubtest.Server, kind, token string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	code, out, err := hubtest.PostDirective(s.URL, kind, token, b)
	if err != nil {
		t.Fatal(err)
	}
	return code, out
}

// outcome reads a 200 answer: outcome(t)(postDirective(...)).
func outcome(t *testing.T) func(int, []byte) feed.DirectiveOutcome {
	return func(code int, b []byte) feed.DirectiveOutcome {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("%d %s, want 200", code, b)
		}
		var o feed.DirectiveOutcome
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
}

// errorOf is the error sentence of a refusal's body.
func errorOf(b []byte) string {
	var e hub.ErrorBody
	if json.Unmarshal(b, &e) != nil {
		return string(b)
	}
	return e.Error
}

// logTypes counts the log's events by type.
func logTypes(t *testing.T, s *hubtest.Server) map[string]int {
	out := map[string]int{}
	for _, ev := range readLog(t, s) {
		out[ev.Type]++
	}
	return out
}

// TestDirectiveScopes: the hub, not the board, decides who may do what. A
// city token issues; a district's token signs and reports for its own
// district only, an SSH server's (stations) for the district it names; the
// shared read token and the district tokens issue nothing. Every refusal
// is a 403 saying what the token allows, and stores nothing.
func TestDirectiveScopes(t *testing.T) {
	s, now := directiveHub(t)
	issue := feed.IssueRequest{DirectiveID: "D-0627-1", To: []string{"chuanhui", "huaiyang"}, Text: "今晚22时起开展夜间集中清查",
		Level: feed.LevelUrgent, By: "市局指挥中心", SignWithin: "30m", ReportWithin: "12h"}

	// Refused issues, before any instruction exists.
	for _, tc := range []struct{ name, token, scope string }{
		{"a district's token", chuanhuiToken, "district:chuanhui"},
		{"the shared read token", hubtest.ReadToken, "shared"},
		{"an SSH server's token", stationsToken, "stations"},
	} {
		code, b := postDirective(t, s, "issue", tc.token, issue)
		var e hub.ErrorBody
		_ = json.Unmarshal(b, &e)
		if code != http.StatusForbidden || e.Scope != tc.scope || !strings.Contains(e.Error, "refused issuing an instruction; nothing was stored: this ") {
			t.Errorf("%s issues: %d %s, want 403 naming scope %s", tc.name, code, b, tc.scope)
		}
	}
	if got := logTypes(t, s)[feed.TypeDirectiveIssued]; got != 0 {
		t.Fatalf("%d instructions stored after refusals", got)
	}

	o := outcome(t)(postDirective(t, s, "issue", cityToken, issue))
	if o.Status != feed.OutcomeIssued || o.Seq == 0 || strings.Join(o.Districts, ",") != "chuanhui,huaiyang" ||
		!o.DeadlineSign.Equal(now.Add(30*time.Minute)) || !o.DeadlineReport.Equal(now.Add(12*time.Hour)) {
		t.Fatalf("issued %+v", o)
	}
	s.WaitSeq(t, o.Seq)
	if again := outcome(t)(postDirective(t, s, "issue", cityToken, issue)); again.Status != feed.OutcomeAlreadyIssued || again.Seq != o.Seq {
		t.Errorf("issued again: %+v, want already_issued at seq %d", again, o.Seq)
	}
	other := issue
	other.Text = "另一条指令"
	if code, b := postDirective(t, s, "issue", cityToken, other); code != http.StatusConflict {
		t.Errorf("another instruction under the same id: %d %s, want 409", code, b)
	}

	sign := func(token, district string) (int, []byte) {
		return postDirective(t, s, "sign", token, feed.ReplyRequest{DirectiveID: issue.DirectiveID, District: district, By: "值班台"})
	}
	before := logTypes(t, s)
	for _, tc := range []struct {
		name, token, district, want string
		code                        int
	}{
		{"a district's token signing for another district", chuanhuiToken, "huaiyang",
			"refused signing an instruction for huaiyang; nothing was stored: this token is district chuanhui's: it views the whole city, and acknowledges alerts and signs and reports instructions for chuanhui only", 403},
		{"the city's token signing", cityToken, "chuanhui", "refused signing an instruction for chuanhui; nothing was stored: this token is the city's", 403},
		{"the shared token signing", hubtest.ReadToken, "", "refused signing an instruction; nothing was stored: this is the hub's shared read token", 403},
		{"an SSH server's token naming no district", stationsToken, "", "without naming the district", 403},
		{"a district it was not sent to", xiangToken, "", "was not sent to xiangcheng (it went to chuanhui, huaiyang); nothing was stored", 409},
		{"no token", "", "", "missing or wrong read token", 401},
		{"a wrong token", "not-a-token-0123456789", "", "missing or wrong read token", 401},
	} {
		code, b := sign(tc.token, tc.district)
		if code != tc.code || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s, want %d ...%s", tc.name, code, b, tc.code, tc.want)
		}
	}
	if after := logTypes(t, s); after[feed.TypeDirectiveSigned] != before[feed.TypeDirectiveSigned] || len(readLog(t, s)) != int(s.Hub.Seq()) {
		t.Fatalf("refusals stored something: %v, before %v", after, before)
	}

	signed := outcome(t)(sign(chuanhuiToken, ""))
	if signed.Status != feed.OutcomeSigned || signed.District != "chuanhui" || !signed.At.Equal(now) {
		t.Fatalf("signed %+v", signed)
	}
	s.WaitSeq(t, signed.Seq)
	if again := outcome(t)(sign(chuanhuiToken, "chuanhui")); again.Status != feed.OutcomeAlreadySigned || !again.At.Equal(now) {
		t.Errorf("signed again: %+v", again)
	}
	viaSSH := outcome(t)(sign(stationsToken, "huaiyang"))
	if viaSSH.Status != feed.OutcomeSigned || viaSSH.District != "huaiyang" {
		t.Errorf("the SSH server signing for huaiyang: %+v", viaSSH)
	}
	rep := outcome(t)(postDirective(t, s, "report", chuanhuiToken, feed.ReplyRequest{DirectiveID: issue.DirectiveID, By: "川汇值班台", Text: "已清查夜市12处"}))
	if rep.Status != feed.OutcomeReported || rep.Text != "已清查夜市12处" {
		t.Fatalf("reported %+v", rep)
	}
	s.WaitSeq(t, rep.Seq)
	for _, ev := range readLog(t, s) {
		switch ev.Type {
		case feed.TypeDirectiveIssued:
			if ev.ID != "hub:directive:D-0627-1" || ev.District != feed.CityDistrict {
				t.Errorf("issued as %s in %s", ev.ID, ev.District)
			}
		case feed.TypeDirectiveSigned, feed.TypeDirectiveReported:
			if !strings.HasPrefix(ev.ID, "hub:") || !strings.HasSuffix(ev.ID, ":"+ev.District) {
				t.Errorf("%s stored as %s", ev.Type, ev.ID)
			}
		}
	}
	// The state keeps the times; the record (GET /v1/directives) who
	// and the feedback too.
	st := hubtest.Snapshot(t, s.URL)
	if strings.Contains(string(st.State), "已清查夜市12处") || !strings.Contains(string(st.State), `"district":"chuanhui","signed":`) {
		t.Errorf("the state's instructions are not lean: %s", st.State)
	}
	code, body, err := hubtest.Get(s.URL+"/v1/directives", hubtest.ReadToken)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /v1/directives: %d %s %v", code, body, err)
	}
	var rec hub.DirectiveRecord
	if err := json.Unmarshal(body, &rec); err != nil || len(rec.Directives) != 1 || rec.Seq < rep.Seq {
		t.Fatalf("the record %s: %v", body, err)
	}
	if r, _ := rec.Directives[0].Reply("chuanhui"); r.Report != "已清查夜市12处" || r.ReportedBy != "川汇值班台" || r.SignedBy != "值班台" || !r.SignedAt.Equal(now) {
		t.Errorf("chuanhui's reply in the record: %+v", r)
	}
}

// TestDirectiveRequestsRefused: bad requests get a 400 naming the field,
// and unknown instructions a 404; nothing is stored.
func TestDirectiveRequestsRefused(t *testing.T) {
	s, _ := directiveHub(t)
	base := feed.IssueRequest{DirectiveID: "D1", To: []string{"all"}, Text: "清查", Level: feed.LevelRoutine, SignWithin: "1h", ReportWithin: "2h"}
	for _, tc := range []struct {
		name string
		mod  func(*feed.IssueRequest)
		want string
	}{
		{"unknown district", func(r *feed.IssueRequest) { r.To = []string{"chuanhui", "beijing"} }, `to[1]: unknown district "beijing"`},
		{"no text", func(r *feed.IssueRequest) { r.Text = "" }, "text: missing"},
		{"hostile text", func(r *feed.IssueRequest) { r.Text = "清查\u009b2J" }, "text: U+009B (C1 control) not allowed"},
		{"unknown level", func(r *feed.IssueRequest) { r.Level = "now" }, `level: unknown value "now"`},
		{"no deadline", func(r *feed.IssueRequest) { r.SignWithin = "" }, "deadline_sign: missing: give a time, or sign_within"},
		{"a bad duration", func(r *feed.IssueRequest) { r.ReportWithin = "soon" }, `report_within: "soon": give a positive duration`},
		{"report due before the sign-off", func(r *feed.IssueRequest) { r.ReportWithin = "10m" }, "deadline_report: before deadline_sign"},
		{"a reserved id", func(r *feed.IssueRequest) { r.DirectiveID = strings.Repeat("D", 65) }, "directive_id: longer than 64 bytes"},
	} {
		req := base
		tc.mod(&req)
		code, b := postDirective(t, s, "issue", cityToken, req)
		if code != http.StatusBadRequest || !strings.Contains(errorOf(b), tc.want) {
			t.Errorf("%s: %d %s, want 400 ...%s", tc.name, code, b, tc.want)
		}
	}
	code, b := postDirective(t, s, "sign", chuanhuiToken, feed.ReplyRequest{DirectiveID: "D-none", By: "值班台"})
	if code != http.StatusNotFound || !strings.Contains(errorOf(b), `no instruction "D-none" is open on this hub`) {
		t.Errorf("signing an unknown instruction: %d %s", code, b)
	}
	o := outcome(t)(postDirective(t, s, "issue", cityToken, base))
	s.WaitSeq(t, o.Seq)
	code, b = postDirective(t, s, "report", chuanhuiToken, feed.ReplyRequest{DirectiveID: "D1", By: "值班台", Text: "两行\n反馈"})
	if code != http.StatusBadRequest || !strings.Contains(errorOf(b), "text: U+000A (C0 control) not allowed") {
		t.Errorf("a report on two lines: %d %s", code, b)
	}
	code, b = postDirective(t, s, "sign", chuanhuiToken, feed.ReplyRequest{DirectiveID: "D1", By: "值班台", Text: "签收"})
	if code != http.StatusBadRequest || !strings.Contains(errorOf(b), "a sign-off has no text") {
		t.Errorf("a sign-off with text: %d %s", code, b)
	}
	if got := logTypes(t, s); got[feed.TypeDirectiveSigned]+got[feed.TypeDirectiveReported] != 0 || got[feed.TypeDirectiveIssued] != 1 {
		t.Errorf("the log holds %v after refusals", got)
	}
}

// TestAckScopes: a district's token acknowledges its district's alerts
// only; a request naming its district (as an SSH server does for each
// station) is held to it; a refusal stores nothing of the request.
func TestAckScopes(t *testing.T) {
	s, now := directiveHub(t)
	at := now.Add(-time.Hour)
	res := hubtest.Post(t, s.URL, []feed.Event{hubtest.Homicide("h-ch", "chuanhui", at), hubtest.Homicide("h-hy", "huaiyang", at)})
	s.WaitSeq(t, res.LastSeq)
	ack := func(token, district string, ids ...string) (int, string) {
		b, _ := json.Marshal(feed.AckRequest{Alerts: ids, By: "值班台", District: district})
		code, out, err := hubtest.PostAcks(s.URL, token, b)
		if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	for _, tc := range []struct {
		name, token, district string
		ids                   []string
		want                  string
	}{
		{"chuanhui's token, huaiyang's alert", chuanhuiToken, "", []string{"h-ch", "h-hy"},
			"refused acknowledging the alerts of another district than chuanhui: h-hy (huaiyang); nothing was stored: this token is district chuanhui's"},
		{"chuanhui's token acting for huaiyang", chuanhuiToken, "huaiyang", []string{"h-hy"}, "refused acknowledging alerts for huaiyang"},
		{"an SSH server acting for chuanhui", stationsToken, "chuanhui", []string{"h-hy"}, "refused acknowledging the alerts of another district than chuanhui: h-hy (huaiyang)"},
	} {
		if code, b := ack(tc.token, tc.district, tc.ids...); code != http.StatusForbidden || !strings.Contains(b, tc.want) {
			t.Errorf("%s: %d %s, want 403 ...%s", tc.name, code, b, tc.want)
		}
	}
	if n := len(ackEvents(t, s)); n != 0 {
		t.Fatalf("%d acknowledgements stored after refusals", n)
	}
	for _, tc := range []struct{ token, district, id string }{
		{chuanhuiToken, "", "h-ch"},
		{stationsToken, "huaiyang", "h-hy"},
	} {
		if code, b := ack(tc.token, tc.district, tc.id); code != http.StatusOK || !strings.Contains(b, `"status":"acknowledged"`) {
			t.Errorf("%s acknowledging %s: %d %s", tc.district, tc.id, code, b)
		}
	}
}

// TestParseScopedTokens: the file's refusals name the file and line and
// say what to write.
func TestParseScopedTokens(t *testing.T) {
	known := func(d string) bool { return d == "chuanhui" }
	tok := "0123456789abcdef0123"
	for _, tc := range []struct{ file, want string }{
		{tok + " city\n" + tok + "x stations\n\n# comment\n" + tok + "y district:chuanhui # 川汇\n", ""},
		{"\n" + tok + "\n", "f:2: want a token and its scope (city, stations or district:ID), got 1 fields"},
		{tok + " city extra\n", "f:1: want a token and its scope"},
		{"short city\n", "f:1: the token is 5 characters, fewer than 16"},
		{tok + " county\n", `f:1: unknown scope "county": write city, stations, or district:ID`},
		{tok + " district:\n", `f:1: unknown scope "district:"`},
		{tok + " district:beijing\n", `f:1: unknown district "beijing"`},
		{tok + " city\n" + tok + " district:chuanhui\n", "f:2: the token of line 1 again: give each board its own token"},
	} {
		st, err := hub.ParseScopedTokens("f", []byte(tc.file), known)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.file, err)
		case tc.want == "" && st.Len() != 3:
			t.Errorf("%q: %d tokens, want 3", tc.file, st.Len())
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%q: %v, want %s...", tc.file, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name         string
		ingest, read string
		want         string
	}{
		{"the ingest token", cityToken, hubtest.ReadToken, "is the ingest token"},
		{"the shared read token", hubtest.IngestToken, cityToken, "is the shared --read-token"},
		{"scoped only", hubtest.IngestToken, "", ""},
	} {
		o := hub.Options{IngestToken: tc.ingest, ReadToken: tc.read, ScopedTokens: scopedTokens(t)}
		if err := hub.CheckAccess(&o); (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
