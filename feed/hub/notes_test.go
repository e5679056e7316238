package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/report"
)

const weekNotes = "## 主要做法\n一是夜市不收摊、警察不撤岗。\n\n## 下步工作\n- 约谈警情上升的单位\n"

// sendNotes sends method to /v1/reports/notes?query with the token, the
// body as contentType, on one keep-alive client, and gives the status and
// body.
func sendNotes(t *testing.T, c *http.Client, url, method, query, token, contentType, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url+"/v1/reports/notes?"+query, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestReportNotesStoredAndServed: the office stores a bulletin's notes
// with PUT /v1/reports/notes (the ingest token, or a city-scoped token);
// GET gives them back; the served bulletin, in every format, carries
// them; they survive the hub's restart on its data directory; DELETE
// removes them. Every refusal is a 4xx that says what to do and stores
// nothing.
func TestReportNotesStoredAndServed(t *testing.T) {
	dir := t.TempDir()
	opts := func(o *hub.Options) { o.DataDir = dir; o.ScopedTokens = scopedTokens(t) }
	s := hubtest.Start(t, opts)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "n", 0, 50))
	s.WaitSeq(t, 50)
	c := &http.Client{} // one keep-alive client for every request, refusals included

	const week = "period=week&date=2023-06-27"
	// Before any notes: none, and the bulletin is served without.
	if code, body := sendNotes(t, c, s.URL, http.MethodGet, week, hubtest.ReadToken, "", ""); code != http.StatusNotFound || !strings.Contains(string(body), "store them with PUT") {
		t.Fatalf("GET before any notes: %d %s", code, body)
	}

	refusals := []struct {
		name, method, query, token, contentType, body string
		code                                          int
		want                                          string
	}{
		{"no token", http.MethodPut, week, "", "text/markdown", weekNotes, http.StatusUnauthorized, "city-scoped token, or the ingest token"},
		{"the read token", http.MethodPut, week, hubtest.ReadToken, "text/markdown", weekNotes, http.StatusForbidden, "refused writing a bulletin's notes"},
		{"a district's token", http.MethodPut, week, chuanhuiToken, "text/markdown", weekNotes, http.StatusForbidden, "refused writing a bulletin's notes"},
		{"a district deletes", http.MethodDelete, week, chuanhuiToken, "", "", http.StatusForbidden, "refused writing"},
		{"no date", http.MethodPut, "period=week", hubtest.IngestToken, "text/markdown", weekNotes, http.StatusBadRequest, "?period=day|week|half-month|month|campaign&date=YYYY-MM-DD"},
		{"unknown period", http.MethodPut, "period=fortnight&date=2023-06-27", hubtest.IngestToken, "text/markdown", weekNotes, http.StatusBadRequest, "fortnight"},
		{"outside the campaign", http.MethodPut, "period=week&date=2023-10-02", hubtest.IngestToken, "text/markdown", weekNotes, http.StatusBadRequest, "outside the campaign"},
		{"wrong content type", http.MethodPut, week, hubtest.IngestToken, "application/json", `{"practices":"x"}`, http.StatusUnsupportedMediaType, "text/markdown"},
		{"too large", http.MethodPut, week, hubtest.IngestToken, "text/markdown", "## 主要做法\n" + strings.Repeat("好。\n\n", report.MaxNotesBytes/4), http.StatusRequestEntityTooLarge, "shorten them"},
		{"unknown heading", http.MethodPut, week, hubtest.IngestToken, "text/markdown", "## 主要做法\n好。\n## 亮点\n好。\n", http.StatusBadRequest, "notes: line 3: heading \"亮点\""},
		{"control character", http.MethodPut, week, hubtest.IngestToken, "text/markdown", "## 主要做法\n好\x1b]0;x\x07。\n", http.StatusBadRequest, "U+001B"},
		{"POST", http.MethodPost, week, hubtest.IngestToken, "text/markdown", weekNotes, http.StatusMethodNotAllowed, "use PUT"},
	}
	for _, tc := range refusals {
		code, body := sendNotes(t, c, s.URL, tc.method, tc.query, tc.token, tc.contentType, tc.body)
		var e hub.ErrorBody
		if code != tc.code || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.name, code, body, tc.code, tc.want)
		}
	}
	if code, _ := sendNotes(t, c, s.URL, http.MethodGet, week, hubtest.ReadToken, "", ""); code != http.StatusNotFound {
		t.Fatalf("a refusal stored notes: GET answers %d", code)
	}

	// The office stores them: the ingest token, then a city token replaces
	// them (TOML this time).
	code, body := sendNotes(t, c, s.URL, http.MethodPut, week, hubtest.IngestToken, "text/markdown; charset=utf-8", weekNotes)
	var stored hub.StoredNotes
	if code != http.StatusOK || json.Unmarshal(body, &stored) != nil || stored.From != "2023-06-25" || stored.To != "2023-07-01" || len(stored.Notes.Practices) != 1 {
		t.Fatalf("PUT: %d %s", code, body)
	}
	code, body = sendNotes(t, c, s.URL, http.MethodPut, "period=week&date=2023-06-30", cityToken, "application/toml", "\"主要做法\" = \"一是夜市不收摊、警察不撤岗。\"\nnext_steps = [\"约谈警情上升的单位\"]\n")
	if code != http.StatusOK {
		t.Fatalf("PUT with a city token: %d %s", code, body)
	}
	served := func(s *hubtest.Server) {
		t.Helper()
		code, body := sendNotes(t, c, s.URL, http.MethodGet, week, hubtest.ReadToken, "", "")
		if code != http.StatusOK || json.Unmarshal(body, &stored) != nil || stored.Notes.Practices[0].Text != "一是夜市不收摊、警察不撤岗。" || stored.Notes.NextSteps[0].Text != "约谈警情上升的单位" {
			t.Fatalf("GET: %d %s", code, body)
		}
		for _, q := range []string{"format=md", "format=html", "format=text&lang=en"} {
			code, _, body := getReport(t, s.URL, week+"&"+q, hubtest.ReadToken)
			if code != http.StatusOK || !bytes.Contains(body, []byte("一是夜市不收摊、警察不撤岗。")) || !bytes.Contains(body, []byte("约谈警情上升的单位")) {
				t.Errorf("%s: the served bulletin lacks its notes: %d %.300s", q, code, body)
			}
		}
		code, _, body = getReport(t, s.URL, week+"&format=json", hubtest.ReadToken)
		var b report.Bulletin
		if code != http.StatusOK || json.Unmarshal(body, &b) != nil || b.Notes == nil || len(b.Notes.Practices) != 1 {
			t.Errorf("the JSON bulletin lacks its notes: %d %.300s", code, body)
		}
		// Another bulletin has none.
		if _, _, body := getReport(t, s.URL, "period=day&date=2023-06-27&format=md", hubtest.ReadToken); bytes.Contains(body, []byte("约谈警情上升的单位")) {
			t.Error("the day's bulletin carries the week's notes")
		}
	}
	served(s)

	// A restart on the same data directory keeps them.
	s.Close()
	s = hubtest.Start(t, opts)
	s.WaitSeq(t, 50)
	served(s)

	if code, body := sendNotes(t, c, s.URL, http.MethodDelete, week, cityToken, "", ""); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if code, _ := sendNotes(t, c, s.URL, http.MethodGet, week, hubtest.ReadToken, "", ""); code != http.StatusNotFound {
		t.Fatalf("GET after DELETE: %d", code)
	}
	if code, _ := sendNotes(t, c, s.URL, http.MethodDelete, week, cityToken, "", ""); code != http.StatusNotFound {
		t.Fatalf("a second DELETE: %d, want 404", code)
	}
}

