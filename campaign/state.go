package campaign

import (
	"encoding/json"
	"slices"
	"time"
)

// Bounds on what the state keeps, whatever the number of events.
const (
	TickerSize     = 64   // most recent alarms and other events, newest first
	ClosuresSize   = 32   // most recent case closures, newest first
	MaxOpenAlarms  = 4096 // open alarm queue; beyond it the oldest are dropped and counted
	MaxEarlyCloses = 1024 // closes of alarms not open, remembered for a late alarm.received
	// DedupWindow is how many event ids the fold remembers to drop a
	// redelivery (a batch resent on the wire). The hub refuses a known id
	// at ingest over the whole campaign, so the log holds none twice; the
	// window only needs to span a few frames (512 events each), and it is
	// 14 KB of every snapshot at 1,024.
	DedupWindow     = 1024
	MaxUnknownTypes = 32 // distinct unknown types counted by name; the rest under "other"
)

// State is everything the board and summary need, folded from events.
// It holds aggregates and bounded rings, never the event history, so its
// JSON snapshot stays small. Percentages are derived (see Figures), never stored.
type State struct {
	Seq    uint64    `json:"seq"`
	Run    int       `json:"run"`    // campaign.started markers seen
	Events int64     `json:"events"` // events folded
	LastAt time.Time `json:"last_at,omitzero"`
	// MissingBefore is the seq of the first event folded when it was not
	// seq 1 and no campaign run started after it: retention had dropped
	// the log's beginning, so the totals are partial. 0: whole.
	MissingBefore uint64 `json:"missing_before,omitempty"`
	Day           int    `json:"day"` // campaign day of the newest event (1-based, clamped)

	Totals    Counters             `json:"totals"`
	Districts map[string]*Counters `json:"districts"`
	// Days has one entry per campaign day: the per-day series behind the
	// sparklines and the "today" values.
	Days []DayCounts `json:"days"`
	// DistrictToday has each district's counts for campaign day TodayDay,
	// the newest day seen: the "today" values of a board filtered to a
	// district. (A per-district series for every day would triple the
	// snapshot for a view nobody asked for.)
	DistrictToday map[string]*DayCounts `json:"district_today,omitempty"`
	TodayDay      int                   `json:"today_day,omitempty"`
	// Intraday is the city's counts hour by hour for the newest campaign
	// day and the day before (the 日动态 page's "yesterday to the same
	// hour"). nil in a state from a hub older than it.
	Intraday *Intraday              `json:"intraday,omitempty"`
	Grids    map[string]*GridCounts `json:"grids"`

	Notables map[string]*NotableState `json:"notables,omitempty"`
	// Flags are the 红黄旗 awarded per week, half-month and month, and
	// the periods running (docs/figures.md, rule 7). nil in a state from a
	// hub older than it.
	Flags *FlagBook `json:"flags,omitempty"`

	// Reports are the shift reports of the newest nights against the
	// campaign file's [[reports]] (reports.go); nil until one comes.
	Reports *ReportBook `json:"reports,omitempty"`

	// Directives are the office's newest instructions and each district's
	// sign-off and report (directives.go); nil until one comes.
	Directives *DirectiveBook `json:"directives,omitempty"`

	// Supervision is the 督察 record: open findings, the teams' visits
	// (supervision.go); nil until a supervision event comes.
	Supervision *SupervisionBook `json:"supervision,omitempty"`

	OpenAlarms  map[string]OpenAlarm `json:"open_alarms"`
	OpenDropped int64                `json:"open_dropped,omitempty"`
	// EarlyCloses is a ring of the last MaxEarlyCloses alarm ids closed
	// while not open: upstreams deliver late and out of order, so the
	// alarm.received may still come, and must not open a closed alarm.
	// A slot is emptied ("") when its late received arrives.
	EarlyCloses    []string `json:"early_closes,omitempty"`
	EarlyCloseNext int      `json:"early_close_next,omitempty"`

	Ticker   []TickerItem `json:"ticker"`
	Closures []Closure    `json:"closures"`
	// Alerts are the standing alerts, oldest first: raised and not yet
	// both acknowledged and cleared (alerts.go). AlertsDone are the last
	// MaxAlertsDone finished ones, oldest first; AlertsDropped counts
	// standing alerts pushed out unacknowledged by MaxAlerts. AlertWatch
	// is what the warning rules remember between events (rules.go).
	Alerts        []Alert          `json:"alerts"`
	AlertsDone    []Alert          `json:"alerts_done,omitempty"`
	AlertsDropped int64            `json:"alerts_dropped,omitempty"`
	AlertWatch    *AlertWatch      `json:"alert_watch,omitempty"`
	Unknown       map[string]int64 `json:"unknown,omitempty"`
	Duplicates    int64            `json:"duplicates,omitempty"`
	RecentIDs     []string         `json:"recent_ids"` // a ring; see rememberID
	IDNext        int              `json:"id_next,omitempty"`
	recentIDIndex map[string]struct{}
	// openOrder indexes OpenAlarms by age; earlyCloseSlot maps an id in
	// EarlyCloses to its slot. Both are rebuilt from the JSON fields.
	openOrder      *openOrder
	earlyCloseSlot map[string]int
	// rec, when a History attached one, gets every counter change by the
	// event's campaign day. It is not part of the snapshot.
	rec *Recorder
}

