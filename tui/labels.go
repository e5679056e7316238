package tui

import (
	"os"
	"strings"
)

// Langs lists the label languages.
var Langs = []string{"zh", "en"}

// labels holds every piece of chrome text, one table per language. Keys
// are shared; a test checks both tables have the same keys and that no
// label contains a character of ambiguous width.
var labels = map[string]map[string]string{
	"zh": {
		"day":                             "第%d/%d天",
		"live":                            "实时",
		"reconnecting":                    "重连中 %s",
		"connecting":                      "连接中",
		"stale":                           "数据停滞 %s",
		"partial":                         "数据不全 自序号%d",
		"failed":                          "连接失败",
		"demo":                            "演示 x%s",
		"seq":                             "序号",
		"no_data":                         "等待数据",
		"data_age":                        "数据 %s前",
		"alerts.none":                     "无重点警情提示",
		"alerts.ack":                      "已确认",
		"alerts.unack":                    "未确认 按a确认",
		"alerts.more":                     "另有%d条",
		"kpi.alarms_criminal":             "刑事警情",
		"kpi.alarms_public_order":         "治安警情",
		"kpi.cases_filed":                 "刑事立案",
		"kpi.solved":                      "破案/抓获",
		"kpi.officers":                    "出动警力",
		"kpi.rectified":                   "整改隐患",
		"kpi.dispute_rate":                "纠纷化解率",
		"kpis.alarms_criminal":            "刑事警情",
		"kpis.alarms_public_order":        "治安警情",
		"kpis.cases_filed":                "刑事立案",
		"kpis.solved":                     "破案/抓获",
		"kpis.officers":                   "警力",
		"kpis.rectified":                  "整改",
		"kpis.dispute_rate":               "化解率",
		"ranking.district":                "辖区",
		"kpi.disputes_today":              "化解%s 新发%s",
		"kpi.disputes_inc":                "化解+%s 新发+%s",
		"kpi.cases_solved":                "破案",
		"kpis.cases_solved":               "破案",
		"kpi.arrested":                    "抓获",
		"kpis.arrested":                   "抓获",
		"more.rows":                       "⋯ 另有%d行未显示",
		"kpi.today":                       "今日",
		"kpi.total":                       "累计",
		"kpi.mom":                         "环比",
		"kpi.yoy":                         "同比",
		"kpi.na":                          "无基数",
		"kpi.city_only":                   "全市口径",
		"page.strike":                     "打击",
		"page.patrol":                     "巡防",
		"page.hazard":                     "隐患清零",
		"page.grid":                       "网格热力",
		"page.cases":                      "案件动态",
		"page.trends":                     "每日趋势",
		"page.ranking":                    "红黄旗排名",
		"rot.next":                        "下一页 %s",
		"rot.paused":                      "已暂停",
		"strike.by_category":              "分类破案 (破/立 破案率)",
		"strike.persons":                  "抓获 %s  刑拘 %s  起诉 %s  行政处罚 %s",
		"strike.money":                    "扣押 %s  追缴 %s",
		"strike.closures":                 "最新破案",
		"strike.notables":                 "重点案件",
		"notable.solved":                  "已破",
		"notable.filed":                   "侦办中",
		"notable.pending":                 "未立案",
		"patrol.grid":                     "网格热力 (警情/警力)",
		"patrol.deploy":                   "警力 %s  车辆 %s  群防力量 %s",
		"patrol.posts":                    "执法站 %s  执勤岗 %s  卡点 %s",
		"patrol.violations":               "交通违法 %s",
		"patrol.checked":                  "盘查人员 %s  车辆 %s",
		"patrol.heat_legend":              "冷 %s 热",
		"hazard.units":                    "隐患整改 (整改/发现)",
		"hazard.inspections":              "检查 %s",
		"hazard.disputes":                 "矛盾纠纷 化解 %s/%s",
		"hazard.schools":                  "校园 检查 %s  整改 %s  护学警力 %s",
		"hazard.notices":                  "整改通知书 %s",
		"hazard.by_district":              "各辖区",
		"hazard.col_inspections":          "检查",
		"hazard.col_rectified":            "整改",
		"hazard.col_disputes":             "化解/发现",
		"hazard.col_rate":                 "化解率",
		"hazard.safe_days":                "连续 %d 天无重特大安全事故",
		"hazard.accidents":                "重特大安全事故 %s 起",
		"trend.alarms":                    "警情",
		"trend.cases_filed":               "立案",
		"trend.solved":                    "破案",
		"trend.arrested":                  "抓获",
		"trend.officers":                  "警力",
		"trend.checked":                   "盘查",
		"trend.rectified":                 "整改",
		"trend.disputes":                  "化解",
		"ticker.title":                    "警情滚动",
		"ticker.open":                     "未结警情 %s",
		"ticker.empty":                    "暂无警情",
		"ranking.title":                   "红黄旗排名",
		"ranking.score":                   "得分",
		"ranking.filter":                  "筛选",
		"flag.red":                        "红旗",
		"flag.yellow":                     "黄旗",
		"status.hint":                     "?帮助 空格暂停 左右切换 a确认 f筛选 l语言 q退出",
		"status.hint_short":               "?帮助 q退出",
		"status.check_ok":                 "数据核对通过 %d项",
		"status.check_bad":                "核对不符 %d项: %s",
		"status.demo":                     "回放 %s %d%%",
		"status.layout_err":               "布局文件错误",
		"status.layout_small":             "%s布局需%dx%d",
		"status.filtered":                 "已筛选: %s",
		"help.title":                      "按键说明",
		"help.close":                      "按 ? 或 Esc 关闭",
		"small":                           "终端太小: 需要至少 %dx%d, 当前 %dx%d。请放大窗口或缩小字体。",
		"loading":                         "正在连接数据源...",
		"status.received":                 "已接警",
		"status.dispatched":               "已派警",
		"status.closed":                   "已处置",
		"status.unknown":                  "其他",
		"alarm.criminal":                  "刑事",
		"alarm.public_order":              "治安",
		"alarm.traffic":                   "交通",
		"alarm.dispute":                   "纠纷",
		"alarm.fire":                      "火灾",
		"alarm.rescue":                    "求助",
		"alarm.mass_incident":             "群体事件",
		"alarm.other":                     "其他",
		"case.homicide":                   "命案",
		"case.serious_violent":            "严重暴力",
		"case.gang":                       "涉黑涉恶",
		"case.theft":                      "盗窃",
		"case.affray":                     "寻衅滋事",
		"case.vice":                       "黄赌",
		"case.cross_border_gambling":      "跨境赌博",
		"case.online_gambling":            "网络赌博",
		"case.telecom_fraud":              "电信诈骗",
		"case.food_drug_env":              "食药环",
		"case.marriage_fraud":             "婚姻诈骗",
		"case.street_racing":              "飙车炸街",
		"case.other":                      "其他",
		"case.cold":                       "积案",
		"unit.hazchem":                    "易制爆",
		"unit.logistics":                  "寄递物流",
		"unit.internal":                   "内部单位",
		"unit.school":                     "学校",
		"unit.key_unit":                   "重点单位",
		"viol.unlicensed":                 "无证驾驶",
		"viol.drink_driving":              "酒驾",
		"viol.drunk_driving":              "醉驾",
		"viol.speeding":                   "超速",
		"viol.passenger_overload":         "客车超员",
		"viol.cargo_overload":             "货车超载",
		"viol.other":                      "其他",
		"measure.cases_solved":            "破案",
		"measure.suspects_arrested":       "抓获",
		"measure.alarms_criminal":         "刑事警情",
		"measure.alarms_total":            "警情",
		"measure.hazards_rectified":       "整改",
		"measure.inspections":             "检查",
		"measure.dispute_resolution_rate": "化解率",
		"measure.persons_checked":         "盘查",
		"key.quit":                        "退出",
		"key.help":                        "帮助",
		"key.pause":                       "暂停/继续轮播",
		"key.prev":                        "上一页",
		"key.next":                        "下一页",
		"key.jump":                        "跳到第N页",
		"key.ack":                         "确认警报",
		"key.clear":                       "清除已确认警报",
		"key.filter":                      "只看本辖区",
		"key.lang":                        "切换语言",
		"key.theme":                       "切换主题",
		"key.big":                         "KPI大字显示 开/关",
		"status.theme":                    "主题: %s",
		"theme.dark":                      "深色",
		"theme.light":                     "浅色",
		"theme.high-contrast":             "高对比",
		"theme.mono":                      "黑白",
		"money.wan":                       "万",
		"money.yi":                        "亿",
		"age.s":                           "%d秒",
		"age.m":                           "%d分%02d秒",
		"age.h":                           "%d时%02d分",
		"age.d":                           "%d天%d时",
	},
	"en": {
		"day":                             "Day %d/%d",
		"live":                            "LIVE",
		"reconnecting":                    "RECONNECTING %s",
		"connecting":                      "CONNECTING",
		"stale":                           "STALE %s",
		"partial":                         "PARTIAL from seq %d",
		"failed":                          "FAILED",
		"demo":                            "DEMO x%s",
		"seq":                             "seq",
		"no_data":                         "waiting for data",
		"data_age":                        "data %s old",
		"alerts.none":                     "No priority alerts",
		"alerts.ack":                      "acknowledged",
		"alerts.unack":                    "press a to acknowledge",
		"alerts.more":                     "+%d more",
		"kpi.alarms_criminal":             "Criminal alarms",
		"kpi.alarms_public_order":         "Public-order alarms",
		"kpi.cases_filed":                 "Criminal cases",
		"kpi.solved":                      "Solved/arrested",
		"kpi.officers":                    "Officers out",
		"kpi.rectified":                   "Hazards fixed",
		"kpi.dispute_rate":                "Disputes resolved",
		"kpis.alarms_criminal":            "Crim.alarms",
		"kpis.alarms_public_order":        "Pub.order",
		"kpis.cases_filed":                "Cases",
		"kpis.solved":                     "Solved/arr.",
		"kpis.officers":                   "Officers",
		"kpis.rectified":                  "Fixed",
		"kpis.dispute_rate":               "Resolved",
		"ranking.district":                "District",
		"kpi.disputes_today":              "%s res. %s new",
		"kpi.disputes_inc":                "+%s res. +%s new",
		"kpi.cases_solved":                "Cases solved",
		"kpis.cases_solved":               "Solved",
		"kpi.arrested":                    "Suspects arrested",
		"kpis.arrested":                   "Arrested",
		"more.rows":                       "⋯ %d more rows not shown",
		"kpi.today":                       "today",
		"kpi.total":                       "total",
		"kpi.mom":                         "MoM",
		"kpi.yoy":                         "YoY",
		"kpi.na":                          "n/a",
		"kpi.city_only":                   "city-wide",
		"page.strike":                     "Strike",
		"page.patrol":                     "Patrol",
		"page.hazard":                     "Hazards",
		"page.grid":                       "Grid heat",
		"page.cases":                      "Cases",
		"page.trends":                     "Daily trends",
		"page.ranking":                    "Flag ranking",
		"rot.next":                        "next %s",
		"rot.paused":                      "PAUSED",
		"strike.by_category":              "Solved by category (solved/filed, clearance)",
		"strike.persons":                  "Arrested %s  Detained %s  Prosecuted %s  Penalised %s",
		"strike.money":                    "Seized %s  Recovered %s",
		"strike.closures":                 "Latest closures",
		"strike.notables":                 "Notable cases",
		"notable.solved":                  "solved",
		"notable.filed":                   "open",
		"notable.pending":                 "not filed",
		"patrol.grid":                     "Grid heat (alarms per officer)",
		"patrol.deploy":                   "Officers %s  Vehicles %s  Volunteers %s",
		"patrol.posts":                    "Stations %s  Duty posts %s  Checkpoints %s",
		"patrol.violations":               "Traffic violations %s",
		"patrol.checked":                  "Checked: persons %s  vehicles %s",
		"patrol.heat_legend":              "cold %s hot",
		"hazard.units":                    "Hazards rectified/found by unit type",
		"hazard.inspections":              "insp. %s",
		"hazard.disputes":                 "Disputes resolved %s/%s",
		"hazard.schools":                  "Schools: inspected %s  fixed %s  officers %s",
		"hazard.notices":                  "Rectification notices %s",
		"hazard.by_district":              "By district",
		"hazard.col_inspections":          "inspected",
		"hazard.col_rectified":            "fixed",
		"hazard.col_disputes":             "resolved/found",
		"hazard.col_rate":                 "rate",
		"hazard.safe_days":                "%d days without a major accident",
		"hazard.accidents":                "Major accidents: %s",
		"trend.alarms":                    "Alarms",
		"trend.cases_filed":               "Filed",
		"trend.solved":                    "Solved",
		"trend.arrested":                  "Arrested",
		"trend.officers":                  "Officers",
		"trend.checked":                   "Checked",
		"trend.rectified":                 "Fixed",
		"trend.disputes":                  "Resolved",
		"ticker.title":                    "Alarm ticker",
		"ticker.open":                     "open %s",
		"ticker.empty":                    "No alarms yet",
		"ranking.title":                   "District ranking",
		"ranking.score":                   "score",
		"ranking.filter":                  "filter",
		"flag.red":                        "red",
		"flag.yellow":                     "yellow",
		"status.hint":                     "? help  space pause  <-/-> page  a ack  f filter  l lang  q quit",
		"status.hint_short":               "? help  q quit",
		"status.check_ok":                 "figures check OK (%d)",
		"status.check_bad":                "%d figures off: %s",
		"status.demo":                     "replay %s %d%%",
		"status.layout_err":               "layout file error",
		"status.layout_small":             "%s needs %dx%d",
		"status.filtered":                 "filtered: %s",
		"help.title":                      "Keys",
		"help.close":                      "press ? or Esc to close",
		"small":                           "Terminal too small: need at least %dx%d, have %dx%d. Enlarge the window or use a smaller font.",
		"loading":                         "Connecting to the feed...",
		"status.received":                 "received",
		"status.dispatched":               "dispatched",
		"status.closed":                   "closed",
		"status.unknown":                  "other",
		"alarm.criminal":                  "criminal",
		"alarm.public_order":              "public order",
		"alarm.traffic":                   "traffic",
		"alarm.dispute":                   "dispute",
		"alarm.fire":                      "fire",
		"alarm.rescue":                    "rescue",
		"alarm.mass_incident":             "mass incident",
		"alarm.other":                     "other",
		"case.homicide":                   "Homicide",
		"case.serious_violent":            "Serious violent",
		"case.gang":                       "Gang/organised",
		"case.theft":                      "Theft",
		"case.affray":                     "Affray",
		"case.vice":                       "Vice",
		"case.cross_border_gambling":      "Cross-border gambling",
		"case.online_gambling":            "Online gambling",
		"case.telecom_fraud":              "Telecom fraud",
		"case.food_drug_env":              "Food/drug/env.",
		"case.marriage_fraud":             "Marriage fraud",
		"case.street_racing":              "Street racing",
		"case.other":                      "Other",
		"case.cold":                       "cold",
		"unit.hazchem":                    "Hazchem",
		"unit.logistics":                  "Logistics",
		"unit.internal":                   "Internal units",
		"unit.school":                     "Schools",
		"unit.key_unit":                   "Key units",
		"viol.unlicensed":                 "Unlicensed",
		"viol.drink_driving":              "Drink driving",
		"viol.drunk_driving":              "Drunk driving",
		"viol.speeding":                   "Speeding",
		"viol.passenger_overload":         "Bus overload",
		"viol.cargo_overload":             "Truck overload",
		"viol.other":                      "Other",
		"measure.cases_solved":            "solved",
		"measure.suspects_arrested":       "arrested",
		"measure.alarms_criminal":         "crim.alarms",
		"measure.alarms_total":            "alarms",
		"measure.hazards_rectified":       "fixed",
		"measure.inspections":             "inspected",
		"measure.dispute_resolution_rate": "resolved%",
		"measure.persons_checked":         "checked",
		"key.quit":                        "quit",
		"key.help":                        "help",
		"key.pause":                       "pause/resume rotation",
		"key.prev":                        "previous page",
		"key.next":                        "next page",
		"key.jump":                        "jump to page N",
		"key.ack":                         "acknowledge alerts",
		"key.clear":                       "clear acknowledged alerts",
		"key.filter":                      "filter to my district",
		"key.lang":                        "switch language",
		"key.theme":                       "switch theme",
		"key.big":                         "big KPI figures on/off",
		"status.theme":                    "theme: %s",
		"theme.dark":                      "dark",
		"theme.light":                     "light",
		"theme.high-contrast":             "high contrast",
		"theme.mono":                      "mono",
		"money.wan":                       "",
		"money.yi":                        "",
		"age.s":                           "%ds",
		"age.m":                           "%dm%02ds",
		"age.h":                           "%dh%02dm",
		"age.d":                           "%dd%dh",
	},
}

