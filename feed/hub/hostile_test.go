package hub_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/hostile"
)

// TestIngestRefusesHostileText: over HTTP, every text of the hostile
// corpus is a 202 or a 400 as the corpus says, and a 400 names the event,
// the field and the code point; nothing refused reaches the log.
func TestIngestRefusesHostileText(t *testing.T) {
	srv := hubtest.Start(t, nil)
	accepted, lastSeq := 0, uint64(0)
	for i, h := range hostile.MustTexts() {
		ev := hubtest.Events(srv.Cfg, "hostile-"+h.Name, 0, 1)[0]
		ev.Type = feed.TypeAlarmReceived
		ev.Data, _ = json.Marshal(feed.AlarmReceived{AlarmID: "A" + h.Name, Category: feed.AlarmCriminal, Priority: 1, Summary: h.Text})
		body, _ := json.Marshal([]feed.Event{ev})
		code, resp, err := hubtest.PostRaw(srv.URL, hubtest.IngestToken, "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		if h.Valid {
			var res hub.IngestResult
			if code != 202 || json.Unmarshal(resp, &res) != nil {
				t.Errorf("%s: %d %s, want 202", h.Name, code, resp)
			}
			accepted++
			lastSeq = max(lastSeq, res.LastSeq)
			continue
		}
		var eb hub.ErrorBody
		if code != 400 || json.Unmarshal(resp, &eb) != nil || len(eb.Errors) == 0 {
			t.Errorf("%s: %d %s, want a 400 with field errors", h.Name, code, resp)
			continue
		}
		fe := eb.Errors[0]
		if fe.Index != 0 || !(fe.Field == "data.summary" && (strings.HasPrefix(fe.Reason, "U+") || strings.Contains(fe.Reason, "longer than")) ||
			fe.Field == "data" && strings.Contains(fe.Reason, "larger than")) {
			t.Errorf("%s (#%d): error %+v does not name the field and the code point", h.Name, i, fe)
		}
	}
	// A body with the raw 8-bit CSI byte is not UTF-8: refused whole.
	raw := []byte(`[{"id":"raw-1","type":"duty.note","at":"2023-06-25T08:00:00+08:00","district":"chuanhui","data":{"note":"` + hostile.RawC1[0] + `"}}]`)
	if code, resp, _ := hubtest.PostRaw(srv.URL, hubtest.IngestToken, "application/json", raw); code != 400 || !strings.Contains(string(resp), "UTF-8") {
		t.Errorf("raw C1 bytes: %d %s, want 400 about UTF-8", code, resp)
	}
	// Seqs are dense, so the seq of one more event counts what was stored.
	lastSeq = hubtest.Post(t, srv.URL, hubtest.Events(srv.Cfg, "after", 0, 1)).LastSeq
	if accepted++; lastSeq != uint64(accepted) {
		t.Errorf("the log's last seq is %d, want %d: a refused event was stored", lastSeq, accepted)
	}
}