// Counters are the campaign's additive counts. Maps are keyed by the
// category, action, duty or unit-type names of package feed, so their size
// is bounded by those vocabularies.
type Counters struct {
	AlarmsReceived   map[string]int64 `json:"alarms_received,omitempty"` // by alarm category
	AlarmsDispatched int64            `json:"alarms_dispatched,omitempty"`
	AlarmsClosed     int64            `json:"alarms_closed,omitempty"`

	CasesFiled      map[string]int64 `json:"cases_filed,omitempty"`       // criminal, by case category
	AdminCasesFiled map[string]int64 `json:"admin_cases_filed,omitempty"` // administrative, by case category
	LossesCNY       map[string]int64 `json:"losses_cny,omitempty"`        // victims' losses on filing
	CasesSolved     map[string]int64 `json:"cases_solved,omitempty"`      // all kinds, by category
	NewSolved       map[string]int64 `json:"new_solved,omitempty"`        // criminal cases solved, not backlog, matched by a filing (see caseSolved)
	SolvedUnfiled   map[string]int64 `json:"solved_unfiled,omitempty"`    // criminal, not backlog, solved beyond the cases filed
	ColdSolved      map[string]int64 `json:"cold_solved,omitempty"`       // backlog cases (积案) solved
	GroupsBusted    map[string]int64 `json:"groups_busted,omitempty"`
	// Persons is keyed "action/category" (e.g. "arrest/theft");
	// AmountsCNY likewise for seizures and recoveries.
	Persons    map[string]int64 `json:"persons,omitempty"`
	AmountsCNY map[string]int64 `json:"amounts_cny,omitempty"`

	Fugitives        map[string]int64 `json:"fugitives,omitempty"`     // by crime
	Fugitives10Years map[string]int64 `json:"fugitives_10y,omitempty"` // at large 10 years or more

	Posts           map[string]int64 `json:"posts,omitempty"`    // by post kind
	Officers        map[string]int64 `json:"officers,omitempty"` // officer deployments, by duty
	Vehicles        map[string]int64 `json:"vehicles,omitempty"` // vehicle deployments, by duty
	Volunteers      int64            `json:"volunteers,omitempty"`
	PersonsChecked  int64            `json:"persons_checked,omitempty"`
	VehiclesChecked int64            `json:"vehicles_checked,omitempty"`
	Violations      map[string]int64 `json:"violations,omitempty"` // by violation kind

	Inspections map[string]int64 `json:"inspections,omitempty"` // by unit type
	Found       map[string]int64 `json:"found,omitempty"`
	Rectified   map[string]int64 `json:"rectified,omitempty"`
	Notices     int64            `json:"notices,omitempty"`

	DisputesFound    int64 `json:"disputes_found,omitempty"`
	DisputesResolved int64 `json:"disputes_resolved,omitempty"` // matched by a dispute found (see disputeResolved)
	// DisputesResolvedUnfound are resolutions beyond the disputes found:
	// their dispute.found is late or was never in the feed.
	DisputesResolvedUnfound int64            `json:"disputes_resolved_unfound,omitempty"`
	Operations              map[string]int64 `json:"operations,omitempty"`
	MajorAccidents          int64            `json:"major_accidents,omitempty"`

	// The response clock (response.go; docs/figures.md, "The response
	// clock"), counted on the day of the dispatch or close: alarms by
	// priority ("1", "2", "3") whose first dispatch (close) was timed, and
	// of them those within the priority's [[response]] threshold; and the
	// times to dispatch and to close by bin (key: the bin's upper edge in
	// seconds).
	DispatchTimed map[string]int64 `json:"dispatch_timed,omitempty"`
	// DispatchRuled are the alarms timed whose priority has a threshold:
	// the whole of the share in time (and of the dispatch_in_time_rate
	// measure, which reads no config).
	DispatchRuled  int64            `json:"dispatch_ruled,omitempty"`
	DispatchInTime map[string]int64 `json:"dispatch_in_time,omitempty"`
	CloseTimed     map[string]int64 `json:"close_timed,omitempty"`
	CloseInTime    map[string]int64 `json:"close_in_time,omitempty"`
	DispatchSecs   map[string]int64 `json:"dispatch_secs,omitempty"`
	CloseSecs      map[string]int64 `json:"close_secs,omitempty"`

	// 督察 (supervision.go; docs/figures.md, "Supervision"): visits by
	// mode and the problems they found, on the visit's day; findings
	// issued, on the finding's day; findings rectified, and of them those
	// after their deadline, on the rectification's day.
	SupervisionVisits   map[string]int64 `json:"supervision_visits,omitempty"`
	SupervisionProblems int64            `json:"supervision_problems,omitempty"`
	FindingsFound       int64            `json:"findings_found,omitempty"`
	FindingsRectified   int64            `json:"findings_rectified,omitempty"`
	FindingsLate        int64            `json:"findings_late,omitempty"`
}

