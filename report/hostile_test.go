package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/internal/hostile"
)

// TestHostileTextStaysOutOfReports: a log written before the hub refused
// hostile text (or by something that bypassed it) holds it in summaries,
// case, notable and alarm ids, districts and grids. `sitboard report`
// prints bulletins to a terminal, so no format may carry a control (C0,
// DEL, C1 as a code point or a raw byte), an invisible format character
// or an escape sequence of any kind.
func TestHostileTextStaysOutOfReports(t *testing.T) {
	cfg := demo.Campaign()
	h := campaign.NewHistory(cfg)
	district, grid := cfg.Districts[0].ID, cfg.Grids[0].ID
	start := cfg.Start().Add(3 * 24 * time.Hour)
	texts := append([]string{}, hostile.RawC1...)
	for _, x := range hostile.MustTexts() {
		texts = append(texts, x.Text)
	}
	evs := hostile.Events("h", district, grid, start)
	at := start.Add(12 * time.Hour)
	for i, s := range texts {
		at = at.Add(time.Minute)
		// The text as every id a bulletin lists: a notable case's case id
		// (the notable itself must be the config's to be listed) and a mass
		// incident's alarm id (the alert's subject).
		solved, _ := json.Marshal(feed.CaseSolved{CaseID: s, Category: feed.CaseHomicide, Kind: feed.KindCriminal, Notable: cfg.Notable[i%len(cfg.Notable)].ID, Summary: s})
		alarm, _ := json.Marshal(feed.AlarmReceived{AlarmID: s, Category: feed.AlarmMassIncident, Priority: 1, Summary: s})
		evs = append(evs,
			feed.Event{ID: fmt.Sprintf("ids-%d", i), Type: feed.TypeCaseSolved, At: at, District: district, Data: solved},
			feed.Event{ID: fmt.Sprintf("alarm-%d", i), Type: feed.TypeAlarmReceived, At: at, District: district, Grid: grid, Data: alarm})
	}
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
	}
	b, err := Build(h, Request{Kind: campaign.PeriodCampaign})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Notables) == 0 || len(b.Alerts) == 0 {
		t.Fatalf("the hostile log gave %d notable cases and %d alerts: the test shows nothing", len(b.Notables), len(b.Alerts))
	}
	noEscapes := func(string) bool { return false }
	for _, format := range []string{FormatText, FormatMD, FormatHTML} {
		for _, lang := range []string{LangZh, LangEn} {
			var out bytes.Buffer
			if err := Render(&out, b, cfg, Options{Format: format, Lang: lang}); err != nil {
				t.Fatal(err)
			}
			for _, p := range hostile.Scan(out.Bytes(), noEscapes) {
				t.Errorf("%s/%s: %s", format, lang, p)
			}
			if !bytes.Contains(out.Bytes(), []byte("today 9999 (FAKE)")) {
				t.Errorf("%s/%s: the hostile ids are not in the bulletin at all, so the test saw nothing", format, lang)
			}
		}
	}
}