// T returns the label for key in lang; a missing label shows its key so a
// gap is visible rather than blank.
func T(lang, key string) string {
	if s, ok := labels[lang][key]; ok {
		return s
	}
	return key
}

// DefaultLang picks the label language from LC_ALL, LC_MESSAGES or LANG:
// zh for a Chinese locale, en otherwise.
func DefaultLang(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

// abbreviations are shorter forms of labels, longest first, for columns
// too narrow for the full label: a label is shortened by this table, never
// cut with an ellipsis. A test renders every layout and size and fails on
// any cut label.
var abbreviations = map[string]map[string][]string{
	"zh": {
		"kpi.dispute_rate":        {"化解率"},
		"kpi.officers":            {"警力"},
		"kpi.rectified":           {"整改"},
		"alarm.mass_incident":     {"群体"},
		"viol.passenger_overload": {"客超"},
		"viol.cargo_overload":     {"货超"},
		"viol.unlicensed":         {"无证"},
		"unit.logistics":          {"寄递"},
		"unit.internal":           {"内部"},
		"unit.key_unit":           {"重点"},
		"page.hazard":             {"隐患"},
		"page.ranking":            {"排名"},
	},
	"en": {
		"kpi.alarms_criminal":        {"Crim. alarms", "Crim.alarms"},
		"kpi.alarms_public_order":    {"Pub.-order alarms", "P/O alarms", "Pub.order"},
		"kpi.cases_filed":            {"Crim. cases", "Cases"},
		"kpi.solved":                 {"Solved/arr."},
		"kpi.officers":               {"Officers"},
		"kpi.rectified":              {"Fixed"},
		"kpi.dispute_rate":           {"Disp. resolved", "Resolved"},
		"kpi.cases_solved":           {"Solved"},
		"kpi.arrested":               {"Arrested"},
		"case.serious_violent":       {"Ser. violent"},
		"case.gang":                  {"Gang/org."},
		"case.cross_border_gambling": {"X-border gambling", "X-border gamb."},
		"case.online_gambling":       {"Online gamb."},
		"case.telecom_fraud":         {"Tel. fraud"},
		"case.food_drug_env":         {"Food/drug"},
		"case.marriage_fraud":        {"Marr. fraud"},
		"case.street_racing":         {"Racing"},
		"unit.internal":              {"Internal"},
		"unit.key_unit":              {"Key units"},
		"viol.drink_driving":         {"Drink-drive"},
		"viol.drunk_driving":         {"Drunk-drive"},
		"viol.passenger_overload":    {"Bus overl."},
		"viol.cargo_overload":        {"Truck overl."},
		"alarm.public_order":         {"pub. order", "order"},
		"alarm.mass_incident":        {"mass inc.", "mass"},
		"alarm.criminal":             {"crim."},
		"alarm.traffic":              {"traff."},
		"alarm.dispute":              {"disp."},
		"status.dispatched":          {"sent"},
		"status.received":            {"new"},
		"page.trends":                {"Trends"},
		"page.ranking":               {"Ranking"},
		"page.grid":                  {"Grid"},
	},
}

// labelForms lists the forms of the labels under keys, longest first:
// each key's label, then its abbreviations.
func labelForms(lang string, keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, T(lang, k))
		out = append(out, abbreviations[lang][k]...)
	}
	return out
}

