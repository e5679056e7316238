package campaign

import (
	"math"
	"sort"

	"sitboard/feed"
)

// Figure is one computed figure. OK is false when it cannot be computed,
// such as a comparison against a zero or missing baseline: shown as "n/a".
// Its JSON keys are snake_case like every other key of a bulletin; Go's
// decoder matches keys without regard to case, so a bulletin from an older
// hub ({"Value":…,"OK":…}) still reads.
type Figure struct {
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
}

// figureDef computes one published figure from counts and the config.
type figureDef func(cfg *Config, s *State, t *Counters) Figure

func n(v int64) Figure { return Figure{float64(v), true} }

// Change is the percent change from base to cur: (cur-base)/base*100.
// A zero baseline has no meaningful change, so it is not OK.
func Change(cur, base int64) Figure {
	if base <= 0 {
		return Figure{}
	}
	return Figure{float64(cur-base) / float64(base) * 100, true}
}

// Rate is part/whole*100; an empty whole is not OK.
func Rate(part, whole int64) Figure {
	if whole <= 0 {
		return Figure{}
	}
	return Figure{float64(part) / float64(whole) * 100, true}
}

func sum(m map[string]int64) int64 {
	var t int64
	for _, v := range m {
		t += v
	}
	return t
}

func persons(t *Counters, action, category string) int64 {
	return t.Persons[action+"/"+category]
}

func amount(t *Counters, action, category string) int64 {
	return t.AmountsCNY[action+"/"+category]
}

// ClearanceRate is the share of a category's criminal cases filed in the
// campaign that were solved (backlog cases solved do not count), as the
// published theft clearance rate is defined.
func ClearanceRate(t *Counters, category string) Figure {
	return Rate(t.NewSolved[category], t.CasesFiled[category])
}

// Metric is the current value of a baseline metric (see Metrics).
func Metric(t *Counters, name string) int64 {
	switch name {
	case "alarms_criminal":
		return t.AlarmsReceived[feed.AlarmCriminal]
	case "alarms_public_order":
		return t.AlarmsReceived[feed.AlarmPublicOrder]
	case "alarms_total":
		return sum(t.AlarmsReceived)
	case "criminal_cases_filed":
		return sum(t.CasesFiled)
	case "theft_cases_filed":
		return t.CasesFiled[feed.CaseTheft]
	case "telecom_fraud_cases":
		return t.CasesFiled[feed.CaseTelecomFraud]
	case "telecom_fraud_losses_cny":
		return t.LossesCNY[feed.CaseTelecomFraud]
	}
	return 0
}

// VsPrevious is the 环比 comparison of a metric, campaign to date as of
// the newest event (see ToDate).
func VsPrevious(cfg *Config, s *State, metric string) Figure {
	return ToDate(cfg, s, metric, VsPreviousPeriod, StateAsOf(s)).Change
}

// VsLastYear is the 同比 comparison of a metric, to date.
func VsLastYear(cfg *Config, s *State, metric string) Figure {
	return ToDate(cfg, s, metric, VsSamePeriodLast, StateAsOf(s)).Change
}

// toDate is a change figure of the campaign's totals; a district's counts
// have none (the city's baselines are not theirs).
func toDate(metric, basis string) figureDef {
	return func(cfg *Config, s *State, t *Counters) Figure {
		if s == nil || t != &s.Totals {
			return Figure{}
		}
		return ToDate(cfg, s, metric, basis, StateAsOf(s)).Change
	}
}

func vsPrevious(metric string) figureDef { return toDate(metric, VsPreviousPeriod) }

func vsLastYear(metric string) figureDef { return toDate(metric, VsSamePeriodLast) }

func notableValue(id string, pick func(*NotableState) int64) func(cfg *Config, s *State) Figure {
	return func(cfg *Config, s *State) Figure {
		if ns, ok := s.Notables[id]; ok {
			return n(pick(ns))
		}
		return n(0)
	}
}

