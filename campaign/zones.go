package campaign

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"sitboard/feed"
	"sitboard/tomlfile"
)

// 战区 (zones) and 督察组 (supervision teams) of the campaign file
// (docs/campaign.md, "Zones and supervision teams").

// Zone is a 战区: districts one leader of the city's bureau answers for.
type Zone struct {
	ID        string   `toml:"id"`
	Zh        string   `toml:"zh"`
	En        string   `toml:"en"`
	Districts []string `toml:"districts"`
	// LeaderZh and LeaderEn are the responsible leader's title (市局常务副
	// 局长), never a person's name: a board and a bulletin outlive who
	// holds the post. English falls back to the Chinese.
	LeaderZh string `toml:"leader_zh"`
	LeaderEn string `toml:"leader_en"`
}

// MaxLeaderLen bounds a leader's title, in characters: it shares a line
// with the zone's name on the board.
const MaxLeaderLen = 64

// Supervision is the campaign file's [supervision] table.
type Supervision struct {
	Teams []SupervisionTeam `toml:"teams"`
}

// SupervisionTeam is one 督察组; its id is what supervision events send
// as team.
type SupervisionTeam struct {
	ID string `toml:"id"`
	Zh string `toml:"zh"`
	En string `toml:"en"` // optional; English falls back to zh
}

// validateZones checks [[zones]]: each with an id, names, a leader's
// title and its districts, and every district in exactly one zone (or no
// zones at all).
func (c *Config) validateZones(name string) error {
	fail := func(i int, key, field, reason string) error {
		return &ConfigError{File: name, Line: tomlfile.TableLine(c.source, "zones", i, key), Field: field, Reason: reason}
	}
	c.zone, c.zoneOf = map[string]int{}, map[string]int{}
	for i, z := range c.Zones {
		field := fmt.Sprintf("zones[%d]", i)
		switch {
		case z.ID == "":
			return fail(i, "", field+".id", "missing: give the zone an id such as \"zone-north\"")
		case feed.IDProblem(z.ID, feed.MaxIDLen) != "":
			return fail(i, "id", field+".id", feed.IDProblem(z.ID, feed.MaxIDLen))
		case z.Zh == "" || z.En == "":
			return fail(i, "", field, "zh and en are required: the zone's names")
		}
		if j, dup := c.zone[z.ID]; dup {
			return fail(i, "id", field+".id", fmt.Sprintf("duplicate zone id %s (also zones[%d]): give each zone its own id", z.ID, j))
		}
		if _, clash := c.district[z.ID]; clash || z.ID == feed.DirectiveAll || z.ID == feed.CityDistrict {
			// An instruction's to names districts and zones alike.
			return fail(i, "id", field+".id", fmt.Sprintf("%q is a district's id or reserved (%s, %s): an instruction is sent to district and zone ids alike, so give the zone an id of its own", z.ID, feed.DirectiveAll, feed.CityDistrict))
		}
		c.zone[z.ID] = i
		for _, t := range []struct{ key, v string }{{"zh", z.Zh}, {"en", z.En}, {"leader_zh", z.LeaderZh}, {"leader_en", z.LeaderEn}} {
			if p := feed.TextProblem(t.v); p != "" {
				return fail(i, t.key, field+"."+t.key, p)
			}
		}
		if z.LeaderZh == "" {
			return fail(i, "", field+".leader_zh", "missing: the title of the leader who answers for the zone (a post such as 市公安局副局长, not a name)")
		}
		for _, t := range []struct{ key, v string }{{"leader_zh", z.LeaderZh}, {"leader_en", z.LeaderEn}} {
			if n := utf8.RuneCountInString(t.v); n > MaxLeaderLen {
				return fail(i, t.key, field+"."+t.key, fmt.Sprintf("%d characters, longer than %d: give the post's short title", n, MaxLeaderLen))
			}
		}
		if len(z.Districts) == 0 {
			return fail(i, "districts", field+".districts", "empty: list the ids of the districts the zone holds")
		}
		for _, d := range z.Districts {
			if _, ok := c.district[d]; !ok {
				return fail(i, "districts", field+".districts", fmt.Sprintf("unknown district %q: use the ids of [[districts]]", d))
			}
			if j, taken := c.zoneOf[d]; taken {
				if j == i {
					return fail(i, "districts", field+".districts", fmt.Sprintf("district %s is listed twice: list it once", d))
				}
				return fail(i, "districts", field+".districts", fmt.Sprintf("district %s is already in zone %s (zones[%d]): a district belongs to exactly one zone", d, c.Zones[j].ID, j))
			}
			c.zoneOf[d] = i
		}
	}
	if len(c.Zones) == 0 {
		return nil
	}
	var left []string
	for _, d := range c.Districts {
		if _, ok := c.zoneOf[d.ID]; !ok {
			left = append(left, d.ID)
		}
	}
	if len(left) > 0 {
		return &ConfigError{File: name, Line: tomlfile.TableLine(c.source, "zones", 0, ""), Field: "zones",
			Reason: fmt.Sprintf("%s in no zone: every district belongs to exactly one zone (or leave out [[zones]] altogether)", strings.Join(left, ", "))}
	}
	return nil
}

