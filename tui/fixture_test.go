package tui

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// fixedNow is the test clock: campaign day 37.
var fixedNow = time.Date(2023, 7, 31, 14, 5, 30, 0, time.FixedZone("+08:00", 8*3600))

// fixture folds a handful of hand-made events, with long Chinese summaries
// and ambiguous-width characters (· “” ① —), into a fresh state.
// The result is shared: the board never changes a state it is given.
func fixture() (*campaign.Config, *campaign.State) {
	fixtureOnce.Do(func() { fixtureCfg, fixtureState = buildFixture() })
	return fixtureCfg, fixtureState
}

var (
	fixtureOnce  sync.Once
	fixtureCfg   *campaign.Config
	fixtureState *campaign.State
)

func buildFixture() (*campaign.Config, *campaign.State) {
	cfg := fixtureConfig()
	s := campaign.NewState(cfg)
	var seq uint64
	at := func(day int, hhmm string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", "2023-06-25 "+hhmm, cfg.Location())
		if err != nil {
			panic(err)
		}
		return t.AddDate(0, 0, day-1)
	}
	add := func(typ, district, grid string, t time.Time, data any) {
		seq++
		b, err := json.Marshal(data)
		if err != nil {
			panic(err)
		}
		campaign.Apply(cfg, s, feed.Event{Seq: seq, ID: fmt.Sprintf("ev-%04d", seq), Type: typ, At: t, District: district, Grid: grid, Data: b})
	}
	districts := []string{"chuanhui", "huaiyang", "xiangcheng", "fugou", "xihua", "shangshui", "shenqiu", "dancheng", "taikang", "luyi"}
	// Shift reports over the first 37 days, so the sparklines have shape.
	for d := 1; d <= 37; d++ {
		for i, dist := range districts {
			grid := fmt.Sprintf("%s-%02d", dist, 1+(d+i)%5)
			add(feed.TypeShiftReport, dist, grid, at(d, "08:00"), feed.ShiftReport{Duty: feed.DutyArea, Officers: int64(20 + (d*7+i*3)%15), Vehicles: 4, Volunteers: 10,
				PersonsChecked: int64(100 + (d*13+i*17)%90), VehiclesChecked: 40})
			if i%3 == 0 {
				add(feed.TypeShiftReport, dist, "", at(d, "09:00"), feed.ShiftReport{Duty: feed.DutyTraffic, Officers: 12, Vehicles: 3,
					Violations: feed.Violations{Unlicensed: int64(d % 4), DrinkDriving: 2, DrunkDriving: int64(d % 2), Speeding: 5, PassengerOverload: 1, CargoOverload: int64(d % 3)}})
			}
			if (d+i)%4 == 0 {
				add(feed.TypeInspection, dist, "", at(d, "10:00"), feed.Inspection{UnitType: feed.UnitTypes[(d+i)%len(feed.UnitTypes)], Found: 3, Rectified: int64(2 + d%2), Notices: 1})
				add(feed.TypeDisputeFound, dist, "", at(d, "10:30"), feed.DisputeFound{DisputeID: fmt.Sprintf("dsp-%d-%d", d, i)})
				if d%3 != 0 {
					add(feed.TypeDisputeResolved, dist, "", at(d, "16:30"), feed.DisputeResolved{DisputeID: fmt.Sprintf("dsp-%d-%d", d, i)})
				}
			}
			cat := []string{feed.AlarmCriminal, feed.AlarmPublicOrder, feed.AlarmTraffic, feed.AlarmDispute}[(d+i)%4]
			add(feed.TypeAlarmReceived, dist, grid, at(d, "11:00"), feed.AlarmReceived{AlarmID: fmt.Sprintf("al-%d-%d", d, i), Category: cat, Priority: 2, Summary: "群众报警"})
			add(feed.TypeAlarmClosed, dist, grid, at(d, "11:40"), feed.AlarmClosed{AlarmID: fmt.Sprintf("al-%d-%d", d, i), Category: cat})
		}
	}
	for i, k := range feed.PostKinds {
		for j := 0; j < 3+i*2; j++ {
			add(feed.TypePatrolDeployed, districts[j%10], "", at(1, "07:00"), feed.PatrolDeployed{PostKind: k, PostID: fmt.Sprintf("%s-%d", k, j)})
		}
	}
	cases := []struct {
		cat, dist, summary, notable string
		cold                        bool
	}{
		{feed.CaseTheft, "chuanhui", "盗窃电动车案，抓获犯罪嫌疑人2名", "", false},
		{feed.CaseTheft, "xiangcheng", "入室盗窃系列案①：涉案金额约3万元", "", false},
		{feed.CaseOnlineGambling, "chuanhui", "“4·20”网络赌博平台开设赌场案告破，冻结涉案资金", "case-0420", false},
		{feed.CaseTelecomFraud, "shenqiu", "冒充客服电信诈骗案——追回被骗资金", "", false},
		{feed.CaseHomicide, "luyi", "2015年命案积案告破", "", true},
		{feed.CaseGang, "taikang", "涉恶团伙寻衅滋事、强迫交易案，打掉恶势力犯罪集团1个", "", false},
		{feed.CaseFoodDrugEnv, "dancheng", "制售有毒有害保健功能食品案", "toxic-health-food", false},
	}
	for i, cs := range cases {
		id := fmt.Sprintf("case-%d", i)
		add(feed.TypeCaseFiled, cs.dist, "", at(30+i, "09:00"), feed.CaseFiled{CaseID: id, Category: cs.cat, Kind: feed.KindCriminal, Notable: cs.notable})
		add(feed.TypeCaseSolved, cs.dist, "", at(31+i, "15:20"), feed.CaseSolved{CaseID: id, Category: cs.cat, Kind: feed.KindCriminal, Cold: cs.cold, Notable: cs.notable, Summary: cs.summary, ValueCNY: 1_200_000})
		add(feed.TypeCaseAction, cs.dist, "", at(31+i, "16:00"), feed.CaseAction{CaseID: id, Category: cs.cat, Action: feed.ActionArrest, Persons: int64(1 + i), Notable: cs.notable})
		add(feed.TypeCaseAction, cs.dist, "", at(31+i, "16:10"), feed.CaseAction{CaseID: id, Category: cs.cat, Action: feed.ActionCriminalMeasure, Persons: int64(1 + i%2)})
	}
	add(feed.TypeCaseFiled, "xihua", "", at(36, "08:00"), feed.CaseFiled{CaseID: "case-t2", Category: feed.CaseTheft, Kind: feed.KindCriminal})
	add(feed.TypeCaseAction, "chuanhui", "", at(36, "17:00"), feed.CaseAction{CaseID: "case-2", Category: feed.CaseOnlineGambling, Action: feed.ActionRecovery, AmountCNY: 123_456_789, Notable: "case-0420"})
	add(feed.TypeCaseAction, "taikang", "", at(36, "17:10"), feed.CaseAction{CaseID: "case-5", Category: feed.CaseGang, Action: feed.ActionSeizure, AmountCNY: 8_650_000})
	add(feed.TypeCaseAction, "taikang", "", at(36, "17:20"), feed.CaseAction{CaseID: "case-5", Category: feed.CaseGang, Action: feed.ActionProsecution, Persons: 6})
	// Today's alarms, newest last, some still open.
	today := []struct {
		cat, dist, grid, summary, hhmm string
		status                         string
	}{
		{feed.AlarmTraffic, "fugou", "fugou-02", "G106国道与S213省道交叉口两车相撞，无人员伤亡，需交警到场处置", "13:10", feed.TypeAlarmClosed},
		{feed.AlarmPublicOrder, "chuanhui", "chuanhui-03", "万达广场夜市摊贩因占道经营发生口角，群众围观", "13:25", feed.TypeAlarmDispatched},
		{feed.AlarmCriminal, "xiangcheng", "xiangcheng-05", "报警人称其电动车在小区楼下被盗，车牌号豫P·12345，价值约3000元", "13:48", ""},
		{feed.AlarmDispute, "shangshui", "shangshui-01", "邻里纠纷：“楼上漏水”引发争吵①，双方情绪激动—请求民警调解", "13:59", ""},
		{feed.AlarmMassIncident, "huaiyang", "huaiyang-04", "某建筑工地约30名工人聚集讨薪，堵塞工地大门", "14:02", ""},
	}
	for i, a := range today {
		t, _ := time.ParseInLocation("2006-01-02 15:04", "2023-07-31 "+a.hhmm, cfg.Location())
		id := fmt.Sprintf("today-%d", i)
		add(feed.TypeAlarmReceived, a.dist, a.grid, t, feed.AlarmReceived{AlarmID: id, Category: a.cat, Priority: 1, Summary: a.summary})
		switch a.status {
		case feed.TypeAlarmDispatched:
			add(feed.TypeAlarmDispatched, a.dist, a.grid, t.Add(3*time.Minute), feed.AlarmDispatched{AlarmID: id, Category: a.cat})
		case feed.TypeAlarmClosed:
			add(feed.TypeAlarmClosed, a.dist, a.grid, t.Add(20*time.Minute), feed.AlarmClosed{AlarmID: id, Category: a.cat})
		}
	}
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2023-07-31 14:03", cfg.Location())
	add(feed.TypeCaseFiled, "xihua", "", t, feed.CaseFiled{CaseID: "case-h1", Category: feed.CaseHomicide, Kind: feed.KindCriminal, Summary: "西华县某村发生一起命案，嫌疑人在逃"})
	add("weather.warning", "chuanhui", "", t.Add(time.Minute), map[string]string{"level": "orange"})
	return cfg, s
}

func campaignNewState(cfg *campaign.Config) *campaign.State { return campaign.NewState(cfg) }

// fixtureConfig is the Zhoukou campaign with its event rules only: the
// fixture's hand-made events (one grid's shift report a day at 08:00, P1
// calls left open) would raise condition warnings on every golden; the
// rules have their own tests (campaign/rules_test.go, reports_test.go).
func fixtureConfig() *campaign.Config {
	cfg := *demo.Campaign()
	cfg.Alerts = nil
	for _, r := range demo.Campaign().Alerts {
		if r.When == campaign.WhenEvent {
			cfg.Alerts = append(cfg.Alerts, r)
		}
	}
	return &cfg
}