// figureDefs maps every figure id of the published facts to its definition.
// The ids are the contract with facts/summer-action-2023.json.
var figureDefs = map[string]figureDef{
	"overall.alarms_criminal_mom_pct":      vsPrevious("alarms_criminal"),
	"overall.alarms_public_order_mom_pct":  vsPrevious("alarms_public_order"),
	"overall.criminal_cases_filed_yoy_pct": vsLastYear("criminal_cases_filed"),
	"overall.theft_cases_filed_yoy_pct":    vsLastYear("theft_cases_filed"),
	"overall.supervision_teams":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.Operations[feed.OpSupervision]) },

	"strike.homicide_new_solve_rate_pct": func(_ *Config, _ *State, t *Counters) Figure {
		return ClearanceRate(t, feed.CaseHomicide)
	},
	"strike.homicide_cold_cases_solved": func(_ *Config, _ *State, t *Counters) Figure { return n(t.ColdSolved[feed.CaseHomicide]) },
	// Serious violent crime (严重暴力犯罪) includes homicide.
	"strike.serious_violent_cases_solved": func(_ *Config, _ *State, t *Counters) Figure {
		return n(t.CasesSolved[feed.CaseSeriousViolent] + t.CasesSolved[feed.CaseHomicide])
	},
	"strike.homicide_fugitives_10y_caught": func(_ *Config, _ *State, t *Counters) Figure { return n(t.Fugitives10Years[feed.CaseHomicide]) },
	"strike.gang_suspects_arrested":        func(_ *Config, _ *State, t *Counters) Figure { return n(persons(t, feed.ActionArrest, feed.CaseGang)) },
	"strike.gang_assets_seized_cny":        func(_ *Config, _ *State, t *Counters) Figure { return n(amount(t, feed.ActionSeizure, feed.CaseGang)) },
	"strike.gang_groups_busted":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.GroupsBusted[feed.CaseGang]) },
	"strike.gang_suspects_prosecuted": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionProsecution, feed.CaseGang))
	},
	"strike.theft_cases_solved": func(_ *Config, _ *State, t *Counters) Figure { return n(t.CasesSolved[feed.CaseTheft]) },
	// The clearance rate counts cases filed in the period and solved in it;
	// backlog cases solved (in theft_cases_solved) do not inflate it.
	"strike.theft_clearance_rate_pct": func(_ *Config, _ *State, t *Counters) Figure {
		return ClearanceRate(t, feed.CaseTheft)
	},
	"strike.theft_suspects_arrested": func(_ *Config, _ *State, t *Counters) Figure { return n(persons(t, feed.ActionArrest, feed.CaseTheft)) },
	"strike.affray_cases":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.CasesFiled[feed.CaseAffray]) },
	"strike.affray_criminal_measures": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionCriminalMeasure, feed.CaseAffray))
	},
	"strike.vice_criminal_cases": func(_ *Config, _ *State, t *Counters) Figure { return n(t.CasesFiled[feed.CaseVice]) },
	"strike.vice_admin_cases":    func(_ *Config, _ *State, t *Counters) Figure { return n(t.AdminCasesFiled[feed.CaseVice]) },
	"strike.vice_criminal_measures": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionCriminalMeasure, feed.CaseVice))
	},
	"strike.vice_admin_penalties": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionAdminPenalty, feed.CaseVice))
	},
	"strike.cross_border_gambling_cases": func(_ *Config, _ *State, t *Counters) Figure {
		return n(t.CasesFiled[feed.CaseCrossBorderGambling])
	},
	"strike.cross_border_gambling_criminal_measures": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionCriminalMeasure, feed.CaseCrossBorderGambling))
	},
	"strike.cross_border_gambling_prosecuted": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionProsecution, feed.CaseCrossBorderGambling))
	},
	"strike.telecom_fraud_cases_yoy_pct":      vsLastYear("telecom_fraud_cases"),
	"strike.telecom_fraud_losses_yoy_pct":     vsLastYear("telecom_fraud_losses_cny"),
	"strike.telecom_fraud_cluster_operations": func(_ *Config, _ *State, t *Counters) Figure { return n(t.Operations[feed.OpClusterCampaign]) },
	"strike.telecom_fraud_cases_solved":       func(_ *Config, _ *State, t *Counters) Figure { return n(t.CasesSolved[feed.CaseTelecomFraud]) },
	"strike.telecom_fraud_suspects_arrested": func(_ *Config, _ *State, t *Counters) Figure {
		return n(persons(t, feed.ActionArrest, feed.CaseTelecomFraud))
	},
	"patrol.grids":                        func(cfg *Config, _ *State, _ *Counters) Figure { return n(int64(len(cfg.Grids))) },
	"patrol.night_markets":                func(cfg *Config, _ *State, _ *Counters) Figure { return n(int64(cfg.SiteCount("night_market"))) },
	"patrol.traffic_officer_deployments":  func(_ *Config, _ *State, t *Counters) Figure { return n(t.Officers[feed.DutyTraffic]) },
	"patrol.traffic_vehicle_deployments":  func(_ *Config, _ *State, t *Counters) Figure { return n(t.Vehicles[feed.DutyTraffic]) },
	"patrol.traffic_enforcement_stations": func(_ *Config, _ *State, t *Counters) Figure { return n(t.Posts[feed.PostTrafficStation]) },
	"patrol.traffic_duty_posts":           func(_ *Config, _ *State, t *Counters) Figure { return n(t.Posts[feed.PostTrafficDuty]) },
	"patrol.traffic_violations_total":     func(_ *Config, _ *State, t *Counters) Figure { return n(sum(t.Violations)) },
	"patrol.traffic_unlicensed":           func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["unlicensed"]) },
	"patrol.traffic_drink_driving":        func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["drink_driving"]) },
	"patrol.traffic_drunk_driving":        func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["drunk_driving"]) },
	"patrol.traffic_speeding":             func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["speeding"]) },
	"patrol.traffic_passenger_overload":   func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["passenger_overload"]) },
	"patrol.traffic_cargo_overload":       func(_ *Config, _ *State, t *Counters) Figure { return n(t.Violations["cargo_overload"]) },
	"patrol.night_spot_checks":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.Operations[feed.OpNightSpotCheck]) },
	"patrol.checkpoints":                  func(_ *Config, _ *State, t *Counters) Figure { return n(t.Posts[feed.PostCheckpoint]) },
	"patrol.area_officer_deployments":     func(_ *Config, _ *State, t *Counters) Figure { return n(t.Officers[feed.DutyArea]) },
	"patrol.social_force_deployments":     func(_ *Config, _ *State, t *Counters) Figure { return n(t.Volunteers) },
	"patrol.persons_checked":              func(_ *Config, _ *State, t *Counters) Figure { return n(t.PersonsChecked) },
	"patrol.vehicles_checked":             func(_ *Config, _ *State, t *Counters) Figure { return n(t.VehiclesChecked) },
	"patrol.key_unit_hazards_rectified":   func(_ *Config, _ *State, t *Counters) Figure { return n(t.Rectified[feed.UnitKeyUnit]) },
	"hazard.hazchem_inspections":          func(_ *Config, _ *State, t *Counters) Figure { return n(t.Inspections[feed.UnitHazchem]) },
	"hazard.hazchem_rectified":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.Rectified[feed.UnitHazchem]) },
	"hazard.logistics_inspections":        func(_ *Config, _ *State, t *Counters) Figure { return n(t.Inspections[feed.UnitLogistics]) },
	"hazard.logistics_rectified":          func(_ *Config, _ *State, t *Counters) Figure { return n(t.Rectified[feed.UnitLogistics]) },
	"hazard.internal_unit_inspections":    func(_ *Config, _ *State, t *Counters) Figure { return n(t.Inspections[feed.UnitInternal]) },
	"hazard.internal_unit_rectified":      func(_ *Config, _ *State, t *Counters) Figure { return n(t.Rectified[feed.UnitInternal]) },
	"hazard.rectification_notices":        func(_ *Config, _ *State, t *Counters) Figure { return n(t.Notices) },
	"hazard.disputes_found":               func(_ *Config, _ *State, t *Counters) Figure { return n(t.DisputesFound) },
	"hazard.disputes_resolved":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.DisputesResolved) },
	"hazard.disputes_resolution_rate_pct": func(_ *Config, _ *State, t *Counters) Figure { return Rate(t.DisputesResolved, t.DisputesFound) },
	"hazard.school_officer_deployments":   func(_ *Config, _ *State, t *Counters) Figure { return n(t.Officers[feed.DutySchool]) },
	"hazard.schools_inspected":            func(_ *Config, _ *State, t *Counters) Figure { return n(t.Inspections[feed.UnitSchool]) },
	"hazard.school_hazards_rectified":     func(_ *Config, _ *State, t *Counters) Figure { return n(t.Rectified[feed.UnitSchool]) },
	"hazard.major_accidents":              func(_ *Config, _ *State, t *Counters) Figure { return n(t.MajorAccidents) },
}