// validateSupervision checks [[supervision.teams]]: ids sent on the wire,
// each once, with a name.
func (c *Config) validateSupervision(name string) error {
	c.team = map[string]int{}
	for i, t := range c.Supervision.Teams {
		field := fmt.Sprintf("supervision.teams[%d]", i)
		line := func(key string) int { return tomlfile.TableLine(c.source, "supervision.teams", i, key) }
		switch {
		case t.ID == "":
			return &ConfigError{File: name, Line: line(""), Field: field + ".id", Reason: "missing: give the team an id such as \"team-01\" (supervision events send it as team)"}
		case feed.IDProblem(t.ID, feed.MaxIDLen) != "":
			return &ConfigError{File: name, Line: line("id"), Field: field + ".id", Reason: feed.IDProblem(t.ID, feed.MaxIDLen) + ": supervision events send it as team"}
		case t.Zh == "":
			return &ConfigError{File: name, Line: line(""), Field: field + ".zh", Reason: "missing: the team's name, such as 第一督察组"}
		}
		for _, f := range []struct{ key, v string }{{"zh", t.Zh}, {"en", t.En}} {
			if p := feed.TextProblem(f.v); p != "" {
				return &ConfigError{File: name, Line: line(f.key), Field: field + "." + f.key, Reason: p}
			}
		}
		if j, dup := c.team[t.ID]; dup {
			return &ConfigError{File: name, Line: line("id"), Field: field + ".id", Reason: fmt.Sprintf("duplicate team id %s (also supervision.teams[%d]): give each team its own id", t.ID, j)}
		}
		c.team[t.ID] = i
	}
	return nil
}

// ZoneIndex returns the zone's position in config order.
func (c *Config) ZoneIndex(id string) (int, bool) {
	i, ok := c.zone[id]
	return i, ok
}

// ZoneOf is the zone holding a district, false when the campaign has no
// zones (or the district is unknown).
func (c *Config) ZoneOf(district string) (Zone, bool) {
	i, ok := c.zoneOf[district]
	if !ok {
		return Zone{}, false
	}
	return c.Zones[i], true
}

// ZoneName returns the zone's name in lang ("zh" or "en").
func (c *Config) ZoneName(id, lang string) string {
	i, ok := c.zone[id]
	switch {
	case !ok:
		return id
	case lang == "en":
		return c.Zones[i].En
	}
	return c.Zones[i].Zh
}

// Leader is the zone's leader's title in lang; English falls back to
// the Chinese when the file gives none.
func (z Zone) Leader(lang string) string {
	if lang == "en" && z.LeaderEn != "" {
		return z.LeaderEn
	}
	return z.LeaderZh
}

// Holds reports whether the zone holds the district.
func (z Zone) Holds(district string) bool { return slices.Contains(z.Districts, district) }

// TeamIndex returns the supervision team's position in config order.
func (c *Config) TeamIndex(id string) (int, bool) {
	i, ok := c.team[id]
	return i, ok
}

// TeamName returns the team's name in lang; English falls back to the
// Chinese, an unknown id to itself.
func (c *Config) TeamName(id, lang string) string {
	i, ok := c.team[id]
	switch {
	case !ok:
		return id
	case lang == "en" && c.Supervision.Teams[i].En != "":
		return c.Supervision.Teams[i].En
	}
	return c.Supervision.Teams[i].Zh
}

// ZoneDistricts are the zone's districts in the campaign file's order of
// [[districts]] (not the zone's list order), as every table lists them.
func (c *Config) ZoneDistricts(zone string) []string {
	i, ok := c.zone[zone]
	if !ok {
		return nil
	}
	var out []string
	for _, d := range c.Districts {
		if c.zoneOf[d.ID] == i {
			out = append(out, d.ID)
		}
	}
	return out
}

// GroupCounters sums the counts of some districts (a zone's): a district
// missing from counts counts nothing.
func GroupCounters(counts map[string]*Counters, districts []string) *Counters {
	out := &Counters{}
	for _, d := range districts {
		if c, ok := counts[d]; ok {
			addCounters(out, c)
		}
	}
	return out
}

// zoneConfig is the campaign with each zone as one district: its
// districts' residents, targets and baselines summed, so that Score sets
// a zone against its own figures as it sets a district (docs/figures.md,
// rule 6). nil without zones.
func (c *Config) zoneConfig() *Config {
	if len(c.Zones) == 0 {
		return nil
	}
	zc := &Config{days: c.days, district: map[string]int{}}
	for i, z := range c.Zones {
		d := District{ID: z.ID, Zh: z.Zh, En: z.En, Previous: map[string]int64{}, LastYear: map[string]int64{}, Targets: map[string]int64{}}
		for _, id := range c.ZoneDistricts(z.ID) {
			src := c.Districts[c.district[id]]
			d.Population += src.Population
			for _, m := range []struct{ dst, src map[string]int64 }{{d.Previous, src.Previous}, {d.LastYear, src.LastYear}, {d.Targets, src.Targets}} {
				for k, v := range m.src {
					m.dst[k] += v
				}
			}
		}
		zc.Districts = append(zc.Districts, d)
		zc.district[z.ID] = i
	}
	return zc
}

// ZoneScores scores the zones by the measures given (the flag measures
// or the assessment's) on the districts' inputs in a span of `days` days:
// each zone as one district with its districts' counts, residents,
// targets and baselines summed (rule 6), so a zone of three counties is
// not ahead for its size. Rows are zones (ScoreRow.District is the zone's
// id), best first; no flags. Empty without zones.
func ZoneScores(cfg *Config, measures []ScoredMeasure, in map[string]ScoreInput, days float64) Scores {
	zc := cfg.zoneConfig()
	if zc == nil {
		return Scores{}
	}
	zin := make(map[string]ScoreInput, len(cfg.Zones))
	for _, z := range cfg.Zones {
		var sum ScoreInput
		for _, d := range cfg.ZoneDistricts(z.ID) {
			x := in[d]
			addFields(&sum.In, &x.In)
			addFields(&sum.Before, &x.Before)
		}
		zin[z.ID] = sum
	}
	return Score(zc, measures, zin, days, 0, 0)
}