// DayCounts is one campaign day's values for the KPI strip and sparklines.
type DayCounts struct {
	Alarms         int64 `json:"alarms,omitempty"`
	AlarmsCriminal int64 `json:"alarms_criminal,omitempty"`
	AlarmsPublic   int64 `json:"alarms_public_order,omitempty"`
	CasesFiled     int64 `json:"cases_filed,omitempty"` // criminal
	// TheftFiled, FraudFiled and FraudLossCNY are the day's counts of the
	// comparison metrics theft_cases_filed, telecom_fraud_cases and
	// telecom_fraud_losses_cny (see DayCounts.Metric): comparisons over
	// complete days sum them (docs/figures.md, rule 1).
	TheftFiled       int64 `json:"theft_filed,omitempty"`
	FraudFiled       int64 `json:"fraud_filed,omitempty"`
	FraudLossCNY     int64 `json:"fraud_loss_cny,omitempty"`
	CasesSolved      int64 `json:"cases_solved,omitempty"`
	Arrested         int64 `json:"arrested,omitempty"`
	Officers         int64 `json:"officers,omitempty"`
	PersonsChecked   int64 `json:"persons_checked,omitempty"`
	VehiclesChecked  int64 `json:"vehicles_checked,omitempty"`
	Rectified        int64 `json:"rectified,omitempty"`
	DisputesFound    int64 `json:"disputes_found,omitempty"`
	DisputesResolved int64 `json:"disputes_resolved,omitempty"`
}

