package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"sitboard/feed"
)

// Notes are what the campaign office writes into a bulletin: its main
// practices (主要做法), the problems it sees (存在问题) and the next steps
// (下步工作), each a few paragraphs or list items of plain text. Every
// format escapes them like any other text.
type Notes struct {
	Practices []NoteBlock `json:"practices,omitempty"`  // 主要做法
	Problems  []NoteBlock `json:"problems,omitempty"`   // 存在问题
	NextSteps []NoteBlock `json:"next_steps,omitempty"` // 下步工作
}

// NoteBlock is one paragraph, or one item of a list.
type NoteBlock struct {
	Text string `json:"text"`
	Item bool   `json:"item,omitempty"`
}

// Empty reports whether the notes hold nothing.
func (n *Notes) Empty() bool {
	return n == nil || len(n.Practices)+len(n.Problems)+len(n.NextSteps) == 0
}

// Limits of a notes file: a bulletin's narrative is a few paragraphs.
const (
	MaxNotesBytes     = 32 << 10 // the whole file
	MaxNoteRunes      = 1000     // one paragraph or item
	MaxBlocksPerTopic = 40       // paragraphs and items under one heading
)

// noteTopics are the three headings, with the names a file may use for
// each (the first is the one a bulletin prints).
var noteTopics = []struct {
	key   string // the JSON and TOML key
	names []string
}{
	{"practices", []string{"主要做法", "practices", "main practices", "what we did"}},
	{"problems", []string{"存在问题", "problems", "issues"}},
	{"next_steps", []string{"下步工作", "next steps", "next_steps", "下一步工作"}},
}

func topicOf(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(name), "：:")))
	for _, t := range noteTopics {
		for _, alias := range t.names {
			if n == alias {
				return t.key, true
			}
		}
	}
	return "", false
}

func (n *Notes) topic(key string) *[]NoteBlock {
	switch key {
	case "practices":
		return &n.Practices
	case "problems":
		return &n.Problems
	}
	return &n.NextSteps
}

// NotesError is a notes file refused: where, and why.
type NotesError struct {
	Line   int // 0 when it is about the whole file
	Reason string
}

func (e *NotesError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

var headingRe = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)

// ParseNotes reads a notes file: Markdown with the headings 主要做法,
// 存在问题 and 下步工作 (any level; English names accepted), or TOML with
// those keys (a string, paragraphs apart by a blank line, or an array of
// paragraphs). A file is Markdown when a line is one of those headings.
func ParseNotes(data []byte) (*Notes, error) {
	if len(data) > MaxNotesBytes {
		return nil, &NotesError{Reason: fmt.Sprintf("%d bytes, more than %d: a bulletin's notes are a few paragraphs; shorten them", len(data), MaxNotesBytes)}
	}
	if !utf8.Valid(data) {
		return nil, &NotesError{Reason: "not UTF-8 text: save the file as UTF-8"}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var n *Notes
	var err error
	if isMarkdownNotes(data) {
		n, err = parseMarkdownNotes(data)
	} else {
		n, err = parseTOMLNotes(data)
	}
	if err != nil {
		return nil, err
	}
	if n.Empty() {
		return nil, &NotesError{Reason: "no notes: write at least one paragraph under ## 主要做法, ## 存在问题 or ## 下步工作 (or the TOML keys practices, problems, next_steps)"}
	}
	return n, nil
}

func isMarkdownNotes(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxNotesBytes+1)
	for sc.Scan() {
		if m := headingRe.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			if _, ok := topicOf(m[1]); ok {
				return true
			}
		}
	}
	return false
}

var (
	itemRe   = regexp.MustCompile(`^(?:[-*+]|\d{1,3}[.)、])\s+`)
	bulletRe = regexp.MustCompile(`^[-*+]\s+`)
)

