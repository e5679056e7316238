package demo

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// DefaultSeed is the seed of the shipped recording.
const DefaultSeed = 2023

// RecordingName is the shipped recording's path inside the repository.
const RecordingName = "demo/recordings/summer-action-2023.jsonl.gz"

// Campaign totals the generator must hit. They are the published figures
// (facts/summer-action-2023.json) and the counts that, against the config's
// baselines, give the published comparisons: e.g. criminal alarms
// (4380-4718)/4718 = -7.16%, theft clearance 730/1595 = 45.77%.
const (
	totalAlarmsCriminal    = 4380
	totalAlarmsPublicOrder = 9650
	totalCriminalCases     = 3900
	totalTelecomLossCNY    = 18_650_000
)

// Generate writes the Zhoukou 2023 Summer Action as JSON Lines of events
// (without seq), in time order. The same config and seed give the same
// bytes on every machine: the generator uses only integer arithmetic on a
// PCG stream, so no floating-point contraction or library change in random
// distributions can move a figure.
func Generate(cfg *campaign.Config, seed int64, w io.Writer) error {
	evs, err := GenerateEvents(cfg, seed)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", ev.ID, err)
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// GenerateGzip writes what Generate writes, gzipped at a fixed level with an
// empty header (no name, no time), so the file is reproducible too.
func GenerateGzip(cfg *campaign.Config, seed int64, w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := Generate(cfg, seed, zw); err != nil {
		return err
	}
	return zw.Close()
}

// GenerateEvents builds the campaign's events in time order, ids assigned.
func GenerateEvents(cfg *campaign.Config, seed int64) ([]feed.Event, error) {
	return generateParts(cfg, seed, shipped)
}

// parts are the recording's optional parts: the lapses
// (generate_lapses.go), the supervision teams' visits and findings
// (generate_supervision.go) and the office's instructions
// (generate_directives.go), each from a random stream of its own. A test
// sets them apart.
type parts struct{ lapses, supervision, directives bool }

// shipped are the parts of the shipped recording.
var shipped = parts{lapses: true, supervision: true, directives: true}

// generateEvents builds the events, with or without the lapses
// (generate_lapses.go): a test sets the two apart.
func generateEvents(cfg *campaign.Config, seed int64, lapses bool) ([]feed.Event, error) {
	p := shipped
	p.lapses = lapses
	return generateParts(cfg, seed, p)
}

// generateParts builds the events with the parts p: the lapses, the
// supervision (generate_supervision.go), the instructions
// (generate_directives.go).
func generateParts(cfg *campaign.Config, seed int64, p parts) ([]feed.Event, error) {
	g, err := newGen(cfg, seed)
	if err != nil {
		return nil, err
	}
	g.noLapses, g.noSupervision, g.noDirectives = !p.lapses, !p.supervision, !p.directives
	g.campaignStart()
	g.operations()
	g.posts()
	g.alarms()
	g.cases()
	g.fugitives()
	g.shiftReports()
	g.inspections()
	g.disputes()
	return g.events()
}

// gen holds the generator's state: a random stream and the events so far.
type gen struct {
	cfg           *campaign.Config
	seed          int64
	noLapses      bool
	noSupervision bool
	noDirectives  bool
	r             rng
	// siteR decides which night markets each area patrol covered. It is a
	// stream of its own, seeded from the same seed, so that adding the
	// sites to the recording left every other draw, and byte, as it was.
	siteR rng
	loc   *time.Location
	start int64 // unix seconds of the first campaign day, midnight
	end   int64 // last second of the campaign
	days  int

	dists   []distInfo
	distW   []int64 // district weights, config order
	byID    map[string]int
	raw     []rawEvent
	caseNo  int
	coldNo  int
	dispNo  int
	homRefs []homicideRef // homicide alarms, turned into cases

	coldHomicides []*caseRec // backlog homicides, some solved by catching a fugitive
	clusterOps    []int64    // start of the national cluster operations
}

type distInfo struct {
	id, zh string
	grids  []string
	gridW  []int64
	sites  []string // night markets, by name
	// siteIDs are the night markets' ids, config order; siteGrid[k] is
	// the grid whose area patrol covers siteIDs[k].
	siteIDs  []string
	siteGrid []string
}

type rawEvent struct {
	id       string // given once every event is in (see events)
	dropped  bool   // a lapse removed it (generate_lapses.go)
	at       int64
	typ      string
	district string
	grid     string
	data     any
}

func newGen(cfg *campaign.Config, seed int64) (*gen, error) {
	if cfg.Days() < 30 {
		return nil, fmt.Errorf("generate: the campaign has %d days; the Summer Action generator needs its 98-day config (demo.Campaign())", cfg.Days())
	}
	g := &gen{
		cfg:   cfg,
		seed:  seed,
		r:     rng{rand.NewPCG(uint64(seed), 0x5ea5_0ac7_2023_0625)},
		siteR: rng{rand.NewPCG(uint64(seed), 0x5175_0ac7_2023_0625)},
		loc:   cfg.Location(),
		start: cfg.Start().Unix(),
		days:  cfg.Days(),
		byID:  map[string]int{},
	}
	g.end = g.start + int64(g.days)*86400 - 1
	// Weights follow the districts' population and urbanisation: the city
	// district Chuanhui has the most calls, the rural counties fewer.
	popular := map[string]int64{"chuanhui": 17, "huaiyang": 10, "xiangcheng": 12, "fugou": 7, "xihua": 8,
		"shangshui": 11, "shenqiu": 11, "dancheng": 10, "taikang": 12, "luyi": 10}
	for i, d := range cfg.Districts {
		di := distInfo{id: d.ID, zh: d.Zh}
		for _, gr := range cfg.Grids {
			if gr.District == d.ID {
				di.grids = append(di.grids, gr.ID)
				// Some grids (old town, night-market streets) are hot.
				di.gridW = append(di.gridW, int64(2+g.r.intn(7)))
			}
		}
		for _, s := range cfg.Sites {
			if s.District == d.ID && s.Kind == campaign.SiteNightMarket {
				di.sites = append(di.sites, s.Zh)
				di.siteIDs = append(di.siteIDs, s.ID)
				// Round-robin over the district's grids: each grid's
				// area patrol takes one or two markets.
				if len(di.grids) > 0 {
					di.siteGrid = append(di.siteGrid, di.grids[(len(di.siteIDs)-1)%len(di.grids)])
				} else {
					di.siteGrid = append(di.siteGrid, "")
				}
			}
		}
		w := popular[d.ID]
		if w == 0 {
			w = 10
		}
		g.dists = append(g.dists, di)
		g.distW = append(g.distW, w)
		g.byID[d.ID] = i
	}
	return g, nil
}

// add records one event; order among events at the same second is the
// order of the calls.
func (g *gen) add(at int64, typ, district, grid string, data any) {
	if at < g.start {
		at = g.start
	}
	if at > g.end {
		at = g.end
	}
	g.raw = append(g.raw, rawEvent{at: at, typ: typ, district: district, grid: grid, data: data})
}

// events orders the events by time, gives each its id by its place, then
// makes the lapses (which move or drop a few, keeping every id), adds the
// supervision's events (which bring ids of their own) and orders them
// again: events at the same second keep their order.
func (g *gen) events() ([]feed.Event, error) {
	byTime := func(a, b rawEvent) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(g.raw, byTime)
	for i := range g.raw {
		g.raw[i].id = eventID(i + 1)
	}
	if !g.noLapses {
		g.lapses()
	}
	if !g.noSupervision {
		g.supervision() // after the lapses, which look at the rest only
	}
	if !g.noDirectives {
		g.directives() // likewise, from a stream of its own
	}
	if !g.noLapses || !g.noSupervision || !g.noDirectives {
		slices.SortStableFunc(g.raw, byTime)
	}
	out := make([]feed.Event, len(g.raw))
	for i, re := range g.raw {
		data, err := json.Marshal(re.data)
		if err != nil {
			return nil, fmt.Errorf("generate: encode %s data: %w", re.typ, err)
		}
		out[i] = feed.Event{
			ID:       re.id,
			Type:     re.typ,
			At:       time.Unix(re.at, 0).In(g.loc),
			District: re.district,
			Grid:     re.grid,
			Data:     data,
		}
	}
	return out, nil
}

// eventID is the recording's stable id: a prefix and the event's position.
func eventID(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return "zk23-" + s
}

// dayStart is midnight of campaign day d (0-based).
func (g *gen) dayStart(d int) int64 { return g.start + int64(d)*86400 }

func (g *gen) weekday(d int) time.Weekday {
	return time.Unix(g.dayStart(d), 0).In(g.loc).Weekday()
}

func (g *gen) month(d int) time.Month {
	return time.Unix(g.dayStart(d), 0).In(g.loc).Month()
}

// dayOf is the 0-based campaign day of a unix time.
func (g *gen) dayOf(at int64) int { return int((at - g.start) / 86400) }

// district picks a district by weight.
func (g *gen) district() int { return g.r.pick(g.distW) }

// grid picks a grid of district i by weight.
func (g *gen) grid(i int) string {
	d := g.dists[i]
	if len(d.grids) == 0 {
		return ""
	}
	return d.grids[g.r.pick(d.gridW)]
}

// maybeGrid returns a grid of district i with the given chance in percent.
func (g *gen) maybeGrid(i, pct int) string {
	if g.r.intn(100) < pct {
		return g.grid(i)
	}
	return ""
}

// timeIn picks a second of day d by hour weights.
func (g *gen) timeIn(d int, hours []int64) int64 {
	h := g.r.pick(hours)
	return g.dayStart(d) + int64(h)*3600 + int64(g.r.intn(3600))
}

// later is at plus a delay in [lo, hi] seconds, skewed short, never past
// the campaign's end less margin seconds.
func (g *gen) later(at, lo, hi, margin int64) int64 {
	limit := g.end - margin - at
	if hi > limit {
		hi = limit
	}
	if hi < lo {
		lo = max(hi, 1)
		hi = lo
	}
	a := g.r.between64(lo, hi)
	b := g.r.between64(lo, hi)
	return at + min(a, b)
}

// rng is a PCG stream with integer-only helpers, so the output does not
// depend on floating-point code generation or on math/rand's algorithms
// beyond the PCG generator itself.
type rng struct{ src *rand.PCG }

func (r rng) u64() uint64 { return r.src.Uint64() }

// intn is uniform in [0, n) (Lemire's multiply; the tiny bias is harmless here).
func (r rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

func (r rng) int64n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int64(hi)
}

// between64 is uniform in [lo, hi].
func (r rng) between64(lo, hi int64) int64 { return lo + r.int64n(hi-lo+1) }

func (r rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// pick returns an index with probability proportional to its weight.
func (r rng) pick(w []int64) int {
	var total int64
	for _, x := range w {
		total += x
	}
	x := r.int64n(total)
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// one picks a string uniformly.
func (r rng) one(ss []string) string { return ss[r.intn(len(ss))] }

// noisy scales w by a random factor in [100-pct, 100+pct] percent.
func (r rng) noisy(w int64, pct int) int64 {
	return w * int64(r.between(100-pct, 100+pct)) / 100
}

// skewed is a weight in [1, k*k] that favours small values: used to spread
// persons or amounts over cases so that most get a few and some get many.
func (r rng) skewed(k int) int64 {
	a := int64(1 + r.intn(k))
	return a * a
}

// apportion splits total into parts proportional to weights, exactly: each
// part is the floor of its share, and the units left over go to the largest
// remainders (ties to the lower index). Integer-only, so it is the same on
// every machine.
func apportion(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var wsum uint64
	for _, w := range weights {
		if w < 0 {
			panic("apportion: negative weight")
		}
		wsum += uint64(w)
	}
	if total <= 0 || wsum == 0 {
		if total > 0 {
			panic("apportion: positive total over zero weights")
		}
		return out
	}
	rems := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		q, rem := bits.Div64(hi, lo, wsum)
		out[i] = int64(q)
		rems[i] = rem
		given += int64(q)
	}
	left := total - given
	if left == 0 {
		return out
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rems[a] > rems[b]:
			return -1
		case rems[a] < rems[b]:
			return 1
		}
		return 0
	})
	for _, i := range idx[:left] {
		out[i]++
	}
	return out
}

// sampleWeighted picks k distinct indices, each draw proportional to the
// remaining weights. The result is sorted.
func (r rng) sampleWeighted(weights []int64, k int) []int {
	w := slices.Clone(weights)
	var picked []int
	for range k {
		i := r.pick(w)
		if w[i] == 0 {
			break
		}
		picked = append(picked, i)
		w[i] = 0
	}
	slices.Sort(picked)
	return picked
}
