package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
	"sitboard/report"
)

func getReport(t *testing.T, url, query, token string) (int, http.Header, []byte) {
	t.Helper()
	return getWithToken(t, url+"/v1/reports?"+query, token)
}

// getWithToken sends GET url with the token as a bearer (none when empty)
// and returns the status, headers and body.
func getWithToken(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// TestReportsEndpoint: GET /v1/reports serves the bulletin a History folded
// from the same events gives, as JSON, HTML and Markdown, with the read
// token; it follows events appended later, and refuses what it cannot answer
// with a status and a message.
func TestReportsEndpoint(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := s.Cfg
	// The shipped recording's first days are enough to fill two campaign
	// weeks: take the events dated on days 1–9.
	var evs []feed.Event
	rc, err := feed.OpenRecording("../../demo/recordings/summer-action-2023.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	err = feed.ScanEvents(rc, func(ev feed.Event) error {
		if cfg.Day(ev.At) <= 9 {
			evs = append(evs, ev)
		}
		return nil
	})
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	first, rest := evs[:len(evs)*3/4], evs[len(evs)*3/4:]
	post := func(batch []feed.Event) {
		for i := 0; i < len(batch); i += 2000 {
			hubtest.Post(t, s.URL, batch[i:min(i+2000, len(batch))])
		}
	}
	post(first)
	s.WaitSeq(t, uint64(len(first)))

	local := func(n int, kind, date string) *report.Bulletin {
		h := campaign.NewHistory(cfg)
		for i, ev := range evs[:n] {
			ev.Seq = uint64(i + 1)
			h.Apply(ev)
		}
		when, _ := report.ParseDate(cfg, date)
		b, err := report.Build(h, report.Request{Kind: kind, Date: when})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	check := func(n int, query, kind, date string) {
		t.Helper()
		code, hdr, body := getReport(t, s.URL, query, hubtest.ReadToken)
		if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: status %d, %s: %s", query, code, hdr.Get("Content-Type"), body)
		}
		want, _ := json.Marshal(local(n, kind, date))
		var got bytes.Buffer
		json.Compact(&got, body)
		if got.String() != string(want) {
			t.Errorf("%s: the hub's bulletin differs from one built from the same events\n got %.400s\nwant %.400s", query, got.String(), want)
		}
	}
	check(len(first), "period=week&date=2023-06-27&format=json", campaign.PeriodWeek, "2023-06-27")

	// Events appended after the first request are in the next one.
	post(rest)
	s.WaitSeq(t, uint64(len(evs)))
	check(len(evs), "period=week&date=2023-07-03&format=json", campaign.PeriodWeek, "2023-07-03")
	check(len(evs), "period=campaign&format=json", campaign.PeriodCampaign, "")

	code, hdr, body := getReport(t, s.URL, "period=week&date=2023-06-27&format=html", hubtest.ReadToken)
	if code != http.StatusOK || hdr.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(body, []byte("周通报（第1周）")) || !bytes.Contains(body, []byte("<svg")) {
		t.Errorf("html: status %d, %s, %.200s", code, hdr.Get("Content-Type"), body)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("html: Content-Security-Policy %q, want default-src 'none'", csp)
	}
	code, hdr, body = getReport(t, s.URL, "period=day&date=2023-06-26&format=md&lang=en", hubtest.ReadToken)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/markdown") || !bytes.HasPrefix(body, []byte("# Zhoukou police")) {
		t.Errorf("md: status %d, %s, %.200s", code, hdr.Get("Content-Type"), body)
	}

	refusals := []struct {
		query, token, want string
		code               int
	}{
		{"period=week", "", "read token", http.StatusUnauthorized},
		{"period=week", "wrong", "read token", http.StatusUnauthorized},
		{"format=html", hubtest.ReadToken, "no period", http.StatusBadRequest},
		{"period=fortnight", hubtest.ReadToken, "use one of day, week", http.StatusBadRequest},
		{"period=week&format=pdf", hubtest.ReadToken, "use html, md, text or json", http.StatusBadRequest},
		{"period=week&lang=fr", hubtest.ReadToken, "use zh or en", http.StatusBadRequest},
		{"period=day&date=next-tuesday", hubtest.ReadToken, "give a date like", http.StatusBadRequest},
		{"period=day&date=2023-10-01", hubtest.ReadToken, "outside the campaign", http.StatusBadRequest},
		{"period=day&date=2023-08-12", hubtest.ReadToken, "no data for 2023-08-12 yet", http.StatusNotFound},
	}
	for _, r := range refusals {
		code, _, body := getReport(t, s.URL, r.query, r.token)
		if code != r.code || !strings.Contains(string(body), r.want) {
			t.Errorf("%s (token %q): status %d %s; want %d and %q", r.query, r.token, code, body, r.code, r.want)
		}
	}
}
