// Package campaign holds the campaign configuration and the fold: the one
// place where events become figures, rankings and comparisons.
package campaign

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"sitboard/feed"
	"sitboard/tomlfile"
)

// Config is a campaign as an operator writes it in TOML (see
// demo/zhoukou-2023.toml for a complete example and docs/campaign.md).
type Config struct {
	Campaign  Meta        `toml:"campaign"`
	Districts []District  `toml:"districts"`
	Grids     []Grid      `toml:"grids"`
	Sites     []Site      `toml:"sites"`
	Baselines Baselines   `toml:"baselines"`
	Alerts    []AlertRule `toml:"alerts"`
	Alerting  Alerting    `toml:"alerting"`
	// Response is the response clock's thresholds per alarm priority
	// (出警时效, response.go); optional.
	Response []ResponseRule `toml:"response"`
	// Reports are the shift reports due every night (报送, reports.go);
	// optional.
	Reports []ReportRule `toml:"reports"`
	Flags   FlagRules    `toml:"flags"`
	Notable []Notable    `toml:"notable"`
	// Assessment weighs the monthly assessment (月考核); optional.
	Assessment Assessment `toml:"assessment"`
	// Zones are the 战区 (zones.go); optional, but when given every
	// district is in exactly one.
	Zones []Zone `toml:"zones"`
	// Supervision lists the 督察组 (zones.go); optional.
	Supervision Supervision `toml:"supervision"`
	// Bulletin is the bulletins' header and footer (bulletin.go); optional.
	Bulletin BulletinMeta `toml:"bulletin"`

	start    time.Time
	loc      *time.Location
	days     int
	district map[string]int
	grid     map[string]int
	site     map[string]int
	notable  map[string]int
	zone     map[string]int // zone id -> index in Zones
	zoneOf   map[string]int // district id -> index in Zones
	team     map[string]int // supervision team id -> index in Supervision.Teams
	source   string
	// flagMeasures and assessMeasures are [flags] and [assessment] with
	// each measure's basis and direction resolved (see ScoredMeasure).
	flagMeasures   []ScoredMeasure
	assessMeasures []ScoredMeasure
}

// Meta names the campaign and its dates.
type Meta struct {
	ID      string `toml:"id"`
	NameZh  string `toml:"name_zh"`
	NameEn  string `toml:"name_en"`
	ShortZh string `toml:"short_zh"`
	ShortEn string `toml:"short_en"`
	CityZh  string `toml:"city_zh"`
	CityEn  string `toml:"city_en"`
	Start   string `toml:"start"`      // YYYY-MM-DD, first campaign day
	End     string `toml:"end"`        // YYYY-MM-DD, last campaign day
	Offset  string `toml:"utc_offset"` // e.g. "+08:00": campaign days are counted in this zone
	// Lang is the boards' and bulletins' language where nothing else says
	// ("zh" or "en"; empty: zh): a flag, then the locale (LC_ALL,
	// LC_MESSAGES, LANG), then this.
	Lang string `toml:"lang"`
}

// District is a county or city district; its id is the event's district.
// Population, its own baselines and its targets make its scores fair to
// its size (docs/figures.md, rule 6; docs/campaign.md).
type District struct {
	ID string `toml:"id"`
	Zh string `toml:"zh"`
	En string `toml:"en"`
	// Population is the residents, for scores per 10,000 residents.
	Population int64 `toml:"population"`
	// Previous and LastYear are the district's baselines (metric = count),
	// its shares of the city's [baselines.previous] and [baselines.last_year].
	Previous map[string]int64 `toml:"previous"`
	LastYear map[string]int64 `toml:"last_year"`
	// Targets are the district's 任务数 for the whole campaign, by measure.
	Targets map[string]int64 `toml:"targets"`
}

// Grid is a patrol grid (巡逻防控网格) inside one district.
type Grid struct {
	ID       string `toml:"id"`
	District string `toml:"district"`
	Zh       string `toml:"zh"`
	En       string `toml:"en"`
}

// Site is a watched place such as a night market. Shift reports name the
// sites they patrolled (patrol.shift_report's sites), which gives each
// site's patrol coverage.
type Site struct {
	ID       string `toml:"id"`
	Kind     string `toml:"kind"`
	District string `toml:"district"`
	Zh       string `toml:"zh"`
	En       string `toml:"en"` // optional; the English bulletin falls back to zh
}