// GridCounts feed the grid heat view: alarm density against patrol presence.
type GridCounts struct {
	Alarms   int64 `json:"alarms,omitempty"`
	Officers int64 `json:"officers,omitempty"`
}

// NotableState tracks a notable case from the config.
type NotableState struct {
	Filed        bool      `json:"filed,omitempty"`
	Solved       bool      `json:"solved,omitempty"`
	SolvedAt     time.Time `json:"solved_at,omitzero"`
	District     string    `json:"district,omitempty"`
	ValueCNY     int64     `json:"value_cny,omitempty"`
	RecoveredCNY int64     `json:"recovered_cny,omitempty"`
	SeizedCNY    int64     `json:"seized_cny,omitempty"`
	Arrested     int64     `json:"arrested,omitempty"`
}

// OpenAlarm is an alarm received and not yet closed.
type OpenAlarm struct {
	Seq        uint64    `json:"seq"`
	At         time.Time `json:"at"`
	Category   string    `json:"category"`
	Priority   int       `json:"priority,omitempty"` // 0 in a state from a hub older than the response clock
	District   string    `json:"district"`
	Dispatched bool      `json:"dispatched,omitempty"`
}

// Ticker statuses.
const (
	StatusReceived   = "received"
	StatusDispatched = "dispatched"
	StatusClosed     = "closed"
	StatusUnknown    = "unknown" // an event type this version does not fold
)

