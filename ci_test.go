package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCISkipSummary: .ci/testsum.go turns go test -json into the plain
// results, lists every skipped test with its reason, and fails CI for a
// skip (unless -allow-skip) as for a failure.
func TestCISkipSummary(t *testing.T) {
	input := strings.Join([]string{
		`{"Action":"run","Package":"sitboard/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"sitboard/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"sitboard/a","Test":"TestOK"}`,
		`{"Action":"run","Package":"sitboard/a","Test":"TestNats"}`,
		`{"Action":"output","Package":"sitboard/a","Test":"TestNats","Output":"=== RUN   TestNats\n"}`,
		`{"Action":"output","Package":"sitboard/a","Test":"TestNats","Output":"    x_test.go:9: nats-server not found: looked on PATH (/usr/bin) and in /usr/sbin\n"}`,
		`{"Action":"output","Package":"sitboard/a","Test":"TestNats","Output":"--- SKIP: TestNats (0.00s)\n"}`,
		`{"Action":"skip","Package":"sitboard/a","Test":"TestNats"}`,
		`{"Action":"pass","Package":"sitboard/a","Elapsed":1.5}`,
	}, "\n") + "\n"
	run := func(args ...string) (string, int) {
		cmd := exec.Command("go", append([]string{"run", ".ci/testsum.go"}, args...)...)
		cmd.Stdin = strings.NewReader(input)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := run()
	for _, want := range []string{"ok  \tsitboard/a\t1.500s", "ci: 1 tests skipped:", "sitboard/a TestNats: x_test.go:9: nats-server not found: looked on PATH (/usr/bin) and in /usr/sbin"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("a skip exits %d, want 1 in CI", code)
	}
	if _, code := run("-allow-skip"); code != 0 {
		t.Errorf("-allow-skip: exit %d, want 0", code)
	}
	out, code = run("-expect-skip", "sitboard/a  TestNats")
	if code != 0 || !strings.Contains(out, "(expected in this run)") {
		t.Errorf("-expect-skip naming the test: exit %d, want 0 and the skip marked expected:\n%s", code, out)
	}
	if _, code := run("-expect-skip", "sitboard/a TestOther"); code != 1 {
		t.Errorf("-expect-skip naming another test: exit %d, want 1", code)
	}
}