// SiteNightMarket is the kind of the night markets (夜市) a campaign
// watches.
const SiteNightMarket = "night_market"

// Baselines are the comparison counts: Previous for 环比 (the period just
// before the campaign), LastYear for 同比 (the same period a year before).
// Keys are metric names (see Metrics).
type Baselines struct {
	Previous map[string]int64 `toml:"previous"`
	LastYear map[string]int64 `toml:"last_year"`
}

// AlertRule is a warning rule (预警): what raises an alert, at which
// level, under which names (docs/campaign.md, "Alerts"). When says what
// raises it: an event of Type and Category (when empty or "event"), or a
// condition on the alarms the fold keeps (undispatched, surge, cluster)
// or on reporting (report_missing), evaluated on event time.
type AlertRule struct {
	When string `toml:"when"`
	// ID names the rule in its alerts' ids (<id>:<subject>); a condition
	// needs one, an event rule's alert takes its event's id.
	ID       string `toml:"id"`
	Type     string `toml:"type"`
	Category string `toml:"category"`
	// Level is red, orange, yellow or blue (红/橙/黄/蓝); "critical" reads
	// as red and "warning" as yellow.
	Level string `toml:"level"`
	Zh    string `toml:"zh"`
	En    string `toml:"en"`
	// ClearType is the event type that clears an event rule's alert when
	// it carries the same subject (case_id or alarm_id), e.g. case.solved
	// for a homicide.
	ClearType string `toml:"clear_type"`
	// Priority and Minutes: undispatched, an alarm of this priority not
	// dispatched Minutes after it was received (left out: the priority's
	// [[response]] dispatch threshold). Minutes is also a cluster's window.
	Priority int `toml:"priority"`
	Minutes  int `toml:"minutes"`
	// Factor and MinCount: surge, a district's alarms (of Category, or
	// all) in one clock hour above Factor times its hourly baseline, and
	// at least MinCount.
	Factor   float64 `toml:"factor"`
	MinCount int64   `toml:"min_count"`
	// Count: cluster, this many alarms of Category in one grid within
	// Minutes.
	Count int64 `toml:"count"`
	// EscalateMinutes: an alert not acknowledged this long after it
	// was raised escalates on the boards (flashes again, rings the bell
	// where asked); 0 takes [alerting] escalate_minutes.
	EscalateMinutes int `toml:"escalate_minutes"`

	// metric is a surge's baseline metric (alarms_criminal, ...); wait
	// is an undispatched rule's time: Minutes, else the [[response]]
	// dispatch threshold of its priority.
	metric string
	wait   time.Duration
}

// clears says whether an event ends the condition of the rule's alerts.
func (r *AlertRule) clears() bool {
	switch r.When {
	case WhenUndispatched, WhenReportMissing, WhenDirectiveOverdue, WhenFindingOverdue:
		return true
	case WhenSurge, WhenCluster:
		return true // by time: the hour over, the window passed
	}
	return r.ClearType != ""
}

// Alerting holds what applies to every alert rule.
type Alerting struct {
	// EscalateMinutes is how long an alert may stand unacknowledged
	// before it escalates on the boards; 0: never. Default 10.
	EscalateMinutes *int `toml:"escalate_minutes"`
}

// DefaultEscalateMinutes is [alerting] escalate_minutes when the file
// says nothing.
const DefaultEscalateMinutes = 10

// EscalateAfter is how long alert a may stand unacknowledged before it
// escalates on a board; 0: never.
func (c *Config) EscalateAfter(a Alert) time.Duration {
	m := DefaultEscalateMinutes
	if c.Alerting.EscalateMinutes != nil {
		m = *c.Alerting.EscalateMinutes
	}
	if a.Rule >= 0 && a.Rule < len(c.Alerts) && c.Alerts[a.Rule].EscalateMinutes > 0 {
		m = c.Alerts[a.Rule].EscalateMinutes
	}
	return time.Duration(m) * time.Minute
}

