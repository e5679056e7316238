package campaign

import "sitboard/feed"

// The display side of the figures: what each one counts, in what unit, and
// what it is compared with. The board's 通报/Figures page, its help and
// docs/figures.md all read this table, so a figure cannot appear on screen
// without a unit or with a comparison nobody defined.

// Lines of work, in the article's order. Overall figures come first.
const (
	LineOverall = "overall"
	LineStrike  = "strike"
	LinePatrol  = "patrol"
	LineHazard  = "hazard"
)

// Lines lists the lines of work in display order.
var Lines = []string{LineOverall, LineStrike, LinePatrol, LineHazard}

// Units of figures. The board names them from its label tables ("unit."
// plus the constant); docs/figures.md explains each.
const (
	UnitPercent      = "pct"           // a change or a rate, in percent
	UnitCNY          = "cny"           // yuan
	UnitCases        = "cases"         // 起: cases, violations, accidents
	UnitPersons      = "persons"       // 人: distinct persons
	UnitPersonTimes  = "person_times"  // 人次: one person on one shift counts once per shift
	UnitVehicleTimes = "vehicle_times" // 台次: one vehicle on one shift, or one vehicle checked
	UnitVisits       = "visits"        // 家次: one unit inspected once
	UnitHazards      = "hazards"       // 处: hazards rectified
	UnitNotices      = "notices"       // 份: notices issued
	UnitGroups       = "groups"        // 个: criminal groups, teams, grids, posts
	UnitOperations   = "operations"    // 次: operations launched
	UnitSites        = "sites"         // 处/家: watched places
	UnitSchools      = "schools"       // 所: schools
	UnitDisputes     = "disputes"      // 件: disputes
)

// Figure kinds on display.
const (
	KindCount  = "count"  // a campaign-to-date sum of events or persons
	KindRate   = "rate"   // part / whole × 100, part a subset of whole
	KindChange = "change" // (campaign − baseline pro-rated) / baseline pro-rated × 100
	KindConfig = "config" // a count from the campaign file, not from events
)

// Comparison bases of a change figure.
const (
	VsPreviousPeriod = "previous"  // 环比: the period just before the campaign
	VsSamePeriodLast = "last_year" // 同比: the same period a year before
)

// FigureInfo says how one figure reads.
type FigureInfo struct {
	ID   string
	Line string
	Kind string
	Unit string
	// Metric and Basis are set for a change: the baseline metric compared
	// and with which baseline (VsPreviousPeriod or VsSamePeriodLast).
	Metric string
	Basis  string
	// Part and Whole name, for a rate, the figures divided (their ids).
	Part, Whole string
	// Standing marks a force set up once and kept (督察组, posts,
	// stations, checkpoints): a period reports it in service at its end,
	// its openings apart (docs/figures.md, rule 4).
	Standing bool
	// Single marks the figure of one named case (“4·20”…): shown where the
	// case moved in the period, never compared (no 环比 on one case).
	Single bool
}

