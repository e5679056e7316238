package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// officeState is the fixture (clock 07-31 14:05:30, week 07-30 to 08-05)
// with the teams' visits, findings and an instruction to the northern
// zone:
//
//	F-xh-1 西华县 (north) 第三督察组, due 07-30 18:00: overdue 20 h
//	F-sq-1 沈丘县 (south) 第四督察组, due 07-31 12:00: overdue 2 h
//	F-ch-1 川汇区 (central) 第一督察组, due 07-31 14:10: open 4 min more
//	F-fg-1 扶沟县 (north) 第三督察组, due 08-03: open
//	F-ly-1 鹿邑县 (east) 第二督察组, due 07-29, rectified 07-30: late
//	D-north to 扶沟县, 西华县, 太康县: sign by 07-31 12:00; 太康县 signed
func officeState(t testing.TB) *campaign.State {
	cfg, base := fixture()
	s := base.Clone()
	seq := s.Seq
	add := func(typ, district, when string, data any) {
		seq++
		at, err := time.ParseInLocation("2006-01-02 15:04", "2023-"+when, cfg.Location())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(data)
		campaign.Apply(cfg, s, feed.Event{Seq: seq, ID: fmt.Sprint("office-", seq), Type: typ, At: at, District: district, Data: b})
	}
	deadline := func(when string) string { return "2023-" + strings.Replace(when, " ", "T", 1) + ":00+08:00" }
	visit := func(district, when, team, mode string, n int64) {
		add(feed.TypeSupervisionVisit, district, when, feed.SupervisionVisit{Team: team, Mode: mode, Focus: "督进度", Findings: n})
	}
	finding := func(district, when, id, team, summary, due string) {
		add(feed.TypeSupervisionFinding, district, when, feed.SupervisionFinding{FindingID: id, Team: team, Summary: summary, Severity: feed.SeveritySerious, Deadline: deadline(due)})
	}
	visit("xihua", "07-25 10:00", "team-03", feed.ModeCovert, 1)
	finding("xihua", "07-25 10:00", "F-xh-1", "team-03", "城关卡点夜间无人值守", "07-30 18:00")
	visit("luyi", "07-26 15:00", "team-02", feed.ModeOpen, 1)
	finding("luyi", "07-26 15:00", "F-ly-1", "team-02", "夜市巡防台账不全", "07-29 18:00")
	visit("chuanhui", "07-28 09:30", "team-01", feed.ModeOpen, 1)
	finding("chuanhui", "07-28 09:30", "F-ch-1", "team-01", "接处警记录填写不规范", "07-31 14:10")
	visit("shenqiu", "07-29 21:00", "team-04", feed.ModeCovert, 1)
	finding("shenqiu", "07-29 21:00", "F-sq-1", "team-04", "重点单位隐患整改未销号", "07-31 12:00")
	add(feed.TypeSupervisionRectified, "luyi", "07-30 11:00", feed.SupervisionRectified{FindingID: "F-ly-1", Note: "台账已补齐"})
	// This week (07-30 on): six visits by four teams.
	visit("fugou", "07-30 09:00", "team-03", feed.ModeOpen, 1)
	finding("fugou", "07-30 09:00", "F-fg-1", "team-03", "巡逻车辆未按规定停放", "08-03 18:00")
	visit("taikang", "07-30 20:00", "team-03", feed.ModeCovert, 0)
	visit("dancheng", "07-30 21:00", "team-02", feed.ModeCovert, 0)
	visit("huaiyang", "07-31 09:00", "team-01", feed.ModeOpen, 0)
	visit("xiangcheng", "07-31 10:00", "team-04", feed.ModeOpen, 0)
	visit("shangshui", "07-31 11:00", "team-12", feed.ModeCovert, 0)
	sign, report := time.Date(2023, 7, 31, 12, 0, 0, 0, cfg.Location()), time.Date(2023, 8, 1, 18, 0, 0, 0, cfg.Location())
	add(feed.TypeDirectiveIssued, feed.CityDistrict, "07-31 08:00", feed.DirectiveIssued{DirectiveID: "D-north", To: []string{"zone-north"}, Text: "加强夜间巡防",
		DeadlineSign: sign, DeadlineReport: report, Level: feed.LevelExpedited})
	add(feed.TypeDirectiveSigned, "taikang", "07-31 09:00", feed.DirectiveSigned{DirectiveID: "D-north", By: "太康县局指挥中心"})
	return s
}

func officeBoard(t *testing.T, opts Options) Model {
	t.Helper()
	if opts.Theme == "" {
		opts.Theme = "dark"
	}
	if opts.Layout == "" {
		opts.Layout = "compact"
	}
	m := board(t, opts, 80, 24)
	return send(m, StateMsg{State: officeState(t)})
}