// stateFigureDefs are figures about one notable case.
var stateFigureDefs = map[string]func(cfg *Config, s *State) Figure{
	"strike.case_0420_funds_recovered_cny":    notableValue("case-0420", func(n *NotableState) int64 { return n.RecoveredCNY }),
	"strike.toxic_health_food_case_value_cny": notableValue("toxic-health-food", func(n *NotableState) int64 { return n.ValueCNY }),
}

// FigureIDs lists every figure the fold computes, sorted.
func FigureIDs() []string {
	ids := make([]string, 0, len(figureDefs)+len(stateFigureDefs))
	for id := range figureDefs {
		ids = append(ids, id)
	}
	for id := range stateFigureDefs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Figures computes every figure from the state's campaign totals.
func Figures(cfg *Config, s *State) map[string]Figure {
	return figuresOf(cfg, s, &s.Totals)
}

// DistrictFigures computes the figures for one district's counts (figures
// that only make sense city-wide come out the same as the city's).
func DistrictFigures(cfg *Config, s *State, district string) map[string]Figure {
	c, ok := s.Districts[district]
	if !ok {
		return nil
	}
	return figuresOf(cfg, s, c)
}

func figuresOf(cfg *Config, s *State, t *Counters) map[string]Figure {
	out := make(map[string]Figure, len(figureDefs)+len(stateFigureDefs))
	for id, def := range figureDefs {
		out[id] = def(cfg, s, t)
	}
	for id, def := range stateFigureDefs {
		out[id] = def(cfg, s)
	}
	return out
}

// Round rounds v to the given decimals, half away from zero.
func Round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}
