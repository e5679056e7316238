package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

// campaignEvents are the first n events of the generated campaign.
func campaignEvents(t *testing.T, n int) []feed.Event {
	t.Helper()
	evs, err := demo.GenerateEvents(demo.Campaign(), demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	return evs[:n]
}

// recordUntil runs the recorder until it has written up to seq want.
func recordUntil(t *testing.T, s *hubtest.Server, out string, want uint64, mutate func(*Options)) (Stats, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var last Stats
	opts := Options{URL: s.WS, Token: hubtest.ReadToken, Out: out, FlushEvery: 10 * time.Millisecond, Progress: func(st Stats) {
		mu.Lock()
		last = st
		mu.Unlock()
		if st.Seq >= want && st.Conn.Status == client.Live {
			cancel()
		}
	}}
	if mutate != nil {
		mutate(&opts)
	}
	err := Run(ctx, opts)
	mu.Lock()
	defer mu.Unlock()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("recorder did not reach seq %d (at %d): %v", want, last.Seq, err)
	}
	return last, err
}

// readFile returns a recording's events.
func readFile(t *testing.T, path string) []feed.Event {
	t.Helper()
	rc, err := feed.OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var evs []feed.Event
	if err := feed.ScanEvents(rc, func(ev feed.Event) error { evs = append(evs, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

func checkContinuous(t *testing.T, evs []feed.Event, src []feed.Event) {
	t.Helper()
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("line %d has seq %d, want %d: gap or duplicate", i+1, ev.Seq, i+1)
		}
		if ev.ID != src[i].ID {
			t.Fatalf("line %d is %s, want %s", i+1, ev.ID, src[i].ID)
		}
	}
}

func TestRecordWritesAndResumes(t *testing.T) {
	for _, name := range []string{"feed.jsonl", "feed.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			s := hubtest.Start(t, nil)
			src := campaignEvents(t, 600)
			out := filepath.Join(t.TempDir(), name)
			// Events already in the hub before recording starts are recorded too.
			hubtest.Post(t, s.URL, src[:200])
			st, err := recordUntil(t, s, out, 200, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.Written != 200 || st.Resumed != 0 {
				t.Errorf("stats %+v, want 200 written on a new file", st)
			}
			checkContinuous(t, readFile(t, out), src)

			hubtest.Post(t, s.URL, src[200:450])
			st, err = recordUntil(t, s, out, 450, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.Resumed != 200 || st.Written != 250 {
				t.Errorf("stats %+v, want resumed at 200 with 250 written", st)
			}
			// And live events while recording.
			done := make(chan struct{})
			go func() {
				defer close(done)
				time.Sleep(100 * time.Millisecond)
				for i := 450; i < 600; i += 50 {
					hubtest.Post(t, s.URL, src[i:i+50])
				}
			}()
			if _, err := recordUntil(t, s, out, 600, nil); err != nil {
				t.Fatal(err)
			}
			<-done
			evs := readFile(t, out)
			if len(evs) != 600 {
				t.Fatalf("file has %d events, want 600", len(evs))
			}
			checkContinuous(t, evs, src)
		})
	}
}

func TestRecordLiveOnlyStartsAtTheHead(t *testing.T) {
	s := hubtest.Start(t, nil)
	src := campaignEvents(t, 100)
	hubtest.Post(t, s.URL, src[:60])
	for s.Hub.Seq() < 60 { // the fold catches up with the log
		time.Sleep(5 * time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "live.jsonl")
	go func() {
		time.Sleep(300 * time.Millisecond)
		hubtest.Post(t, s.URL, src[60:])
	}()
	if _, err := recordUntil(t, s, out, 100, func(o *Options) { o.LiveOnly = true }); err != nil {
		t.Fatal(err)
	}
	evs := readFile(t, out)
	if len(evs) != 40 || evs[0].Seq != 61 {
		t.Fatalf("recorded %d events from seq %d, want 40 from 61", len(evs), evs[0].Seq)
	}
}

func TestRecordRepairsATornFile(t *testing.T) {
	s := hubtest.Start(t, nil)
	src := campaignEvents(t, 50)
	hubtest.Post(t, s.URL, src)
	out := filepath.Join(t.TempDir(), "torn.jsonl")
	if _, err := recordUntil(t, s, out, 30, nil); err != nil {
		t.Fatal(err)
	}
	// Keep 20 whole lines and half of the 21st, as a crash would.
	b, _ := os.ReadFile(out)
	lines := bytes.SplitAfter(b, []byte("\n"))
	torn := append(bytes.Join(lines[:20], nil), lines[20][:len(lines[20])/2]...)
	if err := os.WriteFile(out, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := recordUntil(t, s, out, 50, nil); err != nil {
		t.Fatal(err)
	}
	checkContinuous(t, readFile(t, out), src)
}

func TestRecordRefusesAFileFromAnotherLog(t *testing.T) {
	s := hubtest.Start(t, nil)
	src := campaignEvents(t, 20)
	hubtest.Post(t, s.URL, src)
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"other ids", `{"seq":5,"id":"elsewhere","type":"x","at":"2023-06-25T00:00:00+08:00","district":"chuanhui"}` + "\n", "does not continue on this hub"},
		{"ahead of the hub", `{"seq":500,"id":"x","type":"x","at":"2023-06-25T00:00:00+08:00","district":"chuanhui"}` + "\n", "record to a new file"},
		{"not a recording", "hello\n", "not an event"},
		{"generated, no seq", `{"id":"zk23-000001","type":"x","at":"2023-06-25T00:00:00+08:00","district":"chuanhui"}` + "\n", "no seq"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprint(i, ".jsonl"))
			os.WriteFile(out, []byte(tc.content), 0o644)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := Run(ctx, Options{URL: s.WS, Token: hubtest.ReadToken, Out: out})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestRecordBadToken(t *testing.T) {
	s := hubtest.Start(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Run(ctx, Options{URL: s.WS, Token: "wrong", Out: filepath.Join(t.TempDir(), "x.jsonl")})
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("err = %v, want a token refusal", err)
	}
}

// A recording can be read while it is being written: the file only ever
// holds whole lines and, gzipped, whole gzip members.
func TestRecordingIsReadableWhileRecording(t *testing.T) {
	for _, name := range []string{"live.jsonl", "live.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			s := hubtest.Start(t, nil)
			src := campaignEvents(t, 300)
			out := filepath.Join(t.TempDir(), name)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var seq uint64
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, Options{URL: s.WS, Token: hubtest.ReadToken, Out: out, FlushEvery: 20 * time.Millisecond,
					Progress: func(st Stats) { mu.Lock(); seq = st.Seq; mu.Unlock() }})
			}()
			for i, want := range []int{100, 300} {
				hubtest.Post(t, s.URL, src[[]int{0, 100}[i]:want])
				deadline := time.Now().Add(10 * time.Second)
				for {
					mu.Lock()
					got := seq
					mu.Unlock()
					if got >= uint64(want) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("recorder at %d, want %d", got, want)
					}
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(100 * time.Millisecond) // a few flushes
				if evs := readFile(t, out); len(evs) != want {
					t.Fatalf("while recording, the file reads %d events, want %d", len(evs), want)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			checkContinuous(t, readFile(t, out), src)
		})
	}
}