func parseMarkdownNotes(data []byte) (*Notes, error) {
	n := &Notes{}
	var cur *[]NoteBlock
	seen := map[string]bool{}
	var para []string
	paraLine, item := 0, false
	flush := func() error {
		if len(para) == 0 {
			return nil
		}
		text := strings.Join(para, joinerFor(para))
		para = nil
		return addBlock(cur, NoteBlock{Text: text, Item: item}, paraLine)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxNotesBytes+1)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		if p := lineProblem(raw); p != "" {
			return nil, &NotesError{Line: line, Reason: p}
		}
		l := strings.TrimSpace(raw)
		if m := headingRe.FindStringSubmatch(l); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			key, ok := topicOf(m[1])
			if !ok && cur == nil {
				continue // a title above the first topic: # 第6周
			}
			if !ok {
				return nil, &NotesError{Line: line, Reason: fmt.Sprintf("heading %q is not one of 主要做法, 存在问题, 下步工作 (or practices, problems, next steps): rename it, or make it a paragraph", m[1])}
			}
			if seen[key] {
				return nil, &NotesError{Line: line, Reason: fmt.Sprintf("%q is a second %s heading: put everything under one", m[1], noteTopicName(key))}
			}
			seen[key], cur = true, n.topic(key)
			continue
		}
		switch {
		case l == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case cur == nil:
			return nil, &NotesError{Line: line, Reason: "text before the first heading: start with ## 主要做法, ## 存在问题 or ## 下步工作"}
		case itemRe.MatchString(l):
			if err := flush(); err != nil {
				return nil, err
			}
			// A bullet becomes an item; a numbered line keeps its number
			// (下步工作 are often numbered), as a paragraph of its own.
			para, paraLine, item = []string{l}, line, false
			if bulletRe.MatchString(l) {
				para, item = []string{bulletRe.ReplaceAllString(l, "")}, true
			}
		default:
			if len(para) == 0 {
				paraLine, item = line, false
			}
			para = append(para, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &NotesError{Line: line + 1, Reason: err.Error()}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return n, nil
}

// joinerFor joins a paragraph's lines: nothing between Chinese lines (a
// line break inside a Chinese sentence is not a space), a space otherwise.
func joinerFor(lines []string) string {
	for _, l := range lines {
		if r, _ := utf8.DecodeLastRuneInString(l); r < 0x2E80 {
			return " "
		}
	}
	return ""
}

func noteTopicName(key string) string {
	for _, t := range noteTopics {
		if t.key == key {
			return t.names[0]
		}
	}
	return key
}

func addBlock(to *[]NoteBlock, b NoteBlock, line int) error {
	if utf8.RuneCountInString(b.Text) > MaxNoteRunes {
		return &NotesError{Line: line, Reason: fmt.Sprintf("a paragraph of %d characters, more than %d: split it", utf8.RuneCountInString(b.Text), MaxNoteRunes)}
	}
	if len(*to) >= MaxBlocksPerTopic {
		return &NotesError{Line: line, Reason: fmt.Sprintf("more than %d paragraphs under one heading: keep the notes short", MaxBlocksPerTopic)}
	}
	*to = append(*to, b)
	return nil
}

// lineProblem refuses what the hub refuses in any text (control, bidi and
// invisible characters): a bulletin is printed to terminals too.
func lineProblem(s string) string {
	for i, r := range s {
		if r == '\t' {
			continue
		}
		if r == feed.ZeroWidthJoiner {
			if !feed.EmojiJoinerOK(s, i) {
				return "U+200D (zero-width joiner) outside an emoji sequence: remove it"
			}
			continue
		}
		for _, x := range feed.RefusedInText {
			if r >= x.Lo && r <= x.Hi {
				return fmt.Sprintf("%U is a control or invisible character: notes are plain text; remove it", r)
			}
		}
	}
	return ""
}

func parseTOMLNotes(data []byte) (*Notes, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &NotesError{Line: pe.Position.Line, Reason: "neither Markdown with ## 主要做法, ## 存在问题 or ## 下步工作 headings, nor TOML: " + pe.Message}
		}
		return nil, &NotesError{Reason: "neither Markdown with ## 主要做法, ## 存在问题 or ## 下步工作 headings, nor TOML: " + err.Error()}
	}
	n := &Notes{}
	src := string(data)
	lineOf := func(key string) int {
		if i := strings.Index(src, key); i >= 0 {
			return strings.Count(src[:i], "\n") + 1
		}
		return 0
	}
	// In the file's order, so a refusal names the first problem.
	for _, t := range noteTopics {
		for _, alias := range t.names {
			v, ok := raw[alias]
			if !ok {
				continue
			}
			delete(raw, alias)
			line := lineOf(alias)
			var paras []string
			switch x := v.(type) {
			case string:
				for _, p := range regexp.MustCompile(`\n\s*\n`).Split(strings.TrimSpace(x), -1) {
					lines := strings.Split(strings.TrimSpace(p), "\n")
					for i := range lines {
						lines[i] = strings.TrimSpace(lines[i])
					}
					paras = append(paras, strings.Join(lines, joinerFor(lines)))
				}
			case []any:
				for _, e := range x {
					s, ok := e.(string)
					if !ok {
						return nil, &NotesError{Line: line, Reason: fmt.Sprintf("%s: give text, or a list of texts", alias)}
					}
					paras = append(paras, strings.TrimSpace(s))
				}
			default:
				return nil, &NotesError{Line: line, Reason: fmt.Sprintf("%s: give text, or a list of texts", alias)}
			}
			to := n.topic(t.key)
			if len(*to) > 0 {
				return nil, &NotesError{Line: line, Reason: fmt.Sprintf("%s given twice (as %s and another name): keep one", t.names[0], alias)}
			}
			for _, p := range paras {
				if p == "" {
					continue
				}
				if pr := lineProblem(p); pr != "" {
					return nil, &NotesError{Line: line, Reason: alias + ": " + pr}
				}
				if err := addBlock(to, NoteBlock{Text: p}, line); err != nil {
					return nil, err
				}
			}
		}
	}
	for k := range raw {
		return nil, &NotesError{Line: lineOf(k), Reason: fmt.Sprintf("unknown key %q: use 主要做法, 存在问题 and 下步工作 (or practices, problems, next_steps)", k)}
	}
	return n, nil
}