// TestReportNotesOnExternalNats: on an external NATS the notes are in the
// server's bucket, not the hub's: stored through one hub, read and served
// through another on the same log, and still there after both restarted.
func TestReportNotesOnExternalNats(t *testing.T) {
	url := startNatsServer(t)
	opts := func(o *hub.Options) { o.NatsURL = url }
	a := hubtest.Start(t, opts)
	hubtest.Post(t, a.URL, hubtest.Events(a.Cfg, "x", 0, 20))
	c := &http.Client{}
	if code, body := sendNotes(t, c, a.URL, http.MethodPut, "period=day&date=2023-06-25", hubtest.IngestToken, "text/markdown", weekNotes); code != http.StatusOK {
		t.Fatalf("PUT through hub A: %d %s", code, body)
	}
	b := hubtest.Start(t, opts)
	b.WaitSeq(t, 20)
	check := func(s *hubtest.Server, who string) {
		t.Helper()
		code, _, body := getReport(t, s.URL, "period=day&date=2023-06-25&format=md", hubtest.ReadToken)
		if code != http.StatusOK || !bytes.Contains(body, []byte("约谈警情上升的单位")) {
			t.Errorf("%s serves the day's bulletin without the notes stored through hub A: %d %.300s", who, code, body)
		}
	}
	check(b, "hub B")
	a.Close()
	b.Close()
	c2 := hubtest.Start(t, opts)
	c2.WaitSeq(t, 20)
	check(c2, "a hub started afresh")
}