// FigureInfos is every figure the fold computes, in the order the article
// publishes them within each line of work.
var FigureInfos = []FigureInfo{
	{ID: "overall.alarms_criminal_mom_pct", Line: LineOverall, Kind: KindChange, Unit: UnitPercent, Metric: "alarms_criminal", Basis: VsPreviousPeriod},
	{ID: "overall.alarms_public_order_mom_pct", Line: LineOverall, Kind: KindChange, Unit: UnitPercent, Metric: "alarms_public_order", Basis: VsPreviousPeriod},
	{ID: "overall.criminal_cases_filed_yoy_pct", Line: LineOverall, Kind: KindChange, Unit: UnitPercent, Metric: "criminal_cases_filed", Basis: VsSamePeriodLast},
	{ID: "overall.theft_cases_filed_yoy_pct", Line: LineOverall, Kind: KindChange, Unit: UnitPercent, Metric: "theft_cases_filed", Basis: VsSamePeriodLast},
	{ID: "overall.supervision_teams", Line: LineOverall, Kind: KindCount, Unit: UnitGroups, Standing: true},

	{ID: "strike.homicide_new_solve_rate_pct", Line: LineStrike, Kind: KindRate, Unit: UnitPercent, Part: "new homicides solved", Whole: "homicides filed"},
	{ID: "strike.homicide_cold_cases_solved", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.serious_violent_cases_solved", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.homicide_fugitives_10y_caught", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.gang_suspects_arrested", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.gang_assets_seized_cny", Line: LineStrike, Kind: KindCount, Unit: UnitCNY},
	{ID: "strike.gang_groups_busted", Line: LineStrike, Kind: KindCount, Unit: UnitGroups},
	{ID: "strike.gang_suspects_prosecuted", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.theft_cases_solved", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.theft_clearance_rate_pct", Line: LineStrike, Kind: KindRate, Unit: UnitPercent, Part: "new thefts solved", Whole: "thefts filed"},
	{ID: "strike.theft_suspects_arrested", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.affray_cases", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.affray_criminal_measures", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.vice_criminal_cases", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.vice_admin_cases", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.vice_criminal_measures", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.vice_admin_penalties", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.cross_border_gambling_cases", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.cross_border_gambling_criminal_measures", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.cross_border_gambling_prosecuted", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.telecom_fraud_cases_yoy_pct", Line: LineStrike, Kind: KindChange, Unit: UnitPercent, Metric: "telecom_fraud_cases", Basis: VsSamePeriodLast},
	{ID: "strike.telecom_fraud_losses_yoy_pct", Line: LineStrike, Kind: KindChange, Unit: UnitPercent, Metric: "telecom_fraud_losses_cny", Basis: VsSamePeriodLast},
	{ID: "strike.telecom_fraud_cluster_operations", Line: LineStrike, Kind: KindCount, Unit: UnitOperations},
	{ID: "strike.telecom_fraud_cases_solved", Line: LineStrike, Kind: KindCount, Unit: UnitCases},
	{ID: "strike.telecom_fraud_suspects_arrested", Line: LineStrike, Kind: KindCount, Unit: UnitPersons},
	{ID: "strike.case_0420_funds_recovered_cny", Line: LineStrike, Kind: KindCount, Unit: UnitCNY, Single: true},
	{ID: "strike.toxic_health_food_case_value_cny", Line: LineStrike, Kind: KindCount, Unit: UnitCNY, Single: true},

	{ID: "patrol.grids", Line: LinePatrol, Kind: KindConfig, Unit: UnitGroups},
	{ID: "patrol.night_markets", Line: LinePatrol, Kind: KindConfig, Unit: UnitSites},
	{ID: "patrol.traffic_officer_deployments", Line: LinePatrol, Kind: KindCount, Unit: UnitPersonTimes},
	{ID: "patrol.traffic_vehicle_deployments", Line: LinePatrol, Kind: KindCount, Unit: UnitVehicleTimes},
	{ID: "patrol.traffic_enforcement_stations", Line: LinePatrol, Kind: KindCount, Unit: UnitGroups, Standing: true},
	{ID: "patrol.traffic_duty_posts", Line: LinePatrol, Kind: KindCount, Unit: UnitGroups, Standing: true},
	{ID: "patrol.traffic_violations_total", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_unlicensed", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_drink_driving", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_drunk_driving", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_speeding", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_passenger_overload", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.traffic_cargo_overload", Line: LinePatrol, Kind: KindCount, Unit: UnitCases},
	{ID: "patrol.night_spot_checks", Line: LinePatrol, Kind: KindCount, Unit: UnitOperations},
	{ID: "patrol.checkpoints", Line: LinePatrol, Kind: KindCount, Unit: UnitGroups, Standing: true},
	{ID: "patrol.area_officer_deployments", Line: LinePatrol, Kind: KindCount, Unit: UnitPersonTimes},
	{ID: "patrol.social_force_deployments", Line: LinePatrol, Kind: KindCount, Unit: UnitPersonTimes},
	{ID: "patrol.persons_checked", Line: LinePatrol, Kind: KindCount, Unit: UnitPersonTimes},
	{ID: "patrol.vehicles_checked", Line: LinePatrol, Kind: KindCount, Unit: UnitVehicleTimes},
	{ID: "patrol.key_unit_hazards_rectified", Line: LinePatrol, Kind: KindCount, Unit: UnitHazards},

	{ID: "hazard.hazchem_inspections", Line: LineHazard, Kind: KindCount, Unit: UnitVisits},
	{ID: "hazard.hazchem_rectified", Line: LineHazard, Kind: KindCount, Unit: UnitHazards},
	{ID: "hazard.logistics_inspections", Line: LineHazard, Kind: KindCount, Unit: UnitVisits},
	{ID: "hazard.logistics_rectified", Line: LineHazard, Kind: KindCount, Unit: UnitHazards},
	{ID: "hazard.internal_unit_inspections", Line: LineHazard, Kind: KindCount, Unit: UnitVisits},
	{ID: "hazard.internal_unit_rectified", Line: LineHazard, Kind: KindCount, Unit: UnitHazards},
	{ID: "hazard.rectification_notices", Line: LineHazard, Kind: KindCount, Unit: UnitNotices},
	{ID: "hazard.disputes_found", Line: LineHazard, Kind: KindCount, Unit: UnitDisputes},
	{ID: "hazard.disputes_resolved", Line: LineHazard, Kind: KindCount, Unit: UnitDisputes},
	{ID: "hazard.disputes_resolution_rate_pct", Line: LineHazard, Kind: KindRate, Unit: UnitPercent, Part: "disputes resolved", Whole: "disputes found"},
	{ID: "hazard.school_officer_deployments", Line: LineHazard, Kind: KindCount, Unit: UnitPersonTimes},
	{ID: "hazard.schools_inspected", Line: LineHazard, Kind: KindCount, Unit: UnitSchools},
	{ID: "hazard.school_hazards_rectified", Line: LineHazard, Kind: KindCount, Unit: UnitHazards},
	{ID: "hazard.major_accidents", Line: LineHazard, Kind: KindCount, Unit: UnitCases},
}

