// Command testsum reads `go test -json` on stdin and prints what a person
// reads from plain `go test`: each package's result and the output of
// every failed test. Then it lists every skipped test with its reason,
// which plain `go test` hides. It exits 1 if a test failed, or if one
// skipped and -allow-skip is not given: CI installs every tool the tests
// use and runs as root, so a skip there is a test that did not run.
//
// -expect-skip "PKG TEST" (repeatable) names one test that may skip in
// this run, for a reason .ci/run states where it passes the flag; any
// other skip still fails.
//
//	go test -json ./... | go run .ci/testsum.go [-allow-skip] [-expect-skip "PKG TEST"]...
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

func main() {
	allowSkip := flag.Bool("allow-skip", false, "list skipped tests but do not fail for them")
	expected := map[string]bool{}
	flag.Func("expect-skip", "`PKG TEST` that may skip in this run (repeatable)", func(s string) error {
		expected[strings.Join(strings.Fields(s), " ")] = true
		return nil
	})
	flag.Parse()
	output := map[key][]string{}
	var skips []string
	unexpected := 0
	failed := 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			fmt.Println(sc.Text()) // a build error or a panic before the JSON
			continue
		}
		k := key{ev.Package, ev.Test}
		switch ev.Action {
		case "output":
			output[k] = append(output[k], ev.Output)
		case "skip":
			if ev.Test != "" {
				line := fmt.Sprintf("%s %s: %s", ev.Package, ev.Test, reason(output[k]))
				if expected[ev.Package+" "+ev.Test] {
					line += " (expected in this run)"
				} else {
					unexpected++
				}
				skips = append(skips, line)
			} else {
				fmt.Printf("?   \t%s\t[no test files]\n", ev.Package)
			}
			delete(output, k)
		case "pass":
			if ev.Test == "" {
				fmt.Printf("ok  \t%s\t%.3fs\n", ev.Package, ev.Elapsed)
			}
			delete(output, k)
		case "fail":
			failed++
			if ev.Test != "" {
				fmt.Print(strings.Join(output[k], ""))
			} else {
				// The package's own lines: its FAIL line, a panic, a timeout.
				for _, l := range output[k] {
					if !strings.HasPrefix(l, "=== ") {
						fmt.Print(l)
					}
				}
			}
			delete(output, k)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(1)
	}
	sort.Strings(skips)
	if len(skips) == 0 {
		fmt.Println("ci: no test skipped")
	} else {
		fmt.Printf("ci: %d tests skipped:\n", len(skips))
		for _, s := range skips {
			fmt.Println("  " + s)
		}
	}
	switch {
	case failed > 0:
		os.Exit(1)
	case unexpected > 0 && !*allowSkip:
		fmt.Println("ci: a test skipped, but CI installs every tool and runs as root: install what it names, or fix the test")
		os.Exit(1)
	}
}

// reason is a skipped test's message: the lines test2json put after its
// "--- SKIP" line, or before it for a t.Skip that logged first.
func reason(lines []string) string {
	var msg []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		msg = append(msg, t)
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}