// FlagRules say how districts are ranked for red and yellow flags (红黄旗).
// Each measure's district values are scaled by the best district's value,
// multiplied by the weight (negative for "less is better") and summed.
// Red flags go to the top Red districts, yellow flags to the bottom Yellow.
// Ties are broken by the measures in order, then by the config's district order.
type FlagRules struct {
	Red      int           `toml:"red"`
	Yellow   int           `toml:"yellow"`
	Measures []FlagMeasure `toml:"measures"`
}

// FlagMeasure is one scored district measure (see DistrictMeasures).
// Better and Basis are as for the assessment (docs/campaign.md); an older
// file's negative weight reads as better = "less".
type FlagMeasure struct {
	Measure string  `toml:"measure"`
	Weight  float64 `toml:"weight"`
	Better  string  `toml:"better"`
	Basis   string  `toml:"basis"`
}

// Notable is a named case the campaign reports on by itself.
type Notable struct {
	ID       string `toml:"id"`
	Category string `toml:"category"`
	Zh       string `toml:"zh"`
	En       string `toml:"en"`
}

// Metrics that baselines may name.
var Metrics = []string{
	"alarms_criminal", "alarms_public_order", "alarms_total",
	"criminal_cases_filed", "theft_cases_filed",
	"telecom_fraud_cases", "telecom_fraud_losses_cny",
}

// DistrictMeasures that flag rules may name.
var DistrictMeasures = []string{
	"cases_solved", "suspects_arrested", "alarms_criminal", "alarms_total",
	"hazards_rectified", "inspections", "dispute_resolution_rate", "persons_checked",
	"dispatch_in_time_rate",
}

// rateMeasures are the measures that are rates, scored on basis "rate".
var rateMeasures = []string{"dispute_resolution_rate", "dispatch_in_time_rate"}

// ConfigError points at the place in a campaign file that is wrong.
type ConfigError = tomlfile.Error

