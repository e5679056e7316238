package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the board answers to. Help texts are label keys,
// looked up in the current language when shown.
type KeyMap struct {
	Quit, Help, Pause, Prev, Next, Jump, Figures, Ack, Clear, History, Filter, Lang, Theme, Big, Close key.Binding
	// Zone steps the 战区 filter through the zones and back to none.
	Zone key.Binding
	// Sign signs the station's open instructions (签收); Feedback opens
	// the line of feedback (反馈) on the one due first.
	Sign, Feedback key.Binding
	// Review (复盘): a day or a week back and forward, and back to live.
	DayBack, DayForward, WeekBack, WeekForward, Live key.Binding
	// RankSpan switches the ranking between today, the week, the
	// half-month and the campaign.
	RankSpan key.Binding
}

// DefaultKeys is the board's key map.
func DefaultKeys() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Quit:  b("q", "key.quit", "q", "ctrl+c"),
		Help:  b("?", "key.help", "?"),
		Pause: b("space", "key.pause", "space"),
		Prev:  b("<-", "key.prev", "left", "h", "p"),
		Next:  b("->", "key.next", "right", "n"),
		// The digits jump to the rotator's pages, however many it has.
		Jump:     b("1-9", "key.jump", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Figures:  b("r", "key.figures", "r"),
		Ack:      b("a", "key.ack", "a"),
		Clear:    b("c", "key.clear", "c"),
		History:  b("H", "key.history", "H"),
		Filter:   b("f", "key.filter", "f"),
		Zone:     b("z", "key.zone", "z"),
		Lang:     b("l", "key.lang", "l"),
		Theme:    b("t", "key.theme", "t"),
		Big:      b("b", "key.big", "b"),
		Close:    b("esc", "help.close", "esc"),
		Sign:     b("o", "key.sign", "o"),
		Feedback: b("e", "key.feedback", "e"),

		DayBack:     b("[ ]", "key.review_day", "["),
		DayForward:  b("]", "key.review_day", "]"),
		WeekBack:    b("{ }", "key.review_week", "{"),
		WeekForward: b("}", "key.review_week", "}"),
		Live:        b("0", "key.live", "0"),
		RankSpan:    b("s", "key.rank_span", "s"),
	}
}

// FullHelp lists the bindings shown on the help screen, in order.
func (k KeyMap) FullHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Prev, k.Next, k.Jump, k.Figures, k.Ack, k.Clear, k.History, k.Sign, k.Feedback, k.Filter, k.Zone, k.Lang, k.Theme, k.Big, k.RankSpan, k.DayBack, k.WeekBack, k.Live, k.Help, k.Quit}
}
