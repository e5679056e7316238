package report

import (
	"bytes"
	"strings"
	"testing"

	"sitboard/campaign"
)

func TestParseNotes(t *testing.T) {
	tests := []struct {
		name, in string
		want     Notes
	}{
		{"markdown", "# 第6周\n\n## 主要做法\n一是加强巡防，\n夜市不收摊。\n\n- 每晚通报\n- 次日复查\n\n### 存在问题：\n破案率偏低。\n\n## 下步工作\n1. 约谈\n2. 复查\n",
			Notes{
				Practices: []NoteBlock{{Text: "一是加强巡防，夜市不收摊。"}, {Text: "每晚通报", Item: true}, {Text: "次日复查", Item: true}},
				Problems:  []NoteBlock{{Text: "破案率偏低。"}},
				NextSteps: []NoteBlock{{Text: "1. 约谈"}, {Text: "2. 复查"}},
			}},
		{"english headings", "## Practices\nPatrols every night,\nall markets.\n\n## Next steps\n- Follow up\n",
			Notes{Practices: []NoteBlock{{Text: "Patrols every night, all markets."}}, NextSteps: []NoteBlock{{Text: "Follow up", Item: true}}}},
		{"toml", "\"主要做法\" = \"\"\"\n一是加强巡防。\n\n二是夜市不收摊。\n\"\"\"\nproblems = [\"破案率偏低。\", \"网格力量不足。\"]\n",
			Notes{Practices: []NoteBlock{{Text: "一是加强巡防。"}, {Text: "二是夜市不收摊。"}}, Problems: []NoteBlock{{Text: "破案率偏低。"}, {Text: "网格力量不足。"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNotes([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !equalNotes(*got, tc.want) {
				t.Errorf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func equalNotes(a, b Notes) bool {
	eq := func(x, y []NoteBlock) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return eq(a.Practices, b.Practices) && eq(a.Problems, b.Problems) && eq(a.NextSteps, b.NextSteps)
}

// TestNotesRefusals: a notes file that cannot be read as the office meant
// it is refused with the line and what to do.
func TestNotesRefusals(t *testing.T) {
	long := strings.Repeat("很长", MaxNoteRunes)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "no notes: write at least one paragraph"},
		{"headings only", "## 主要做法\n\n## 下步工作\n", "no notes"},
		{"unknown heading", "## 主要做法\n好。\n## 工作亮点\n好。\n", "line 3: heading \"工作亮点\" is not one of 主要做法"},
		{"text first", "前言\n## 主要做法\n好。\n", "line 1: text before the first heading"},
		{"no topic heading", "## 附言\n好。\n", "line 2: neither Markdown"},
		{"twice", "## 存在问题\n甲。\n## 存在问题\n乙。\n", "line 3: \"存在问题\" is a second 存在问题 heading"},
		{"control character", "## 主要做法\n好\x1b[31m。\n", "line 2: U+001B is a control or invisible character"},
		{"bidi override", "## 主要做法\n好\u202e。\n", "line 2: U+202E"},
		{"long paragraph", "## 主要做法\n" + long + "\n", "line 2: a paragraph of 2000 characters, more than 1000"},
		{"too large", "## 主要做法\n" + strings.Repeat("好。\n\n", MaxNotesBytes/4), "more than 32768: a bulletin's notes are a few paragraphs"},
		{"not utf-8", "## 主要做法\n\xff\xfe\n", "not UTF-8"},
		{"toml unknown key", "practices = \"好。\"\nhighlights = \"x\"\n", "line 2: unknown key \"highlights\""},
		{"toml wrong type", "practices = 3\n", "line 1: practices: give text"},
		{"toml twice", "practices = \"a\"\n\"主要做法\" = \"b\"\n", "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseNotes([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ParseNotes([]byte("主要做法 = \n")); err == nil || !strings.Contains(err.Error(), "neither Markdown") {
		t.Errorf("neither Markdown nor TOML: %v", err)
	}
}

// TestNotesAreEscaped: the office's text is text in every format: no
// Markdown link or emphasis, no HTML element, no terminal escape.
func TestNotesAreEscaped(t *testing.T) {
	n, err := ParseNotes([]byte("## 主要做法\n见[通报](javascript:alert(1))，**重点**<script>x</script>。\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := shippedHistory(t)
	b, err := Build(h, Request{Kind: campaign.PeriodHalfMonth})
	if err != nil {
		t.Fatal(err)
	}
	b.Notes = n
	for _, format := range []string{FormatText, FormatMD, FormatHTML} {
		var buf bytes.Buffer
		if err := Render(&buf, b, h.Config(), Options{Format: format, Lang: LangZh}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch format {
		case FormatMD:
			if !strings.Contains(out, `见\[通报\](javascript:alert(1))，\*\*重点\*\*&lt;script&gt;x&lt;/script&gt;。`) {
				t.Errorf("md: the notes are not escaped:\n%s", out)
			}
		case FormatHTML:
			if strings.Contains(out, "<script>") || !strings.Contains(out, "&lt;script&gt;") {
				t.Errorf("html: the notes are not escaped")
			}
		case FormatText:
			if !strings.Contains(out, "见[通报](javascript:alert(1))，**重点**<script>x</script>。") {
				t.Errorf("text: the notes are not as written")
			}
		}
	}
}
