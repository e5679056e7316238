package campaign

import (
	"cmp"
	"slices"
	"time"
)

// openOrder indexes State.OpenAlarms by age, so that dropping the oldest
// open alarm when the queue is full costs O(log n) instead of a scan of
// every open alarm (0.33 ms per event at 4,096 open, under the hub's lock
// and again in every board's fold).
//
// It is a binary min-heap on (At, alarm id) with each id's heap position,
// so a close removes its alarm in O(log n) too. The order is total, so the
// alarm dropped is the same on every machine and after a snapshot: the
// index is not part of the JSON state, it is rebuilt from OpenAlarms.
type openOrder struct {
	heap []openKey
	pos  map[string]int // alarm id -> index in heap
}

type openKey struct {
	at time.Time
	id string
}

// compare orders by time opened, then alarm id: the one order both the
// heap and its rebuild from a snapshot use.
func (a openKey) compare(b openKey) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

func (a openKey) before(b openKey) bool { return a.compare(b) < 0 }

// newOpenOrder indexes the given open alarms. Built from the keys in order,
// the heap has the same layout whatever the map's iteration order.
func newOpenOrder(open map[string]OpenAlarm) *openOrder {
	keys := make([]openKey, 0, len(open))
	for id, a := range open {
		keys = append(keys, openKey{at: a.At, id: id})
	}
	return newOpenOrderOf(keys)
}

// newOpenOrderOf indexes the given keys (the open findings use it too).
func newOpenOrderOf(keys []openKey) *openOrder {
	o := &openOrder{heap: keys, pos: make(map[string]int, len(keys))}
	slices.SortFunc(o.heap, openKey.compare)
	for i, k := range o.heap {
		o.pos[k.id] = i // a sorted slice is a valid min-heap
	}
	return o
}

func (o *openOrder) len() int { return len(o.heap) }

// add indexes alarm id opened at at; an id already indexed is moved to at.
func (o *openOrder) add(id string, at time.Time) {
	if i, ok := o.pos[id]; ok {
		o.heap[i].at = at
		o.fix(i)
		return
	}
	o.heap = append(o.heap, openKey{at: at, id: id})
	o.pos[id] = len(o.heap) - 1
	o.up(len(o.heap) - 1)
}

// remove drops alarm id from the index; an id not indexed is ignored.
func (o *openOrder) remove(id string) {
	i, ok := o.pos[id]
	if !ok {
		return
	}
	last := len(o.heap) - 1
	o.swap(i, last)
	o.heap = o.heap[:last]
	delete(o.pos, id)
	if i < last {
		o.fix(i)
	}
}

// oldest is the id of the alarm opened first (ties: the smallest id).
func (o *openOrder) oldest() (string, bool) {
	if len(o.heap) == 0 {
		return "", false
	}
	return o.heap[0].id, true
}

func (o *openOrder) fix(i int) {
	if !o.down(i) {
		o.up(i)
	}
}

func (o *openOrder) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !o.heap[i].before(o.heap[parent]) {
			return
		}
		o.swap(i, parent)
		i = parent
	}
}

// down moves item i towards the leaves; it reports whether it moved.
func (o *openOrder) down(i int) bool {
	start, n := i, len(o.heap)
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && o.heap[right].before(o.heap[child]) {
			child = right
		}
		if !o.heap[child].before(o.heap[i]) {
			break
		}
		o.swap(i, child)
		i = child
	}
	return i > start
}

func (o *openOrder) swap(i, j int) {
	o.heap[i], o.heap[j] = o.heap[j], o.heap[i]
	o.pos[o.heap[i].id] = i
	o.pos[o.heap[j].id] = j
}

// openIndex is the age index of s.OpenAlarms, rebuilt when missing (a
// decoded snapshot, a fresh run) or out of step with the map (a state
// built by hand).
func (s *State) openIndex() *openOrder {
	if s.openOrder == nil || s.openOrder.len() != len(s.OpenAlarms) {
		s.openOrder = newOpenOrder(s.OpenAlarms)
	}
	return s.openOrder
}

// openAlarm adds an alarm to the open queue, dropping the oldest open alarm
// first when the queue is full: upstreams that never close alarms must not
// grow the state, and OpenDropped shows that alarms were dropped.
func (s *State) openAlarm(id string, a OpenAlarm) {
	idx := s.openIndex()
	if _, reopened := s.OpenAlarms[id]; !reopened && len(s.OpenAlarms) >= MaxOpenAlarms {
		if oldest, ok := idx.oldest(); ok {
			s.closeOpenAlarm(oldest)
			s.OpenDropped++
		}
	}
	s.OpenAlarms[id] = a
	idx.add(id, a.At)
}

// closeOpenAlarm removes an alarm from the open queue; it reports whether it
// was open.
func (s *State) closeOpenAlarm(id string) bool {
	if _, ok := s.OpenAlarms[id]; !ok {
		return false
	}
	s.openIndex().remove(id)
	delete(s.OpenAlarms, id)
	return true
}

func (s *State) earlyCloseIndex() map[string]int {
	if s.earlyCloseSlot == nil {
		s.earlyCloseSlot = make(map[string]int, len(s.EarlyCloses))
		for i, id := range s.EarlyCloses {
			if id != "" {
				s.earlyCloseSlot[id] = i
			}
		}
	}
	return s.earlyCloseSlot
}

// rememberEarlyClose keeps the id of an alarm closed while not open, in a
// ring of MaxEarlyCloses ids, so that its late alarm.received does not open it.
func (s *State) rememberEarlyClose(id string) {
	idx := s.earlyCloseIndex()
	if id == "" {
		return
	}
	if _, ok := idx[id]; ok {
		return
	}
	slot := len(s.EarlyCloses)
	if slot < MaxEarlyCloses {
		s.EarlyCloses = append(s.EarlyCloses, id)
	} else {
		slot = s.EarlyCloseNext % MaxEarlyCloses
		if old := s.EarlyCloses[slot]; old != "" {
			delete(idx, old)
		}
		s.EarlyCloses[slot] = id
		s.EarlyCloseNext = slot + 1
	}
	idx[id] = slot
}

// takeEarlyClose reports whether alarm id was closed before it was
// received, and forgets it: the close has now met its alarm.
func (s *State) takeEarlyClose(id string) bool {
	idx := s.earlyCloseIndex()
	slot, ok := idx[id]
	if !ok {
		return false
	}
	s.EarlyCloses[slot] = ""
	delete(idx, id)
	return true
}
