package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
	"sitboard/report"
)

const shippedRecordingPath = "demo/recordings/summer-action-2023.jsonl.gz"

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "week.md")
	_, stderr, code := runSitboard(t, "report", "--period", "week", "--date", "2023-08-12", "--recording", shippedRecordingPath, "--format", "md", "--lang", "en", "--out", out, "--notes", "report/testdata/notes.md")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("report/testdata/week-en.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(golden) {
		t.Errorf("report --out --notes wrote something else than the week bulletin golden (report/testdata/week-en.md)")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the bulletin (no temporary left)", len(entries))
	}
	if mode := fileMode(t, out); mode != 0o644 {
		t.Errorf("the bulletin's mode is %v, want 0644: others in the office must be able to read it", mode)
	}
	// Writing over a bulletin keeps the mode its owner gave it.
	os.Chmod(out, 0o640)
	if _, stderr, code := runSitboard(t, "report", "--period", "day", "--date", "2023-08-12", "--recording", shippedRecordingPath, "--out", out); code != 0 {
		t.Fatalf("report over an existing file: exit %d: %s", code, stderr)
	}
	if mode := fileMode(t, out); mode != 0o640 {
		t.Errorf("rewritten bulletin's mode is %v, want the 0640 it had", mode)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "--recording", shippedRecordingPath}, "--period \"\": use one of day, week"},
		{[]string{"report", "--period", "week"}, "give exactly one of --hub URL or --recording FILE"},
		{[]string{"report", "--period", "week", "--recording", shippedRecordingPath, "--format", "pdf"}, "use text, md or html"},
		{[]string{"report", "--period", "week", "--recording", shippedRecordingPath, "--lang", "fr"}, "use zh or en"},
		{[]string{"report", "--period", "week", "--recording", shippedRecordingPath, "--date", "Aug 12"}, "give a date like 2023-06-25"},
		{[]string{"report", "--period", "day", "--recording", shippedRecordingPath, "--date", "2023-10-02"}, "outside the campaign"},
		{[]string{"report", "--period", "day", "--recording", shippedRecordingPath, "--out", "/proc/nope/b.txt"}, "check the directory exists"},
		// Refused before any folding: the recording named is never opened.
		{[]string{"report", "--period", "day", "--recording", "/nonexistent.jsonl.gz", "--date", "2023-10-02"}, "--date: 2023-10-02 is outside the campaign"},
		{[]string{"report", "--period", "day", "--recording", "/nonexistent.jsonl.gz", "--out", "/proc/nope/b.txt"}, "--out /proc/nope/b.txt"},
		{[]string{"report", "--period", "day", "--recording", "/nonexistent.jsonl.gz", "--out", dir}, "is a directory"},
		{[]string{"report", "--period", "day", "--recording", "/nonexistent.jsonl.gz", "--notes", "/nonexistent.md"}, "--notes /nonexistent.md: open"},
		{[]string{"report", "--period", "day", "--recording", "/nonexistent.jsonl.gz", "--notes", "cmd_report.go"}, "--notes cmd_report.go: line 1:"},
	}
	for _, tc := range tests {
		_, stderr, code := runSitboard(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("sitboard %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestBulletinsPrintInChromium prints bulletins of each size to PDF with
// headless Chromium and holds them to the office's page budget (pdfinfo):
// a 日动态 on at most 2 A4 pages, a 周通报 on 4, the closing bulletin on
// 12. Their text (pdftotext) carries the masthead, the 期号, the issuing
// office and date, the page numbers of the print CSS counter and, for the
// closing bulletin, the headline figures; a screenshot is saved.
func TestBulletinsPrintInChromium(t *testing.T) {
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := testtool.Find(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		testtool.Need(t, "chromium", "chromium") // skips, saying where it looked
	}
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		testtool.Need(t, tool, "poppler-utils")
	}
	header := []string{"内部资料注意保存", "周口市公安局“夏季行动”办公室", "报：市公安局党委各成员", "指标说明"}
	tests := []struct {
		period, date string
		most         int
		want         []string
	}{
		{"day", "2023-08-12", 2, append([]string{"夏季行动日动态", "第49期", "2023年8月13日", "2023年8月13日印发", "主要警情和工作数据"}, header...)},
		// The last day: its hours are in the record, so its chart is 24 bars.
		{"day", "2023-09-30", 2, append([]string{"夏季行动日动态", "第98期", "2023年10月1日"}, header...)},
		// Weeks 6 and 9 have the most to say of the 14.
		{"week", "2023-07-30", 4, append([]string{"夏季行动周通报", "第6期", "2023年8月6日", "各地排名与红黄旗", "工作讲评", "计分明细"}, header...)},
		{"week", "2023-08-20", 4, append([]string{"夏季行动周通报", "第9期"}, header...)},
		{"campaign", "", 12, append([]string{"夏季行动总结通报", "总结通报", "刑事类警情4380起，环比下降7.16%", "治安类警情9650起，环比下降27.32%",
			"刑事案件立案3900起，同比下降21.80%", "盗窃案件立案1595起，同比下降23.02%", "侦破命案积案13起", "侦破严重暴力案件71起", "巡逻防控网格62个"}, header...)},
	}
	for _, tc := range tests {
		t.Run(tc.period+" "+tc.date, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "bulletin.html")
			args := []string{"report", "--period", tc.period, "--recording", shippedRecordingPath, "--format", "html", "--out", page, "--notes", "report/testdata/notes.md"}
			if tc.date != "" {
				args = append(args, "--date", tc.date)
			}
			if _, stderr, code := runSitboard(t, args...); code != 0 {
				t.Fatalf("report: exit %d: %s", code, stderr)
			}
			pdf, png := filepath.Join(dir, "bulletin.pdf"), filepath.Join(dir, "bulletin.png")
			run := func(extra ...string) {
				t.Helper()
				profile := t.TempDir()
				args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
					"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile}, extra...)
				args = append(args, "file://"+page)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				out, err := exec.CommandContext(ctx, chromium, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("chromium %v: %v\n%s", extra, err, out)
				}
			}
			run("--no-pdf-header-footer", "--print-to-pdf="+pdf)
			if tc.period == "campaign" {
				run("--window-size=1240,1754", "--screenshot="+png)
				if st, err := os.Stat(png); err != nil || st.Size() == 0 {
					t.Errorf("no screenshot at %s: %v", png, err)
				}
			}
			info, err := exec.Command("pdfinfo", pdf).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
			if m == nil {
				t.Fatalf("pdfinfo gave no page count:\n%s", info)
			}
			pages, _ := strconv.Atoi(string(m[1]))
			if pages > tc.most {
				t.Errorf("the %s bulletin prints on %d A4 pages, more than the %d it may take", tc.period, pages, tc.most)
			}
			if !strings.Contains(string(info), "(A4)") {
				t.Errorf("the PDF is not A4:\n%s", info)
			}
			text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			flat := strings.Join(strings.Fields(string(text)), "")
			for _, want := range tc.want {
				if !strings.Contains(flat, want) {
					t.Errorf("the PDF's text lacks %q", want)
				}
			}
			// Every page is numbered in its bottom margin: — N —.
			for p := 1; p <= pages; p++ {
				if !strings.Contains(flat, fmt.Sprintf("—%d—", p)) {
					t.Errorf("page %d of %d has no page number", p, pages)
				}
			}
			for _, not := range []string{"docs/", "[assessment]", ".md"} {
				if strings.Contains(flat, not) {
					t.Errorf("the printed text names a file (%q): a bulletin is for the office, not for those who keep the system", not)
				}
			}
			t.Logf("%s %s: %d pages", tc.period, tc.date, pages)
		})
	}
}

