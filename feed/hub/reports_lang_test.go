package hub_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestReportsLanguageDefault: a bulletin asked for without lang= is in the
// campaign file's language when it sets one, else Chinese.
func TestReportsLanguageDefault(t *testing.T) {
	for _, tc := range []struct{ campaignLang, want, not string }{
		{"", "周口", "Zhoukou"},
		{"en", "Zhoukou", "周口"},
	} {
		s := hubtest.Start(t, func(o *hub.Options) { o.Campaign.Campaign.Lang = tc.campaignLang })
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lang", 0, 50))
		s.WaitSeq(t, 50)
		var body string
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/reports?period=campaign&format=md", nil)
			req.Header.Set("Authorization", "Bearer "+hubtest.ReadToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				body = string(b)
				break
			}
			if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("GET /v1/reports: %d %s", resp.StatusCode, b)
			}
		}
		if !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) {
			t.Errorf("campaign lang %q: the bulletin is not in the language expected (want %q, not %q):\n%.400s", tc.campaignLang, tc.want, tc.not, body)
		}
	}
}
