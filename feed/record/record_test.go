package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub"
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
			// The feed is for the recorder's owner and group, not every user.
			umask := syscall.Umask(0)
			syscall.Umask(umask)
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o640&^os.FileMode(umask) {
				t.Errorf("a new recording has mode %v (%v), want %04o", fi.Mode().Perm(), err, 0o640&^umask)
			}

			hubtest.Post(t, s.URL, src[200:450])
			st, err = recordUntil(t, s, out, 450, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.Resumed != 200 || st.Written != 250 {
				t.Errorf("stats %+v, want resumed at 200 with 250 written", st)
			}
			// And live events while recording: posted once the recorder
			// says it is live at 450, so they arrive on the live feed.
			live, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var once sync.Once
			defer close(stop)
			go func() {
				defer close(done)
				select {
				case <-live:
				case <-stop:
					return
				}
				for i := 450; i < 600; i += 50 {
					hubtest.Post(t, s.URL, src[i:i+50])
				}
			}()
			_, err = recordUntil(t, s, out, 600, func(o *Options) {
				progress := o.Progress
				o.Progress = func(st Stats) {
					if st.Seq >= 450 && st.Conn.Status == client.Live {
						once.Do(func() { close(live) })
					}
					progress(st)
				}
			})
			if err != nil {
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
	s.WaitSeq(t, 60) // the fold catches up with the log
	out := filepath.Join(t.TempDir(), "live.jsonl")
	// Post the rest once the recorder is live at the head: posted earlier,
	// the events would be part of the head it starts from.
	live := make(chan struct{})
	var once sync.Once
	go func() {
		<-live
		hubtest.Post(t, s.URL, src[60:])
	}()
	if _, err := recordUntil(t, s, out, 100, func(o *Options) {
		o.LiveOnly = true
		progress := o.Progress
		o.Progress = func(st Stats) {
			if st.Conn.Status == client.Live {
				once.Do(func() { close(live) })
			}
			progress(st)
		}
	}); err != nil {
		t.Fatal(err)
	}
	evs := readFile(t, out)
	if len(evs) != 40 || evs[0].Seq != 61 {
		t.Fatalf("recorded %d events from seq %d, want 40 from 61", len(evs), evs[0].Seq)
	}
}

// TestRecordOnATrimmedLog: a new file on a log whose start retention
// dropped (a hub started again on it, so its memory holds only the log)
// starts at the log's first event and says what is missing; it used to
// ask from seq 1, get a snapshot, and write nothing.
func TestRecordOnATrimmedLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	opts := func(o *hub.Options) { o.DataDir = dir; o.MaxBytes = 64 << 10 }
	s := hubtest.Start(t, opts)
	src := campaignEvents(t, 1000)
	for i := 0; i < len(src); i += 250 {
		hubtest.Post(t, s.URL, src[i:i+250])
	}
	s.Close()
	s = hubtest.Start(t, opts)
	logs := &bytes.Buffer{}
	out := filepath.Join(t.TempDir(), "trimmed.jsonl")
	var first Stats
	st, err := recordUntil(t, s, out, 1000, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		progress := o.Progress
		o.Progress = func(st Stats) {
			if first.File == "" {
				first = st
			}
			progress(st)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := readFile(t, out)
	if len(evs) == 0 || st.Missing == 0 || evs[0].Seq != st.Missing+1 {
		t.Fatalf("recorded %d events, missing %d: want the file to start right after what is missing", len(evs), st.Missing)
	}
	if first.Missing != st.Missing {
		t.Errorf("the first progress said %d missing, the last %d: say it from the start", first.Missing, st.Missing)
	}
	t.Logf("the log starts at seq %d: %d events recorded", st.Missing+1, len(evs))
	if uint64(len(evs)) != 1000-st.Missing || st.Written != int64(len(evs)) {
		t.Errorf("recorded %d events (%d written), want every one from seq %d to 1000", len(evs), st.Written, st.Missing+1)
	}
	for i, ev := range evs {
		if want := src[int(st.Missing)+i].ID; ev.ID != want || ev.Seq != st.Missing+1+uint64(i) {
			t.Fatalf("line %d is seq %d %s, want seq %d %s", i+1, ev.Seq, ev.ID, st.Missing+1+uint64(i), want)
		}
	}
	if !strings.Contains(logs.String(), "no longer starts at seq 1") || !strings.Contains(logs.String(), fmt.Sprintf("missing=\"seqs 1 to %d\"", st.Missing)) {
		t.Errorf("the recorder did not say what is missing:\n%s", logs)
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
	// A 202 means stored, not yet folded: a hub behind seq 5 would call
	// the "other ids" file ahead of it instead of from another log.
	s.WaitSeq(t, 20)
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
				waitFor(t, "the flushes", func() bool { return countEvents(t, out) >= want })
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

// fullFile is an output file on a disk that fills up on demand: once full,
// a write puts half its bytes in the file and fails with ENOSPC, as a
// real full disk does.
type fullFile struct {
	*os.File
	full atomic.Bool
}

func (f *fullFile) Write(p []byte) (int, error) {
	if !f.full.Load() {
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:len(p)/2])
	return n, syscall.ENOSPC
}

// TestRecordFlushErrorStops: when the disk fills, the recorder stops at
// once (no further event needed), reports which events are in the file and
// what to do, and leaves only whole lines; the same command then continues.
func TestRecordFlushErrorStops(t *testing.T) {
	for _, name := range []string{"feed.jsonl", "feed.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			s := hubtest.Start(t, nil)
			src := campaignEvents(t, 300)
			out := filepath.Join(t.TempDir(), name)
			var file atomic.Pointer[fullFile]
			var mu sync.Mutex
			var seq uint64
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, Options{URL: s.WS, Token: hubtest.ReadToken, Out: out, FlushEvery: 10 * time.Millisecond,
					Progress: func(st Stats) { mu.Lock(); seq = st.Seq; mu.Unlock() },
					openOut: func(path string) (outFile, int64, error) {
						f, size, err := openFile(path)
						if err != nil {
							return nil, 0, err
						}
						ff := &fullFile{File: f.(*os.File)}
						file.Store(ff)
						return ff, size, nil
					}})
			}()
			hubtest.Post(t, s.URL, src[:100])
			waitFor(t, "the first 100 events in the file", func() bool { return countEvents(t, out) == 100 })
			file.Load().full.Store(true)
			hubtest.Post(t, s.URL, src[100:300])
			var err error
			select {
			case err = <-done:
			case <-ctx.Done():
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("the recorder kept running after its writes failed (at seq %d)", seq)
			}
			var we *WriteError
			if !errors.As(err, &we) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("err = %v, want a *WriteError for ENOSPC", err)
			}
			if we.Seq != 100 {
				t.Errorf("the error says the file holds up to seq %d, want 100", we.Seq)
			}
			for _, want := range []string{"no space left", "up to seq 100", "Free space", "run the same command again"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			// The half-written flush was taken back: the file reads whole.
			checkContinuous(t, readFile(t, out), src[:100])

			if _, err := recordUntil(t, s, out, 300, nil); err != nil {
				t.Fatal(err)
			}
			got := readFile(t, out)
			if len(got) != 300 {
				t.Fatalf("after the rerun the file has %d events, want 300", len(got))
			}
			checkContinuous(t, got, src)
		})
	}
}