// TestReportFromHub: report --hub asks the hub for the bulletin (as JSON)
// and writes it as the same events folded locally would give.
func TestReportFromHub(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := s.Cfg
	var evs []feed.Event
	rc, err := feed.OpenRecording(shippedRecordingPath)
	if err != nil {
		t.Fatal(err)
	}
	feed.ScanEvents(rc, func(ev feed.Event) error {
		if cfg.Day(ev.At) <= 2 {
			evs = append(evs, ev)
		}
		return nil
	})
	rc.Close()
	for i := 0; i < len(evs); i += 2000 {
		hubtest.Post(t, s.URL, evs[i:min(i+2000, len(evs))])
	}
	s.WaitSeq(t, uint64(len(evs)))
	h := campaign.NewHistory(cfg)
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
	}
	b, err := report.Build(h, report.Request{Kind: campaign.PeriodDay})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	report.Render(&want, b, cfg, report.Options{Format: report.FormatText, Lang: report.LangEn})
	stdout, stderr, code := runSitboard(t, "report", "--period", "day", "--hub", s.URL, "--token", hubtest.ReadToken, "--lang", "en")
	if code != 0 {
		t.Fatalf("report --hub: exit %d: %s", code, stderr)
	}
	if stdout != want.String() {
		t.Errorf("report --hub wrote:\n%s\nwant:\n%s", stdout, want.String())
	}
	_, stderr, code = runSitboard(t, "report", "--period", "day", "--hub", s.URL, "--token", "wrong")
	if code == 0 || !strings.Contains(stderr, "refused the read token") {
		t.Errorf("a wrong token: exit %d, %q", code, stderr)
	}

	// Notes stored on the hub come with its bulletin; --notes wins.
	date := cfg.Date(b.Span.From).Format(time.DateOnly)
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/v1/reports/notes?period=day&date="+date, strings.NewReader("## 下步工作\n- 复查漏巡夜市\n"))
	req.Header.Set("Authorization", "Bearer "+hubtest.IngestToken)
	req.Header.Set("Content-Type", "text/markdown")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT notes: %v %v", resp, err)
	}
	resp.Body.Close()
	stdout, stderr, code = runSitboard(t, "report", "--period", "day", "--hub", s.URL, "--token", hubtest.ReadToken)
	if code != 0 || !strings.Contains(stdout, "复查漏巡夜市") {
		t.Errorf("report --hub without the notes stored on the hub: exit %d, %s\n%s", code, stderr, stdout)
	}
	stdout, _, _ = runSitboard(t, "report", "--period", "day", "--hub", s.URL, "--token", hubtest.ReadToken, "--notes", "report/testdata/notes.md")
	if strings.Contains(stdout, "复查漏巡夜市") || !strings.Contains(stdout, "夜市不收摊") {
		t.Errorf("report --hub --notes FILE: the file's notes do not replace the hub's:\n%s", stdout)
	}
}

