package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// TestAlertSectionTimesToAcknowledge: a hand-built log with three alerts,
// two acknowledged, one cleared; the bulletin's times are the hand-computed
// ones, in both languages.
func TestAlertSectionTimesToAcknowledge(t *testing.T) {
	cfg := demo.Campaign()
	day := cfg.Start().AddDate(0, 0, 4) // campaign day 5, 00:00
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	js := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	// An ack's district is its alert's (docs/protocol.md), as the hub writes it.
	ack := func(id, alert, by string, when time.Time) feed.Event {
		district := "chuanhui"
		if strings.HasPrefix(alert, "mass-b") {
			district = "xihua"
		}
		return feed.Event{ID: id, Type: feed.TypeAlertAcknowledged, At: when, District: district, Data: js(feed.AlertAcknowledged{AlertID: alert, By: by})}
	}
	evs := []feed.Event{
		{ID: "hom-a", Type: feed.TypeCaseFiled, At: at(8, 0), District: "chuanhui", Data: js(feed.CaseFiled{CaseID: "CH-H1", Category: feed.CaseHomicide, Kind: feed.KindCriminal})},
		ack("ack-hom-a", "hom-a", "川汇值班台", at(8, 12)), // 12 min
		{ID: "mass-b", Type: feed.TypeAlarmReceived, At: at(9, 0), District: "xihua", Data: js(feed.AlarmReceived{AlarmID: "XH-M1", Category: feed.AlarmMassIncident, Priority: 1})},
		ack("ack-mass-b", "mass-b", "市局指挥中心", at(10, 30)), // 90 min
		{ID: "mass-b-c", Type: feed.TypeAlarmClosed, At: at(11, 0), District: "xihua", Data: js(feed.AlarmClosed{AlarmID: "XH-M1", Category: feed.AlarmMassIncident})}, // cleared after 2 h
		{ID: "hom-c", Type: feed.TypeCaseFiled, At: at(12, 0), District: "chuanhui", Data: js(feed.CaseFiled{CaseID: "CH-H2", Category: feed.CaseHomicide, Kind: feed.KindCriminal})},
		ack("ack-nope", "no-such-alert", "x", at(12, 5)),  // ignored
		ack("ack-hom-a-again", "hom-a", "另一台", at(13, 0)), // the first ack stands
	}
	h := campaign.NewHistory(cfg)
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
	}
	b, err := Build(h, Request{Kind: campaign.PeriodDay, Date: at(12, 0)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		LangZh: {
			"本期共提示重点警情3条，已确认2条、未确认1条，平均确认用时51分钟，最长1小时30分；已清除1条，平均处置用时2小时0分，最长2小时0分。",
			"12分钟  川汇值班台", "1小时30分  市局指挥中心", "未确认",
		},
		LangEn: {
			"3 priority alerts raised in the period, 2 acknowledged and 1 not acknowledged, on average in 51 min, the longest 1 h 30 min; 1 cleared, on average in 2 h 0 min, the longest 2 h 0 min.",
			"12 min  川汇值班台", "1 h 30 min  市局指挥中心", "not acknowledged",
		},
	}
	for lang, lines := range want {
		var buf bytes.Buffer
		if err := Render(&buf, b, cfg, Options{Format: FormatText, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		for _, l := range lines {
			if !strings.Contains(text, l) {
				t.Errorf("%s: no %q in the alerts section:\n%s", lang, l, text[strings.LastIndex(text, "\n\n"):])
			}
		}
		for _, not := range []string{"另一台", "无确认记录", "no acknowledgement on record"} {
			if strings.Contains(text, not) {
				t.Errorf("%s: the bulletin says %q", lang, not)
			}
		}
	}
	// The JSON carries the minutes for tools.
	got := map[string]float64{}
	for _, a := range b.Alerts {
		got[a.ID] = a.AckMinutes
	}
	if got["hom-a"] != 12 || got["mass-b"] != 90 || got["hom-c"] != -1 {
		t.Errorf("ack_minutes %v, want hom-a 12, mass-b 90, hom-c -1", got)
	}
}

// TestClosingBulletinSaysNoAcksOnRecord: the shipped 2023 recording holds
// no acknowledgement (the article publishes no ack times; none is
// invented), and the closing bulletin says so plainly.
func TestClosingBulletinSaysNoAcksOnRecord(t *testing.T) {
	for lang, want := range map[string]string{
		LangZh: "本期各条提示均无确认记录：所据数据中没有值班台回传的确认，确认用时无从统计。",
		LangEn: "None of these alerts has an acknowledgement on record",
	} {
		text := render(t, campaign.PeriodCampaign, "", FormatText, lang)
		if !strings.Contains(text, want) {
			t.Errorf("%s: the closing bulletin does not say %q", lang, want)
		}
		if strings.Contains(text, "中心未收到确认记录") || strings.Contains(text, "do not reach the hub") {
			t.Errorf("%s: the closing bulletin still says acknowledgements never reach the centre", lang)
		}
	}
}

// TestOpenAlertsAreAsOfThePeriodsEnd: a past day's bulletin lists the
// alerts open at its 24时 with how long they had been open then, whatever
// came later in the log: a homicide solved two days on was open that day,
// and a surge over within its hour was not.
func TestOpenAlertsAreAsOfThePeriodsEnd(t *testing.T) {
	cfg := demo.Campaign()
	day := cfg.Start().AddDate(0, 0, 4) // campaign day 5, 00:00
	at := func(d, h int) time.Time { return day.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	js := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	evs := []feed.Event{
		{ID: "hom", Type: feed.TypeCaseFiled, At: at(0, 20), District: "chuanhui", Data: js(feed.CaseFiled{CaseID: "CH-H9", Category: feed.CaseHomicide, Kind: feed.KindCriminal})},
		{ID: "solve", Type: feed.TypeCaseSolved, At: at(2, 10), District: "chuanhui", Data: js(feed.CaseSolved{CaseID: "CH-H9", Category: feed.CaseHomicide, Kind: feed.KindCriminal})},
	}
	h := campaign.NewHistory(cfg)
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
	}
	b, err := Build(h, Request{Kind: campaign.PeriodDay, Date: at(0, 12)})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(b.Open, func(a AlertRow) bool { return a.ID == "hom" })
	if i < 0 || b.Open[i].OpenMinutes != 240 || !b.Open[i].ClearedAt.IsZero() {
		t.Fatalf("open at day 5's end: %+v, want the homicide, open 4 h (240 min), not solved yet", b.Open)
	}
}