// TestOfficeGoldens: the 战区 page (every zone; one zone's districts,
// total, leader and overdue findings) and the 督察 page (the teams'
// visits this week, open and overdue findings by district), in both
// languages (testdata/regions/{zones,supervision}_*.golden).
func TestOfficeGoldens(t *testing.T) {
	for _, c := range []struct {
		name, kind string
		zones      int // z presses
		w, h       int
	}{
		{"zones", layouts.Zones, 0, 78, 14},
		{"zones-north", layouts.Zones, 2, 78, 14},
		{"supervision", layouts.Supervision, 0, 78, 18},
		{"supervision-north", layouts.Supervision, 2, 78, 14},
	} {
		for _, lang := range Langs {
			name := fmt.Sprintf("regions/%s_%s_%dx%d", c.name, lang, c.w, c.h)
			t.Run(name, func(t *testing.T) {
				m := officeBoard(t, Options{Lang: lang})
				for range c.zones {
					m = send(m, tea.KeyPressMsg{Code: 'z', Text: "z"})
				}
				comp := newComponent(m.ctx, layouts.Placed{Kind: c.kind, W: c.w, H: c.h})
				comp.SetSize(c.w, c.h)
				out := comp.View()
				checkWidths(t, name, out, c.w, c.h)
				golden(t, name, out)
			})
		}
	}
}

// TestZoneFilterKey: z steps through the zones and back to the whole
// city; a zone's board counts its districts' figures (KPI tiles, today,
// open alarms, comparisons against their own baselines summed), says it
// is filtered, and highlights its zone in the ranking; f replaces it with
// a district filter. A campaign without zones says so.
func TestZoneFilterKey(t *testing.T) {
	m := officeBoard(t, Options{Lang: "zh", Layout: "standard"})
	cfg := m.ctx.Cfg
	s := m.ctx.State
	z := func() { m = send(m, tea.KeyPressMsg{Code: 'z', Text: "z"}) }
	var seen []string
	for range len(cfg.Zones) + 1 {
		z()
		seen = append(seen, m.ctx.Zone)
	}
	if got := strings.Join(seen, ","); got != "zone-central,zone-north,zone-east,zone-south," {
		t.Fatalf("z steps %s", got)
	}
	z() // central: 川汇区, 淮阳区
	d := m.ctx.D
	ds := []string{"chuanhui", "huaiyang"}
	if !d.Filtered || d.Zone != "zone-central" || strings.Join(d.In, ",") != strings.Join(ds, ",") {
		t.Fatalf("derived: filtered %v, zone %q, in %v", d.Filtered, d.Zone, d.In)
	}
	want := campaign.GroupCounters(s.Districts, ds)
	if campaign.DistrictMeasure(d.C, "alarms_total") != campaign.DistrictMeasure(want, "alarms_total") ||
		d.C.AlarmsReceived[feed.AlarmCriminal] != s.Districts["chuanhui"].AlarmsReceived[feed.AlarmCriminal]+s.Districts["huaiyang"].AlarmsReceived[feed.AlarmCriminal] {
		t.Errorf("the zone's counts are not its districts' summed")
	}
	if today := s.TodayIn("chuanhui").Alarms + s.TodayIn("huaiyang").Alarms; d.Today.Alarms != today || today == 0 {
		t.Errorf("today's alarms %d, want %d (not 0)", d.Today.Alarms, today)
	}
	open := 0
	for _, o := range s.OpenAlarms {
		if o.District == "chuanhui" || o.District == "huaiyang" {
			open++
		}
	}
	if d.Open != open || open == 0 {
		t.Errorf("open alarms %d, want %d (not 0)", d.Open, open)
	}
	tiles := kpiTiles(m.ctx)
	if cmp := campaign.GroupToDate(cfg, s, ds, "alarms_criminal", campaign.VsPreviousPeriod, m.ctx.asOf()); tiles[0].cmp != cmp.Change || !cmp.Change.OK {
		t.Errorf("the criminal-alarm tile compares %+v, want the zone's %+v", tiles[0].cmp, cmp.Change)
	}
	has(t, m, "已筛选: 中心城区战区")
	var zoneLine string
	for _, l := range rankingTable(m.ctx, 44, 40) {
		if strings.Contains(ansi.Strip(l), "中心城区战区") {
			zoneLine = l
		}
	}
	if zoneLine == "" || !strings.Contains(zoneLine, m.ctx.St.Highlight.R(Fit(ansi.Strip(zoneLine), 44))) {
		t.Errorf("the ranking's zone row is not highlighted: %q", zoneLine)
	}
	// f replaces the zone with the first district.
	m = send(m, tea.KeyPressMsg{Code: 'f', Text: "f"})
	if m.ctx.Zone != "" || !m.ctx.D.Filtered || strings.Join(m.ctx.D.In, ",") != "chuanhui" {
		t.Errorf("after f: zone %q, in %v", m.ctx.Zone, m.ctx.D.In)
	}
	// A campaign without zones: z says so and filters nothing.
	plain := *cfg
	plain.Zones = nil
	m.ctx.Cfg = &plain
	m = send(m, tea.KeyPressMsg{Code: 'f', Text: "f"})
	m = send(m, tea.KeyPressMsg{Code: 'z', Text: "z"})
	if m.ctx.Zone != "" {
		t.Errorf("z chose zone %q in a campaign without zones", m.ctx.Zone)
	}
	has(t, m, "本行动未设战区")
}