// TestReportFromHubWaitsForTheFold: a hub still folding its log for
// bulletins answers 503 with Retry-After and its progress; report --hub
// says so on stderr, asks again after Retry-After, and writes the
// bulletin. Before, it failed at the first 503.
func TestReportFromHubWaitsForTheFold(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "wait", 0, 20))
	s.WaitSeq(t, 20)
	target, _ := url.Parse(s.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var asked atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"the hub is still folding the event log for bulletins (seq 10 of 20): retry in 1 s","fold":"reports","seq":10,"of":20}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	want, _, code := runSitboard(t, "report", "--period", "campaign", "--hub", s.URL, "--token", hubtest.ReadToken, "--lang", "en")
	if code != 0 {
		t.Fatalf("report --hub: exit %d", code)
	}
	got, stderr, code := runSitboard(t, "report", "--period", "campaign", "--hub", front.URL, "--token", hubtest.ReadToken, "--lang", "en")
	if code != 0 || got != want || asked.Load() != 2 {
		t.Fatalf("report --hub through a 503: exit %d after %d requests; stderr %s", code, asked.Load(), stderr)
	}
	if !strings.Contains(stderr, "waiting for the hub") || !strings.Contains(stderr, "seq 10 of 20") {
		t.Errorf("stderr does not say why it waited: %s", stderr)
	}
}
