package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

const bulletinSchemaPath = "../docs/bulletin.schema.json"

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// schemaOf is the JSON Schema of what encoding/json writes for t: every
// key the Go type can write, each required unless omitempty or omitzero,
// nothing else allowed. It refuses (t.Errorf) a key that is not
// snake_case: the bulletin's JSON is snake_case throughout.
func schemaOf(t *testing.T, typ reflect.Type, path string) map[string]any {
	switch typ {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeFor[time.Duration]():
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	}
	switch typ.Kind() {
	case reflect.Pointer:
		return schemaOf(t, typ.Elem(), path)
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32, reflect.Uint:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		// A nil slice is written null.
		return map[string]any{"type": []any{"array", "null"}, "items": schemaOf(t, typ.Elem(), path+"[]")}
	case reflect.Map:
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": schemaOf(t, typ.Elem(), path+"{}")}
	case reflect.Struct:
		props, required := map[string]any{}, []string{}
		var walk func(reflect.Type)
		walk = func(st reflect.Type) {
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				name, opts, _ := strings.Cut(tag, ",")
				if tag == "-" || !f.IsExported() {
					continue
				}
				if f.Anonymous && name == "" {
					walk(f.Type)
					continue
				}
				if name == "" {
					name = f.Name
				}
				if !snakeCase.MatchString(name) {
					t.Errorf("%s.%s: key %q is not snake_case", path, f.Name, name)
				}
				props[name] = schemaOf(t, f.Type, path+"."+name)
				if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
					required = append(required, name)
				}
			}
		}
		walk(typ)
		slices.Sort(required)
		return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	}
	t.Fatalf("%s: no schema for %s", path, typ)
	return nil
}

// TestBulletinSchema keeps docs/bulletin.schema.json the schema of
// GET /v1/reports?format=json (every key snake_case, none the Go types do
// not write), and checks that every kind of bulletin of the shipped
// recording, with notes and while running, validates against it; and
// that the old {"Value":…,"OK":…} does not.
func TestBulletinSchema(t *testing.T) {
	s := schemaOf(t, reflect.TypeFor[Bulletin](), "Bulletin")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://sitboard.invalid/docs/bulletin.schema.json"
	s["title"] = "sitboard bulletin (GET /v1/reports?format=json)"
	s["description"] = "The bulletin every format is rendered from (report.Bulletin). Keys are snake_case; times RFC 3339; durations in nanoseconds. Generated from the Go types by TestBulletinSchema (go test ./report -run TestBulletinSchema -update); docs/protocol.md, Bulletins."
	want, _ := json.MarshalIndent(s, "", "  ")
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(bulletinSchemaPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if got, err := os.ReadFile(bulletinSchemaPath); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is not the schema of report.Bulletin (%v): run go test ./report -run TestBulletinSchema -update", bulletinSchemaPath, err)
	}

	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("bulletin.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("bulletin.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(name string, b *Bulletin) {
		t.Helper()
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	h := shippedHistory(t)
	notes := testNotes(t)
	for _, kind := range campaign.PeriodKinds {
		b, err := Build(h, Request{Kind: kind, Date: h.Config().Date(49)})
		if err != nil {
			t.Fatal(err)
		}
		validate(kind, b)
		b.Notes = notes
		validate(kind+" with notes", b)
	}
	// A running day and week, from a log cut at 10:00 on day 3.
	cfg := demo.Campaign()
	tenAM := time.Date(2023, 6, 27, 10, 0, 0, 0, cfg.Location())
	part := campaign.NewHistory(cfg)
	feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		if ev.At.Before(tenAM) {
			part.Apply(ev)
		}
		return nil
	})
	for _, kind := range []string{campaign.PeriodDay, campaign.PeriodWeek} {
		b, err := Build(part, Request{Kind: kind, AsOf: tenAM})
		if err != nil {
			t.Fatal(err)
		}
		validate("running "+kind, b)
	}

	// The old keys are refused.
	b, _ := Build(h, Request{Kind: campaign.PeriodWeek, Date: h.Config().Date(49)})
	raw, _ := json.Marshal(b)
	old := regexp.MustCompile(`"change":\{"value":([^,]*),"ok":(true|false)\}`).ReplaceAll(raw, []byte(`"change":{"Value":$1,"OK":$2}`))
	if bytes.Equal(old, raw) {
		t.Fatal("the test found no change figure to write the old way")
	}
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(old))
	if sch.Validate(v) == nil {
		t.Error(`a bulletin with {"Value":…,"OK":…} validates: the schema must refuse keys that are not snake_case`)
	}
}
