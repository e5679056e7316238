package hub_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
)

// TestProtocolExamplesAreValid keeps docs/protocol.md honest: every event
// example in it passes the hub's validation for the Zhoukou campaign, and
// every known type has an example.
func TestProtocolExamplesAreValid(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	v := hubtest.Campaign(t).Validator()
	seen := map[string]bool{}
	for _, block := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1) {
		dec := json.NewDecoder(bytes.NewReader(block[1]))
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				break // not a sequence of objects (e.g. commented hello lines)
			}
			var probe struct {
				ID       string `json:"id"`
				District string `json:"district"`
			}
			if json.Unmarshal(raw, &probe) != nil || probe.ID == "" || (probe.District == "" && !bytes.Contains(raw, []byte(`"clock.tick"`))) {
				continue
			}
			var line bytes.Buffer
			_ = json.Compact(&line, raw) // DecodeBatch reads one object per line
			evs, errs, err := feed.DecodeBatch(line.Bytes(), 1)
			if err != nil || len(errs) > 0 {
				t.Errorf("example %s does not decode: %v %v", probe.ID, err, errs)
				continue
			}
			if fe := v.Validate(0, evs[0]); len(fe) > 0 {
				t.Errorf("example %s is invalid: %v", probe.ID, fe)
			}
			seen[evs[0].Type] = true
		}
	}
	for _, typ := range feed.KnownTypes() {
		if !seen[typ] {
			t.Errorf("docs/protocol.md has no example of %s", typ)
		}
	}
}