// ShownRate is a rate only where its definition holds: the part is a
// subset of the whole, so the rate lies in 0–100%. Today's resolutions
// against today's new disputes is not such a rate (most resolutions are of
// older disputes), and neither is any part larger than its whole.
func ShownRate(part, whole int64) Figure {
	if part < 0 || part > whole {
		return Figure{}
	}
	return Rate(part, whole)
}

// FigureInfoByID looks a figure's display definition up.
func FigureInfoByID(id string) (FigureInfo, bool) {
	for _, f := range FigureInfos {
		if f.ID == id {
			return f, true
		}
	}
	return FigureInfo{}, false
}

// RateCounts are the part and whole behind a rate figure, from the state's
// campaign totals; ok is false for a figure that is not a rate.
func RateCounts(s *State, id string) (part, whole int64, ok bool) {
	return RateCountsOf(&s.Totals, id)
}

// RateCountsOf is RateCounts over any counts, e.g. a period's.
func RateCountsOf(t *Counters, id string) (part, whole int64, ok bool) {
	switch id {
	case "strike.homicide_new_solve_rate_pct":
		return t.NewSolved[feed.CaseHomicide], t.CasesFiled[feed.CaseHomicide], true
	case "strike.theft_clearance_rate_pct":
		return t.NewSolved[feed.CaseTheft], t.CasesFiled[feed.CaseTheft], true
	case "hazard.disputes_resolution_rate_pct":
		return t.DisputesResolved, t.DisputesFound, true
	}
	return 0, 0, false
}