// LoadConfig reads and validates a campaign file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read campaign config: %w (pass --campaign with a readable TOML file)", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes and validates a campaign file held in memory; name is
// used in error messages.
func ParseConfig(name string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{File: name, Line: pe.Position.Line, Field: pe.LastKey, Reason: pe.Message}
		}
		return nil, &ConfigError{File: name, Field: "(file)", Reason: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0].String()
		return nil, &ConfigError{File: name, Line: tomlfile.LineOf(string(data), und[0][len(und[0])-1]+" "), Field: k, Reason: "unknown field: check the spelling against docs/campaign.md"}
	}
	c.source = string(data)
	if err := c.validate(name); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) validate(name string) error {
	fail := func(field, needle, reason string) error {
		return &ConfigError{File: name, Line: tomlfile.LineOf(c.source, needle), Field: field, Reason: reason}
	}
	m := c.Campaign
	if m.ID == "" || m.NameZh == "" || m.NameEn == "" {
		return fail("campaign", "[campaign]", "id, name_zh and name_en are required")
	}
	if m.Lang != "" && m.Lang != "zh" && m.Lang != "en" {
		return fail("campaign.lang", "lang", fmt.Sprintf("%q: use zh or en (or leave it out for zh)", m.Lang))
	}
	off := m.Offset
	if off == "" {
		off = "+00:00"
	}
	zt, err := time.Parse("-07:00", off)
	if err != nil {
		return fail("campaign.utc_offset", "utc_offset", "must look like +08:00")
	}
	_, secs := zt.Zone()
	c.loc = time.FixedZone(off, secs)
	c.start, err = time.ParseInLocation(time.DateOnly, m.Start, c.loc)
	if err != nil {
		return fail("campaign.start", "start", "must be a date like 2023-06-25")
	}
	end, err := time.ParseInLocation(time.DateOnly, m.End, c.loc)
	if err != nil {
		return fail("campaign.end", "end", "must be a date like 2023-09-30")
	}
	if end.Before(c.start) {
		return fail("campaign.end", "end", "is before start")
	}
	c.days = int(end.Sub(c.start).Hours()/24+0.5) + 1
	if c.days > 3660 {
		return fail("campaign.end", "end", "campaign longer than 10 years: check the dates")
	}
	if len(c.Districts) == 0 {
		return fail("districts", "[[districts]]", "at least one [[districts]] entry is required")
	}
	c.district = map[string]int{}
	for i, d := range c.Districts {
		if d.ID == "" || d.Zh == "" || d.En == "" {
			return fail(fmt.Sprintf("districts[%d]", i), d.ID, "id, zh and en are required")
		}
		if _, dup := c.district[d.ID]; dup {
			return fail(fmt.Sprintf("districts[%d].id", i), `"`+d.ID+`"`, "duplicate district id "+d.ID)
		}
		if d.ID == feed.CityDistrict || d.ID == feed.DirectiveAll {
			// An instruction's envelope names the city, and its to "all".
			return fail(fmt.Sprintf("districts[%d].id", i), `"`+d.ID+`"`, fmt.Sprintf("%q is reserved (an instruction's district is %q, and it is sent to %q): give the district another id", d.ID, feed.CityDistrict, feed.DirectiveAll))
		}
		c.district[d.ID] = i
	}
	c.grid = map[string]int{}
	for i, g := range c.Grids {
		if g.ID == "" {
			return fail(fmt.Sprintf("grids[%d].id", i), "[[grids]]", "missing")
		}
		if _, dup := c.grid[g.ID]; dup {
			return fail(fmt.Sprintf("grids[%d].id", i), `"`+g.ID+`"`, "duplicate grid id "+g.ID)
		}
		if _, ok := c.district[g.District]; !ok {
			return fail(fmt.Sprintf("grids[%d].district", i), `"`+g.ID+`"`, fmt.Sprintf("unknown district %q: add it under [[districts]] or fix the id", g.District))
		}
		c.grid[g.ID] = i
	}
	c.site = map[string]int{}
	for i, s := range c.Sites {
		if s.ID == "" || s.Kind == "" {
			return fail(fmt.Sprintf("sites[%d]", i), "[[sites]]", "id and kind are required")
		}
		if p := feed.IDProblem(s.ID, feed.MaxIDLen); p != "" {
			return fail(fmt.Sprintf("sites[%d].id", i), `"`+s.ID+`"`, p+": shift reports send it as an id")
		}
		if _, dup := c.site[s.ID]; dup {
			return fail(fmt.Sprintf("sites[%d].id", i), `"`+s.ID+`"`, "duplicate site id "+s.ID+": give each site its own id")
		}
		if _, ok := c.district[s.District]; !ok {
			return fail(fmt.Sprintf("sites[%d].district", i), `"`+s.ID+`"`, fmt.Sprintf("unknown district %q", s.District))
		}
		c.site[s.ID] = i
	}
	for _, tbl := range []struct {
		name string
		m    map[string]int64
	}{{"baselines.previous", c.Baselines.Previous}, {"baselines.last_year", c.Baselines.LastYear}} {
		for k, v := range tbl.m {
			if !slices.Contains(Metrics, k) {
				return fail(tbl.name+"."+k, k, "unknown metric: use one of "+strings.Join(Metrics, ", "))
			}
			if v < 0 {
				return fail(tbl.name+"."+k, k, "must not be negative")
			}
		}
	}
	if err := c.validateAlerts(name); err != nil {
		return err
	}
	if err := c.validateResponse(fail); err != nil {
		return err
	}
	if err := c.validateReports(fail); err != nil {
		return err
	}
	f := c.Flags
	if f.Red < 0 || f.Yellow < 0 || f.Red+f.Yellow > len(c.Districts) {
		return fail("flags", "[flags]", fmt.Sprintf("red + yellow must be between 0 and the number of districts (%d)", len(c.Districts)))
	}
	if err := c.validateDistrictFigures(fail); err != nil {
		return err
	}
	for i, fm := range f.Measures {
		if !slices.Contains(DistrictMeasures, fm.Measure) {
			return fail(fmt.Sprintf("flags.measures[%d].measure", i), `"`+fm.Measure+`"`, "unknown measure: use one of "+strings.Join(DistrictMeasures, ", "))
		}
		if fm.Weight == 0 {
			return fail(fmt.Sprintf("flags.measures[%d].weight", i), `"`+fm.Measure+`"`, "must not be zero")
		}
		if fm.Weight < 0 {
			// An older file: a negative weight meant "less is better".
			c.Flags.Measures[i].Weight, c.Flags.Measures[i].Better = -fm.Weight, BetterLess
		}
		m, err := c.scoredMeasure(fm.Measure, c.Flags.Measures[i].Weight, c.Flags.Measures[i].Better, fm.Basis)
		if err != nil {
			return fail(fmt.Sprintf("flags.measures[%d]", i), `"`+fm.Measure+`"`, err.Error())
		}
		c.flagMeasures = append(c.flagMeasures, m)
	}
	c.notable = map[string]int{}
	for i, n := range c.Notable {
		if n.ID == "" || n.Zh == "" {
			return fail(fmt.Sprintf("notable[%d]", i), "[[notable]]", "id and zh are required")
		}
		c.notable[n.ID] = i
	}
	if err := c.validateZones(name); err != nil {
		return err
	}
	if err := c.validateSupervision(name); err != nil {
		return err
	}
	if err := c.validateBulletin(fail); err != nil {
		return err
	}
	if err := c.validateAdjustments(fail); err != nil {
		return err
	}
	return c.validateAssessment(name)
}

