package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// TestMarkdownCarriesNoLiveLinks: text that arrives already escaped,
// \[text\](https://evil.example), as an ack's by, a notable case's id and
// an alert's subject, stays text in the Markdown bulletin: every bracket
// in it is escaped, so no renderer makes it a link. mdEscape once left
// the backslash alone, and "\[" became "\\[": an escaped backslash, then
// a live bracket.
func TestMarkdownCarriesNoLiveLinks(t *testing.T) {
	const evil = `\[text\](https://evil.example)`
	cfg := demo.Campaign()
	js := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	at := cfg.Start().Add(3*24*time.Hour + 9*time.Hour)
	district := cfg.Districts[0].ID
	evs := []feed.Event{
		{ID: "hom-1", Type: feed.TypeCaseFiled, At: at, District: district, Data: js(feed.CaseFiled{CaseID: "H-1", Category: feed.CaseHomicide, Kind: feed.KindCriminal})},
		{ID: "ack-1", Type: feed.TypeAlertAcknowledged, At: at.Add(5 * time.Minute), District: district, Data: js(feed.AlertAcknowledged{AlertID: "hom-1", By: evil})},
		{ID: "solved-1", Type: feed.TypeCaseSolved, At: at.Add(time.Hour), District: district, Data: js(feed.CaseSolved{CaseID: evil, Category: feed.CaseHomicide, Kind: feed.KindCriminal, Notable: cfg.Notable[0].ID})},
		{ID: "mass-1", Type: feed.TypeAlarmReceived, At: at.Add(2 * time.Hour), District: district, Data: js(feed.AlarmReceived{AlarmID: evil, Category: feed.AlarmMassIncident, Priority: 1})},
	}
	h := campaign.NewHistory(cfg)
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
	}
	b, err := Build(h, Request{Kind: campaign.PeriodCampaign})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{LangZh, LangEn} {
		var out bytes.Buffer
		if err := Render(&out, b, cfg, Options{Format: FormatMD, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		md := out.String()
		if n := strings.Count(md, "evil.example"); n < 3 {
			t.Fatalf("%s: the text appears %d times, want it as the ack's by, the case id and the alert's subject: the test saw nothing\n%s", lang, n, md)
		}
		for i := range len(md) {
			if c := md[i]; c != '[' && c != ']' {
				continue
			}
			slashes := 0
			for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
				slashes++
			}
			if slashes%2 == 0 {
				line := md[strings.LastIndexByte(md[:i], '\n')+1:]
				line, _, _ = strings.Cut(line, "\n")
				t.Errorf("%s: a live %q in the Markdown: %s", lang, md[i], line)
			}
		}
	}
}