// TickerItem is one line of the live ticker.
type TickerItem struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Type     string    `json:"type"`
	AlarmID  string    `json:"alarm_id,omitempty"`
	Category string    `json:"category,omitempty"`
	Priority int       `json:"priority,omitempty"`
	District string    `json:"district"`
	Grid     string    `json:"grid,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	Status   string    `json:"status"`
}

// Closure is a recently solved case.
type Closure struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	CaseID   string    `json:"case_id"`
	Category string    `json:"category"`
	District string    `json:"district"`
	Cold     bool      `json:"cold,omitempty"`
	Notable  string    `json:"notable,omitempty"`
	Summary  string    `json:"summary,omitempty"`
}

// Alert is a priority alert (预警) and its lifecycle, at event times:
// raised (At, or when its condition began: Since), acknowledged (AckedAt,
// AckedBy), cleared (ClearedAt, ClearedBy). See alerts.go.
//
// An event rule's alert has the raising event's id, so a board's
// acknowledgements survive snapshots and a recurrence has a new id; a
// condition's alert has the rule's id and its subject (p1-undispatched:<alarm
// id>).
type Alert struct {
	ID    string    `json:"id"`
	Seq   uint64    `json:"seq"`  // the event at which it was raised
	At    time.Time `json:"at"`   // when it was raised: the event's time, or when the condition became true
	Rule  int       `json:"rule"` // index into Config.Alerts; -1: raised by the fold's own code
	Level string    `json:"level"`
	// Kind is what raised it: "" for an event rule, else the rule's when
	// (undispatched, surge, cluster, report_missing).
	Kind     string `json:"kind,omitempty"`
	Type     string `json:"type"`
	Category string `json:"category,omitempty"`
	Subject  string `json:"subject,omitempty"` // case_id, alarm_id, or a condition's subject
	District string `json:"district"`
	Grid     string `json:"grid,omitempty"`
	Summary  string `json:"summary,omitempty"`
	// Since, Count and Limit say what a condition measured: from when
	// (the alarm received, the hour, the window's first alarm), how many,
	// and the threshold passed.
	Since time.Time `json:"since,omitzero"`
	Count int64     `json:"count,omitempty"`
	Limit float64   `json:"limit,omitempty"`
	// Clears says an event will clear it (a case solved, an alarm
	// dispatched): until then it stands, acknowledged or not.
	Clears bool `json:"clears,omitempty"`
	// FoldedAt is the state's clock (LastAt) when the alert was raised:
	// its own time, or later for an event that arrived late. No board saw
	// it before then, so no acknowledgement the hub writes is dated
	// earlier (feed.AckEventAt's lower bound).
	FoldedAt time.Time `json:"folded_at,omitzero"`
	// AckedAt and AckedBy are the first alert.acknowledged for it: when a
	// duty officer acknowledged it on a board, and which board or station.
	AckedAt time.Time `json:"acked_at,omitzero"`
	AckedBy string    `json:"acked_by,omitempty"`
	// ClearedAt and ClearedBy are when its condition ended and the event
	// type that ended it (case.solved, alarm.closed, alarm.dispatched).
	ClearedAt time.Time `json:"cleared_at,omitzero"`
	ClearedBy string    `json:"cleared_by,omitempty"`
}

// Acked reports whether the alert has been acknowledged on any board.
func (a Alert) Acked() bool { return !a.AckedAt.IsZero() }

// NewState is the empty state of a campaign.
func NewState(cfg *Config) *State {
	s := &State{
		Districts:     map[string]*Counters{},
		Grids:         map[string]*GridCounts{},
		Days:          make([]DayCounts, cfg.Days()),
		OpenAlarms:    map[string]OpenAlarm{},
		Ticker:        []TickerItem{},
		Closures:      []Closure{},
		Alerts:        []Alert{},
		RecentIDs:     []string{},
		recentIDIndex: map[string]struct{}{},
	}
	for _, d := range cfg.Districts {
		s.Districts[d.ID] = &Counters{}
	}
	return s
}

// TodayIn is a district's counts for the newest campaign day.
func (s *State) TodayIn(district string) DayCounts {
	if dc, ok := s.DistrictToday[district]; ok && s.TodayDay == s.Day {
		return *dc
	}
	return DayCounts{}
}

// TodayInAll is some districts' counts for the newest campaign day,
// summed (a zone's).
func (s *State) TodayInAll(districts []string) DayCounts {
	var sum DayCounts
	for _, d := range districts {
		dc := s.TodayIn(d)
		addFields(&sum, &dc)
	}
	return sum
}

// Today is the newest campaign day's counts.
func (s *State) Today() DayCounts {
	if s.Day < 1 || s.Day > len(s.Days) {
		return DayCounts{}
	}
	return s.Days[s.Day-1]
}

// trimRecentIDs keeps the newest DedupWindow ids of a state from a hub
// with a larger window, oldest first, so the ring goes on from there.
func (s *State) trimRecentIDs() {
	if len(s.RecentIDs) <= DedupWindow {
		return
	}
	next := s.IDNext % len(s.RecentIDs)
	ordered := append(slices.Clone(s.RecentIDs[next:]), s.RecentIDs[:next]...)
	s.RecentIDs = ordered[len(ordered)-DedupWindow:]
	s.IDNext = 0
}

// MarshalJSON and UnmarshalJSON round-trip the state losslessly; the id
// index is rebuilt from the ring on decode.
func (s *State) UnmarshalJSON(b []byte) error {
	type plain State
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.trimRecentIDs()
	s.recentIDIndex = make(map[string]struct{}, len(s.RecentIDs))
	for _, id := range s.RecentIDs {
		s.recentIDIndex[id] = struct{}{}
	}
	if s.Districts == nil {
		s.Districts = map[string]*Counters{}
	}
	if s.Grids == nil {
		s.Grids = map[string]*GridCounts{}
	}
	if s.OpenAlarms == nil {
		s.OpenAlarms = map[string]OpenAlarm{}
	}
	s.openOrder, s.earlyCloseSlot = nil, nil // rebuilt on the next Apply
	return nil
}

// Clone returns a deep copy, so a board can read one state while the feed
// client folds the next. It goes through JSON, the same path as snapshots.
func (s *State) Clone() *State {
	b, err := json.Marshal(s)
	if err != nil {
		panic("campaign: state does not marshal: " + err.Error())
	}
	var c State
	if err := json.Unmarshal(b, &c); err != nil {
		panic("campaign: state does not unmarshal: " + err.Error())
	}
	return &c
}