// Days is the campaign's length in days.
func (c *Config) Days() int { return c.days }

// Start is the first campaign day at midnight in the campaign's zone.
func (c *Config) Start() time.Time { return c.start }

// Location is the campaign's time zone.
func (c *Config) Location() *time.Location { return c.loc }

// Day is the 1-based campaign day of t; it is below 1 before the campaign
// and above Days() after it.
func (c *Config) Day(t time.Time) int {
	d := t.In(c.loc).Sub(c.start)
	day := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		day--
	}
	return day + 1
}

// dayWithin is t's campaign day held to the campaign's days: before the
// first day counts as day 1, after the last as the last.
func (c *Config) dayWithin(t time.Time) int { return min(max(c.Day(t), 1), c.Days()) }

// DistrictIndex returns the district's position in config order.
func (c *Config) DistrictIndex(id string) (int, bool) {
	i, ok := c.district[id]
	return i, ok
}

// GridIndex returns the grid's position in config order.
func (c *Config) GridIndex(id string) (int, bool) {
	i, ok := c.grid[id]
	return i, ok
}

// SiteByID returns the watched site with this id.
func (c *Config) SiteByID(id string) (Site, bool) {
	i, ok := c.site[id]
	if !ok {
		return Site{}, false
	}
	return c.Sites[i], true
}

// SiteName returns the site's name in lang ("zh" or "en"; English falls
// back to the Chinese name when the file gives none).
func (c *Config) SiteName(id, lang string) string {
	s, ok := c.SiteByID(id)
	switch {
	case !ok:
		return id
	case lang == "en" && s.En != "":
		return s.En
	}
	return s.Zh
}

// NotableByID returns the notable case with this id.
func (c *Config) NotableByID(id string) (Notable, bool) {
	i, ok := c.notable[id]
	if !ok {
		return Notable{}, false
	}
	return c.Notable[i], true
}

// DistrictName returns the district's name in lang ("zh" or "en").
func (c *Config) DistrictName(id, lang string) string {
	i, ok := c.district[id]
	if !ok {
		return id
	}
	if lang == "en" {
		return c.Districts[i].En
	}
	return c.Districts[i].Zh
}

// Validator checks ingested events against this campaign's districts,
// grids, watched sites and supervision teams.
func (c *Config) Validator() feed.Validator {
	v := feed.Validator{Districts: map[string]bool{}, Grids: map[string]string{}, Sites: map[string]string{}, Teams: map[string]bool{}, Zones: map[string]bool{}}
	for _, z := range c.Zones {
		v.Zones[z.ID] = true
	}
	for _, t := range c.Supervision.Teams {
		v.Teams[t.ID] = true
	}
	for _, s := range c.Sites {
		v.Sites[s.ID] = s.District
	}
	for _, d := range c.Districts {
		v.Districts[d.ID] = true
	}
	for _, g := range c.Grids {
		v.Grids[g.ID] = g.District
	}
	return v
}

// SiteCount counts watched sites of one kind.
func (c *Config) SiteCount(kind string) int {
	n := 0
	for _, s := range c.Sites {
		if s.Kind == kind {
			n++
		}
	}
	return n
}