// TestRecordCloseReportsAFailedFlush: a write that fails when the recorder
// is stopped (the last flush) is an error, not a clean stop.
func TestRecordCloseReportsAFailedFlush(t *testing.T) {
	out := filepath.Join(t.TempDir(), "feed.jsonl")
	var file *fullFile
	s, err := openSink(out, func(path string) (outFile, int64, error) {
		f, size, err := openFile(path)
		file = &fullFile{File: f.(*os.File)}
		return file, size, err
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ev := feed.Event{ID: fmt.Sprint("e", i), Type: "x.note", At: time.Now(), District: "chuanhui", Seq: uint64(5 + i)}
		if err := s.write(ev); err != nil {
			t.Fatal(err)
		}
	}
	file.full.Store(true)
	err = s.close()
	var we *WriteError
	if !errors.As(err, &we) || we.Seq != 0 || !strings.Contains(err.Error(), "the events after seq 0 (up to 7) did not reach it") {
		t.Fatalf("close = %v, want a *WriteError saying what was lost", err)
	}
	if b, _ := os.ReadFile(out); len(b) != 0 {
		t.Errorf("the file holds %d bytes of a failed flush, want none", len(b))
	}
}

// TestRepairLargeGzipTailInBoundedMemory tears the end of a large gzipped
// recording: the repair keeps every whole line and streams, so the heap
// stays far below the recording's size.
func TestRepairLargeGzipTailInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MB recording")
	}
	path := filepath.Join(t.TempDir(), "big.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	const events = 140_000
	pad := strings.Repeat("某某路段巡逻", 10)
	var size int64
	for i := range events {
		n, _ := fmt.Fprintf(zw, `{"id":"ev-%07d","type":"x.note","at":"2023-06-25T00:00:00+08:00","district":"chuanhui","data":{"n":%d,"note":"%s"},"seq":%d}`+"\n", i, i, pad, i+1)
		size += int64(n)
	}
	zw.Flush() // no gzip trailer: the end is torn, as when a recorder dies mid-member
	fmt.Fprint(zw, `{"id":"half`)
	zw.Flush()
	f.Close()
	if size < 40<<20 {
		t.Fatalf("the recording is only %d bytes uncompressed", size)
	}

	// The live heap (after a collection) is sampled while the repair runs,
	// against the live heap before it: other tests' data and uncollected
	// garbage do not count, what the repair holds on to does.
	liveHeap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := liveHeap()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := liveHeap(); h > base && h-base > peak.Load() {
				peak.Store(h - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	tail, err := readTail(path, slog.New(slog.DiscardHandler))
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if tail.events != events || tail.seq != events || tail.id != fmt.Sprintf("ev-%07d", events-1) {
		t.Fatalf("tail = %+v, want %d events ending at seq %d", tail, events, events)
	}
	if got := countEvents(t, path); got != events {
		t.Fatalf("the repaired file reads %d events, want %d", got, events)
	}
	if p := peak.Load(); p > 16<<20 {
		t.Errorf("the repair held %d MB for a %d MB recording: it must stream", p>>20, size>>20)
	} else {
		t.Logf("repaired %d MB (uncompressed) holding at most %.1f MB", size>>20, float64(p)/(1<<20))
	}
}

// countEvents is the number of whole events a reader gets from the file now.
func countEvents(t *testing.T, path string) int {
	t.Helper()
	rc, err := feed.OpenRecording(path)
	if err != nil {
		return 0
	}
	defer rc.Close()
	n := 0
	feed.ScanEvents(rc, func(feed.Event) error { n++; return nil })
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