// fitLabel is the longest form of the labels under keys that fits w
// columns (w <= 0: the first); when none fits, the shortest, which the
// caller's Fit then cuts (a test makes sure that does not happen).
func fitLabel(c *Context, w int, keys ...string) string {
	forms := labelForms(c.Lang, keys...)
	if w <= 0 {
		return forms[0]
	}
	best := forms[0]
	for _, f := range forms {
		if Width(f) <= w {
			return f
		}
		if Width(f) < Width(best) {
			best = f
		}
	}
	return best
}

// minLabelWidth is the width of the narrowest form of the labels under keys.
func minLabelWidth(c *Context, keys ...string) int {
	m := 0
	for i, f := range labelForms(c.Lang, keys...) {
		if i == 0 || Width(f) < m {
			m = Width(f)
		}
	}
	return m
}

// labelColumn names ids (under prefix) in a column at most maxW wide:
// as wide as the widest full label when that fits, else maxW with the
// labels abbreviated to fit. It returns the column width and the names.
func labelColumn(c *Context, prefix string, ids []string, maxW int) (int, []string) {
	lw := 0
	for _, id := range ids {
		lw = max(lw, Width(c.label(prefix, id)))
	}
	lw = min(lw, maxW)
	names := make([]string, len(ids))
	for i, id := range ids {
		if _, ok := labels[c.Lang][prefix+id]; !ok {
			names[i] = c.label(prefix, id)
			continue
		}
		names[i] = fitLabel(c, lw, prefix+id)
	}
	return lw, names
}
