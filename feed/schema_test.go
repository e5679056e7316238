package feed_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sitboard/feed"
	"sitboard/internal/hostile"
)

const schemaPath = "../docs/events.schema.json"

// compileSchema loads docs/events.schema.json as a validator asserting
// formats, which the schema's description says it needs (date-time).
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

type agreementCase struct {
	Valid bool            `json:"valid"`
	Why   string          `json:"why"`
	Event json.RawMessage `json:"event"`
}

// agreementCorpus is testdata/hostile/events.jsonl plus, for every text of
// the hostile corpus, an alarm with it as summary (valid as the corpus
// says) and an event with it as id (never valid: ids are ASCII).
func agreementCorpus(t *testing.T) []agreementCase {
	t.Helper()
	f, err := os.Open(filepath.Join(hostile.Dir(), "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []agreementCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c agreementCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	for _, h := range hostile.MustTexts() {
		text, _ := json.Marshal(h.Text)
		out = append(out,
			agreementCase{h.Valid, "summary: " + h.Name, json.RawMessage(`{"id":"h1","type":"alarm.received","at":"2023-06-25T21:14:05+08:00","district":"chuanhui",` +
				`"data":{"alarm_id":"A1","category":"criminal","priority":1,"summary":` + string(text) + `}}`)},
			agreementCase{false, "id: " + h.Name, json.RawMessage(`{"id":` + string(text) + `,"type":"duty.note","at":"2023-06-25T21:14:05+08:00","district":"chuanhui"}`)})
	}
	return out
}

// hubAccepts runs an event through the hub's path: decode, then validate
// (without a campaign config, as the schema knows none).
func hubAccepts(raw json.RawMessage) (bool, string) {
	var line bytes.Buffer
	if err := json.Compact(&line, raw); err != nil {
		return false, err.Error()
	}
	evs, errs, err := feed.DecodeBatch(line.Bytes(), 0)
	if err != nil {
		return false, err.Error()
	}
	if len(errs) > 0 {
		return false, fmt.Sprint(errs)
	}
	if fe := (feed.Validator{}).Validate(0, evs[0]); len(fe) > 0 {
		return false, fmt.Sprint(fe)
	}
	return true, ""
}

// TestSchemaAgreesWithValidator: the published JSON Schema and the hub
// accept and refuse the same events, over one corpus of valid and invalid
// events (time forms, ids, hostile text in every kind of field, limits).
func TestSchemaAgreesWithValidator(t *testing.T) {
	sch := compileSchema(t)
	cases := agreementCorpus(t)
	if len(cases) < 100 {
		t.Fatalf("agreement corpus has %d cases", len(cases))
	}
	for _, c := range cases {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.Event))
		if err != nil {
			t.Fatalf("%s: %v", c.Why, err)
		}
		schemaErr := sch.Validate(inst)
		hubOK, hubWhy := hubAccepts(c.Event)
		if (schemaErr == nil) != c.Valid {
			t.Errorf("%s: schema accepts=%v, want %v (%v)", c.Why, schemaErr == nil, c.Valid, schemaErr)
		}
		if hubOK != c.Valid {
			t.Errorf("%s: hub accepts=%v, want %v (%s)", c.Why, hubOK, c.Valid, hubWhy)
		}
	}
}

// TestSchemaTextPatternIsTheValidators: the schema's text pattern is
// feed.TextPattern(), which TestTextPatternAgreesWithTextProblem ties to
// the validator's own loop.
func TestSchemaTextPatternIsTheValidators(t *testing.T) {
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Defs["Text"].Pattern, feed.TextPattern(); got != want {
		w, _ := json.Marshal(want)
		t.Errorf("$defs.Text.pattern in %s is not feed.TextPattern(); set it to %s", schemaPath, asciiJSON(string(w)))
	}
}

// asciiJSON escapes every non-ASCII character of a JSON text, so invisible
// characters stay visible in the schema file.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

var codePoint = regexp.MustCompile(`^U\+([0-9A-F]{4,6}) \(`)

// TestValidatorNamesFieldAndCodePoint: a refused text is a 400 entry that
// names the field and the code point, for every text field of every type.
func TestValidatorNamesFieldAndCodePoint(t *testing.T) {
	fields := map[string][]string{
		feed.TypeAlarmReceived:        {"summary"},
		feed.TypeAlarmDispatched:      {"unit"},
		feed.TypeAlarmClosed:          {"outcome"},
		feed.TypeCaseFiled:            {"summary"},
		feed.TypeCaseSolved:           {"summary"},
		feed.TypeFugitiveCaught:       {"summary"},
		feed.TypePatrolDeployed:       {"name"},
		feed.TypeInspection:           {"unit"},
		feed.TypeDisputeFound:         {"kind", "summary"},
		feed.TypeOperation:            {"name"},
		feed.TypeMajorAccident:        {"summary"},
		feed.TypeCampaignStarted:      {"note"},
		feed.TypeAlertAcknowledged:    {"by"},
		feed.TypeSupervisionVisit:     {"focus"},
		feed.TypeSupervisionFinding:   {"summary"},
		feed.TypeSupervisionRectified: {"note"},
		feed.TypeDirectiveIssued:      {"text", "by"},
		feed.TypeDirectiveSigned:      {"by"},
		feed.TypeDirectiveReported:    {"by", "text"},
	}
	for _, h := range hostile.MustTexts() {
		if h.Valid {
			continue
		}
		for typ, fs := range fields {
			for _, field := range fs {
				data, _ := json.Marshal(map[string]string{field: h.Text})
				ev := feed.Event{ID: "e1", Type: typ, District: "chuanhui", Data: data}
				var found *feed.FieldError
				for _, fe := range (feed.Validator{}).Validate(0, ev) {
					if fe.Field == "data."+field || fe.Field == "data" && strings.Contains(fe.Reason, "larger than") {
						found = &fe
					}
				}
				if found == nil {
					t.Errorf("%s in %s.%s: no error for the field", h.Name, typ, field)
					continue
				}
				if strings.Contains(found.Reason, "longer than") || strings.Contains(found.Reason, "larger than") {
					continue
				}
				m := codePoint.FindStringSubmatch(found.Reason)
				if m == nil {
					t.Errorf("%s in %s.%s: %q does not name the code point", h.Name, typ, field, found.Reason)
					continue
				}
				var r rune
				fmt.Sscanf(m[1], "%X", &r)
				if !strings.ContainsRune(h.Text, r) {
					t.Errorf("%s in %s.%s: names %s, which the text does not hold", h.Name, typ, field, m[0])
				}
			}
		}
	}
	fe := (feed.Validator{}).Validate(3, feed.Event{ID: "e1", Type: feed.TypeAlarmReceived, District: "chuanhui",
		Data: json.RawMessage(`{"alarm_id":"A1","category":"criminal","priority":1,"summary":"x\u009b2J"}`)})
	if len(fe) == 0 || fe[len(fe)-1].Error() != "event 3: data.summary: U+009B (C1 control) not allowed: send one line of printable text, without control or invisible characters" {
		t.Errorf("got %v", fe)
	}
}