// TestFindingTurnsOverdueWithTheClock: a finding due at 14:10 is open
// at 14:05:30 and named overdue, in red, once the clock passes its
// deadline, with no new data: the 督察 and 战区 pages read the clock.
func TestFindingTurnsOverdueWithTheClock(t *testing.T) {
	clk := &clock{fixedNow}
	m := officeBoard(t, Options{Lang: "zh", Now: clk.now})
	page := newComponent(m.ctx, layouts.Placed{Kind: layouts.Supervision, W: 78, H: 20})
	page.SetSize(78, 20)
	zones := newComponent(m.ctx, layouts.Placed{Kind: layouts.Zones, W: 78, H: 14})
	zones.SetSize(78, 14)
	central := func() string {
		for _, l := range strings.Split(ansi.Strip(zones.View()), "\n") {
			if strings.Contains(l, "中心城区战区") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		return ""
	}
	if v := ansi.Strip(page.View()); strings.Contains(v, "接处警记录填写不规范") || !strings.Contains(v, "未整改4个 其中逾期2个") {
		t.Fatalf("at 14:05:30:\n%s", v)
	}
	if got := central(); got != "中心城区战区 76 2 4 45 2 0 0 0" {
		t.Errorf("the central zone at 14:05:30: %q", got)
	}
	clk.t = time.Date(2023, 7, 31, 14, 10, 1, 0, fixedNow.Location())
	m = send(m, tickMsg{})
	v := page.View()
	want := m.ctx.St.Bad.R(" 川汇区 第一督察组 接处警记录填写不规范 逾期1秒")
	if !strings.Contains(v, want) || !strings.Contains(ansi.Strip(v), "未整改4个 其中逾期3个") {
		t.Errorf("at 14:10:01 the finding is not named overdue in red:\n%s", ansi.Strip(v))
	}
	// 淮阳区's P1 of 14:02 is late to dispatch by then too.
	if got := central(); got != "中心城区战区 76 2 4 45 2 1 1 0" {
		t.Errorf("the central zone at 14:10:01: %q", got)
	}
}

// TestOfficePagesDrawHostileTextSafely: the corpus as finding summaries
// (named overdue on both pages): nothing a terminal acts on reaches the
// frame, and every line keeps its width under both width rules.
func TestOfficePagesDrawHostileTextSafely(t *testing.T) {
	cfg, s := hostileState(true)
	for _, lang := range Langs {
		m := board(t, Options{Lang: lang, Layout: "compact"}, 80, 24)
		m.ctx.Cfg = cfg
		m = send(m, StateMsg{State: s})
		m = send(m, tea.KeyPressMsg{Code: 'z', Text: "z"})
		m = send(m, tea.KeyPressMsg{Code: 'z', Text: "z"}) // 北部战区, with 西华县
		for _, kind := range []string{layouts.Zones, layouts.Supervision} {
			for _, sz := range [][2]int{{40, 12}, {78, 30}, {160, 60}} {
				name := fmt.Sprintf("%s/%s/%dx%d", kind, lang, sz[0], sz[1])
				comp := newComponent(m.ctx, layouts.Placed{Kind: kind, W: sz[0], H: sz[1]})
				comp.SetSize(sz[0], sz[1])
				out := comp.View()
				if kind == layouts.Supervision && sz[1] >= 60 && !strings.Contains(ansi.Strip(out), T(lang, "sup.overdue_head")) {
					t.Errorf("%s names no overdue finding: the corpus is not drawn", name)
				}
				checkTerminalSafe(t, name, out)
				checkWidths(t, name, out, sz[0], sz[1])
			}
		}
		if n := len(campaign.OpenFindings(s, fixedNow)); n < 30 {
			t.Fatalf("%d open findings: the corpus is not in the state", n)
		}
	}
}
