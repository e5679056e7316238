// Package feed is the wire: the event envelope, the typed payloads, their
// validation, and the stream protocol messages shared by hub and clients.
package feed

import (
	"encoding/json"
	"time"
)

// Event is one fact reported by an upstream system. ID is the publisher's
// idempotency key; Seq is assigned by the hub's log and is zero before ingest.
type Event struct {
	Seq      uint64          `json:"seq,omitempty"`
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	District string          `json:"district"`
	Grid     string          `json:"grid,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// Event types. A type not listed here is accepted and stored by the hub and
// shown in the ticker, but not folded, so newer upstreams never break older
// hubs or boards.
const (
	TypeAlarmReceived   = "alarm.received"
	TypeAlarmDispatched = "alarm.dispatched"
	TypeAlarmClosed     = "alarm.closed"
	TypeCaseFiled       = "case.filed"
	TypeCaseSolved      = "case.solved"
	TypeCaseAction      = "case.action"
	TypeFugitiveCaught  = "fugitive.caught"
	TypePatrolDeployed  = "patrol.deployed"
	TypeShiftReport     = "patrol.shift_report"
	TypeInspection      = "inspection.done"
	TypeDisputeFound    = "dispute.found"
	TypeDisputeResolved = "dispute.resolved"
	TypeOperation       = "operation.launched"
	TypeMajorAccident   = "accident.major"
	// TypeCampaignStarted resets the fold: a replay loop emits it so that each
	// loop is a fresh campaign and totals are never double-counted.
	TypeCampaignStarted = "campaign.started"
	// TypeAlertAcknowledged records that a duty officer acknowledged a
	// priority alert on a board. Boards send it through POST /v1/acks;
	// integrators may POST it to /v1/events like any event.
	TypeAlertAcknowledged = "alert.acknowledged"
	// TypeClockTick says only that the time is at: a live hub writes one
	// each minute (id hub:tick:<time>) so that warning rules which wait
	// for time to pass (an alarm undispatched after N minutes) fire on a
	// quiet night, and fire at the same point of the log in every fold.
	// It has no district (docs/protocol.md, "Time").
	TypeClockTick = "clock.tick"
)

// Alarm categories (110 calls).
const (
	AlarmCriminal     = "criminal"
	AlarmPublicOrder  = "public_order"
	AlarmTraffic      = "traffic"
	AlarmDispute      = "dispute"
	AlarmFire         = "fire"
	AlarmRescue       = "rescue"
	AlarmMassIncident = "mass_incident"
	AlarmOther        = "other"
)

// AlarmCategories lists every valid alarm category, in display order.
var AlarmCategories = []string{AlarmCriminal, AlarmPublicOrder, AlarmTraffic, AlarmDispute, AlarmFire, AlarmRescue, AlarmMassIncident, AlarmOther}

// Case categories.
const (
	CaseHomicide            = "homicide"
	CaseSeriousViolent      = "serious_violent" // robbery, rape, kidnapping, arson, explosion (homicide has its own category)
	CaseGang                = "gang"            // 涉黑涉恶
	CaseTheft               = "theft"
	CaseAffray              = "affray" // 寻衅滋事、聚众斗殴
	CaseVice                = "vice"   // 黄赌
	CaseCrossBorderGambling = "cross_border_gambling"
	CaseOnlineGambling      = "online_gambling"
	CaseTelecomFraud        = "telecom_fraud"
	CaseFoodDrugEnv         = "food_drug_env" // 食药环
	CaseMarriageFraud       = "marriage_fraud"
	CaseStreetRacing        = "street_racing" // 飙车炸街
	CaseOther               = "other"
)

// CaseCategories lists every valid case category, in display order.
var CaseCategories = []string{CaseHomicide, CaseSeriousViolent, CaseGang, CaseTheft, CaseAffray, CaseVice, CaseCrossBorderGambling, CaseOnlineGambling, CaseTelecomFraud, CaseFoodDrugEnv, CaseMarriageFraud, CaseStreetRacing, CaseOther}

// Case kinds.
const (
	KindCriminal       = "criminal"
	KindAdministrative = "administrative"
)

// Case actions.
const (
	ActionArrest          = "arrest"           // suspects arrested (抓获)
	ActionCriminalMeasure = "criminal_measure" // criminal compulsory measures (刑事强制措施)
	ActionAdminPenalty    = "admin_penalty"    // administrative penalties (行政处罚)
	ActionProsecution     = "prosecution"      // sent for prosecution (移送起诉/公诉)
	ActionSeizure         = "seizure"          // assets seized (扣押), amount_cny
	ActionRecovery        = "recovery"         // funds recovered (追缴), amount_cny
)

// CaseActions lists every valid case action.
var CaseActions = []string{ActionArrest, ActionCriminalMeasure, ActionAdminPenalty, ActionProsecution, ActionSeizure, ActionRecovery}

// Patrol post kinds for patrol.deployed.
const (
	PostTrafficStation = "traffic_station" // 交警执法站
	PostTrafficDuty    = "traffic_duty"    // 执勤执法岗(点)
	PostCheckpoint     = "checkpoint"      // 武装执勤点位、街面警务站和卡点
)

// PostKinds lists every valid post kind.
var PostKinds = []string{PostTrafficStation, PostTrafficDuty, PostCheckpoint}

// Shift duties for patrol.shift_report.
const (
	DutyTraffic = "traffic" // road traffic enforcement
	DutyArea    = "area"    // area (社会面) patrol
	DutySchool  = "school"  // school safety
)

// Duties lists every valid duty.
var Duties = []string{DutyTraffic, DutyArea, DutySchool}

// Inspection unit types for inspection.done.
const (
	UnitHazchem   = "hazchem"   // 易制爆危险化学品使用单位
	UnitLogistics = "logistics" // 寄递物流
	UnitInternal  = "internal"  // 内部单位
	UnitSchool    = "school"
	UnitKeyUnit   = "key_unit" // 重点单位
)

// UnitTypes lists every valid inspection unit type.
var UnitTypes = []string{UnitHazchem, UnitLogistics, UnitInternal, UnitSchool, UnitKeyUnit}

// Operation kinds for operation.launched.
const (
	OpClusterCampaign = "cluster_campaign" // 全国集群战役
	OpNightSpotCheck  = "night_spot_check" // 夜间临查临检
	OpSupervision     = "supervision_team" // 督察组
	OpOther           = "other"
)

// OperationKinds lists every valid operation kind.
var OperationKinds = []string{OpClusterCampaign, OpNightSpotCheck, OpSupervision, OpOther}

// AlarmReceived is a 110 call as it enters the dispatch system.
type AlarmReceived struct {
	AlarmID  string `json:"alarm_id"`
	Category string `json:"category"`
	Priority int    `json:"priority"` // 1 urgent, 2 normal, 3 low
	Summary  string `json:"summary,omitempty"`
}

// AlarmDispatched says a unit was sent to an alarm.
type AlarmDispatched struct {
	AlarmID  string `json:"alarm_id"`
	Category string `json:"category"`
	Unit     string `json:"unit,omitempty"`
}

// AlarmClosed says an alarm was dealt with.
type AlarmClosed struct {
	AlarmID  string `json:"alarm_id"`
	Category string `json:"category"`
	Outcome  string `json:"outcome,omitempty"`
}

// CaseFiled is a case opened (立案 for criminal, 受理 for administrative).
type CaseFiled struct {
	CaseID   string `json:"case_id"`
	Category string `json:"category"`
	Kind     string `json:"kind"`
	LossCNY  int64  `json:"loss_cny,omitempty"` // victims' losses, for fraud
	Notable  string `json:"notable,omitempty"`  // id of a notable case in the campaign config
	Summary  string `json:"summary,omitempty"`
}

// CaseSolved is a case cleared (破案). Cold marks a backlog case (积案);
// GroupBusted marks a criminal group broken up with it.
type CaseSolved struct {
	CaseID      string `json:"case_id"`
	Category    string `json:"category"`
	Kind        string `json:"kind"`
	Cold        bool   `json:"cold,omitempty"`
	GroupBusted bool   `json:"group_busted,omitempty"`
	ValueCNY    int64  `json:"value_cny,omitempty"` // case value (案值)
	Notable     string `json:"notable,omitempty"`
	Summary     string `json:"summary,omitempty"`
}

// CaseAction is an action taken on a case: persons for arrests, measures,
// penalties and prosecutions; amount_cny for seizures and recoveries.
type CaseAction struct {
	CaseID    string `json:"case_id"`
	Category  string `json:"category"`
	Action    string `json:"action"`
	Persons   int64  `json:"persons,omitempty"`
	AmountCNY int64  `json:"amount_cny,omitempty"`
	Notable   string `json:"notable,omitempty"`
}

// FugitiveCaught is a wanted person caught.
type FugitiveCaught struct {
	Crime        string `json:"crime"` // a case category
	YearsAtLarge int    `json:"years_at_large"`
	Summary      string `json:"summary,omitempty"`
}

// PatrolDeployed is a post opened for the campaign.
type PatrolDeployed struct {
	PostKind string `json:"post_kind"`
	PostID   string `json:"post_id"`
	Name     string `json:"name,omitempty"`
}

// Violations counts traffic violations by kind in one shift.
type Violations struct {
	Unlicensed        int64 `json:"unlicensed,omitempty"`
	DrinkDriving      int64 `json:"drink_driving,omitempty"`
	DrunkDriving      int64 `json:"drunk_driving,omitempty"`
	Speeding          int64 `json:"speeding,omitempty"`
	PassengerOverload int64 `json:"passenger_overload,omitempty"`
	CargoOverload     int64 `json:"cargo_overload,omitempty"`
	Other             int64 `json:"other,omitempty"`
}

// Total is every violation in the shift.
func (v Violations) Total() int64 {
	return v.Unlicensed + v.DrinkDriving + v.DrunkDriving + v.Speeding + v.PassengerOverload + v.CargoOverload + v.Other
}

// ShiftReport is one district's report for one duty and shift.
type ShiftReport struct {
	Duty            string     `json:"duty"`
	Officers        int64      `json:"officers"`
	Vehicles        int64      `json:"vehicles,omitempty"`
	Volunteers      int64      `json:"volunteers,omitempty"`
	PersonsChecked  int64      `json:"persons_checked,omitempty"`
	VehiclesChecked int64      `json:"vehicles_checked,omitempty"`
	Violations      Violations `json:"violations,omitempty"`
	// Sites are the ids of the campaign's watched sites (such as night
	// markets) the shift patrolled: an area-patrol night shift lists the
	// sites of its grid it covered. Optional; at most MaxShiftSites, each
	// once, each a site of the event's district (checked by the hub
	// against the campaign config).
	Sites []string `json:"sites,omitempty"`
}

// Inspection is one inspection visit to one unit.
type Inspection struct {
	UnitType  string `json:"unit_type"`
	Unit      string `json:"unit,omitempty"`
	Found     int64  `json:"found,omitempty"`
	Rectified int64  `json:"rectified,omitempty"`
	Notices   int64  `json:"notices,omitempty"` // 限期整改通知书 issued
}

// DisputeFound is a dispute identified (排查).
type DisputeFound struct {
	DisputeID string `json:"dispute_id"`
	Kind      string `json:"kind,omitempty"`
	Summary   string `json:"summary,omitempty"`
}

// DisputeResolved is a dispute resolved (化解).
type DisputeResolved struct {
	DisputeID string `json:"dispute_id"`
}

// Operation is a special operation launched.
type Operation struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

// MajorAccident is a major safety accident (重特大安全事故).
type MajorAccident struct {
	Kind    string `json:"kind"`
	Deaths  int64  `json:"deaths,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// CampaignStarted marks the start of a (replayed) campaign run.
type CampaignStarted struct {
	Run  int    `json:"run"`
	Note string `json:"note,omitempty"`
}

// ClockTick is the payload of clock.tick: an empty object. It carries
// nothing but its event's time.
type ClockTick struct{}

// MaxAckByLen bounds AlertAcknowledged.By, in characters: a station's or a
// board's name, short enough for a line of the alerts region.
const MaxAckByLen = 64

// AlertAcknowledged says who acknowledged a priority alert. AlertID is the
// id of the event that raised the alert (campaign.Alert.ID); the event's at
// is when it was acknowledged.
type AlertAcknowledged struct {
	AlertID string `json:"alert_id"`
	By      string `json:"by"`
}
