package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
)

// TestLinesMeanSomething reads every 日动态, 周通报, 半月讲评 and 月考核 of
// the shipped recording for the lines the office found odd: a percentage
// on a base under campaign.MinBase (a sentence, a table cell, the day's
// table), a comparison on a single named case, a rate in a 日动态, a
// "no base" note on every line without a baseline, a day bulletin
// counting accident-free days.
func TestLinesMeanSomething(t *testing.T) {
	h := shippedHistory(t)
	cfg := h.Config()
	w := newWords(cfg, shippedFacts(t), LangZh)
	pct := regexp.MustCompile(`[0-9]%`)
	small, checked := 0, 0
	for _, kind := range []string{campaign.PeriodDay, campaign.PeriodWeek, campaign.PeriodHalfMonth, campaign.PeriodMonth} {
		for d := 1; d <= cfg.Days(); {
			sp, _ := cfg.PeriodSpan(kind, d)
			d = sp.To + 1
			date := cfg.Date(sp.From).Format(time.DateOnly)
			b, err := Build(h, Request{Kind: kind, Date: cfg.Date(sp.From)})
			if err != nil {
				t.Fatal(err)
			}
			name := kind + " of " + date
			for _, f := range b.Figures {
				info, _ := campaign.FigureInfoByID(f.ID)
				sentence, row := figureSentence(w, b, f), figureRow(w, b, f, info)
				if info.Single {
					if strings.Contains(sentence, "上期") || strings.Contains(sentence, "环比") || row[2] != "—" || row[3] != "—" {
						t.Errorf("%s: the single case %s is compared: %q %q", name, f.ID, sentence, row)
					}
					continue
				}
				if c := f.Compared; c != nil && c.Change.OK && c.Base < campaign.MinBase && f.Kind != campaign.KindRate {
					small++
					if strings.Contains(sentence, "上升") || strings.Contains(sentence, "下降") || pct.MatchString(row[3]) {
						t.Errorf("%s: %s on a base of %.1f shows a percentage: %q, %q", name, f.ID, c.Base, sentence, row[3])
					}
				}
				checked++
			}
			for _, m := range b.Metrics {
				for _, c := range []campaign.PeriodComparison{m.Previous, m.LastYear} {
					if c.Change.OK && c.Base < campaign.MinBase {
						small++
						if s := metricSentence(w, b, m); !strings.Contains(s, "不计幅度") {
							t.Errorf("%s: %s on a base of %.1f: %q", name, m.Metric, c.Base, s)
						}
					}
				}
			}
			for _, f := range b.DayFigures {
				if f.HasBase && f.Base < campaign.MinBase && pct.MatchString(w.dayChange(f)) {
					t.Errorf("%s: %s on the day before's %d shows a percentage: %q", name, f.Key, f.Base, w.dayChange(f))
				}
			}
			text := render(t, kind, date, FormatText, LangZh)
			for _, bad := range []string{"无可比数据", "docs/", "[assessment]"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s says %q", name, bad)
				}
			}
			if kind == campaign.PeriodDay {
				if regexp.MustCompile(`(破案率|化解率)[^\n]*[0-9]%`).MatchString(text) {
					t.Errorf("%s gives a one-day rate", name)
				}
				if strings.Contains(text, "未发生重特大安全事故。") && strings.Contains(text, "天未发生") {
					t.Errorf("%s counts accident-free days", name)
				}
				if !strings.Contains(text, fmt.Sprintf("数据来源：本期事件%d条", h.EventsIn(sp))) {
					t.Errorf("%s: the data-source line does not give the day's own %d events", name, h.EventsIn(sp))
				}
			}
		}
	}
	if small == 0 || checked == 0 {
		t.Fatalf("no comparison on a small base among %d figures: the test checks nothing", checked)
	}
	t.Logf("%d figures checked, %d comparisons on a base under %d", checked, small, campaign.MinBase)
}

// TestShortPeriodsSayWhatTheyCover: the first 月考核 and 半月讲评 cover the
// campaign's first 6 days, not a month or a half-month: they say so under
// the masthead, with their dates; a whole period says nothing of the kind.
func TestShortPeriodsSayWhatTheyCover(t *testing.T) {
	for _, tc := range []struct {
		kind, date, lang, want string
	}{
		{campaign.PeriodMonth, "2023-06-25", LangZh, "本期为6月25日至6月30日，共6天（行动自6月25日开始，不足整月，日历期30天）"},
		{campaign.PeriodHalfMonth, "2023-06-30", LangZh, "本期为6月25日至6月30日，共6天（行动自6月25日开始，不足半月，日历期15天）"},
		{campaign.PeriodMonth, "2023-06-25", LangEn, "a short period: 25 June to 30 June, 6 days (the campaign began on 25 June; less than a full month of 30 days)"},
		{campaign.PeriodMonth, "2023-07-25", LangZh, ""},
		{campaign.PeriodHalfMonth, "2023-07-25", LangZh, ""},
		{campaign.PeriodWeek, "2023-09-30", LangZh, ""}, // week 14 is a full 7 days
	} {
		text := render(t, tc.kind, tc.date, FormatText, tc.lang)
		if tc.want == "" {
			if strings.Contains(text, "本期为") || strings.Contains(text, "short period") {
				t.Errorf("%s of %s says it is short", tc.kind, tc.date)
			}
			continue
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s of %s (%s) lacks %q", tc.kind, tc.date, tc.lang, tc.want)
		}
	}
}

// TestOneBaseOneRounding: a pro-rated base is printed with the same
// rounding in both languages (折算7.6起 and 7.6, never 8 in one of them),
// wherever a bulletin prints it (a 日动态 compares with the day before:
// nothing pro-rated).
func TestOneBaseOneRounding(t *testing.T) {
	h := shippedHistory(t)
	cfg := h.Config()
	for _, kind := range []string{campaign.PeriodWeek, campaign.PeriodHalfMonth, campaign.PeriodMonth} {
		b, err := Build(h, Request{Kind: kind, Date: cfg.Date(49)})
		if err != nil {
			t.Fatal(err)
		}
		zhText := render(t, kind, "2023-08-12", FormatText, LangZh)
		enText := render(t, kind, "2023-08-12", FormatText, LangEn)
		zh, en := newWords(cfg, shippedFacts(t), LangZh), newWords(cfg, shippedFacts(t), LangEn)
		var bases []float64
		for _, m := range b.Metrics {
			for _, c := range []campaign.PeriodComparison{m.Previous, m.LastYear} {
				if c.Prorated && !strings.HasSuffix(m.Metric, "_cny") {
					bases = append(bases, c.Base)
				}
			}
		}
		if len(bases) == 0 {
			t.Fatalf("%s: no pro-rated base to check", kind)
		}
		for _, v := range bases {
			z, e := zh.base(v), en.base(v)
			if strings.ReplaceAll(e, ",", "") != z {
				t.Errorf("%s: base %v is %s in zh, %s in en", kind, v, z, e)
			}
			if !strings.Contains(zhText, z+"起") || !strings.Contains(enText, e) {
				t.Errorf("%s: base %v is not printed as %s起 (zh) and %s (en)", kind, v, z, e)
			}
		}
	}
}
