package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitboard/internal/testtool"
)

// directiveCampaign is the small test campaign moved to run from two days
// ago to ten days on (so a live board is inside it), with the
// directive_overdue warning.
func directiveCampaign(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile("campaign/testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(time.FixedZone("+08:00", 8*3600))
	s := strings.Replace(string(src), `start = "2023-06-25"`, `start = "`+today.AddDate(0, 0, -2).Format(time.DateOnly)+`"`, 1)
	s = strings.Replace(s, `end = "2023-06-27"`, `end = "`+today.AddDate(0, 0, 10).Format(time.DateOnly)+`"`, 1)
	if s == string(src) || !strings.Contains(s, today.AddDate(0, 0, 10).Format(time.DateOnly)) {
		t.Fatal("campaign/testdata/small.toml no longer has the dates this test moves")
	}
	s += `
[[alerts]]
when = "directive_overdue"
id = "directive-overdue"
level = "orange"
zh = "指令逾期"
en = "Instruction overdue"
`
	path := filepath.Join(dir, "campaign.toml")
	writeFile(t, path, s, 0o644)
	return path
}

// directivesLayout shows the header, the alerts and the 指令 page alone.
const directivesLayout = `name = "directives-e2e"
description = "the instructions page alone"
min_width = 80
min_height = 24

[[rows]]
height = 1
regions = [{ region = "header" }]

[[rows]]
height = 1
regions = [{ region = "alerts" }]

[[rows]]
height = 0
regions = [{ region = "directives" }]

[[rows]]
height = 1
regions = [{ region = "status" }]
`

// TestDirectiveLoopEndToEnd is the office's instruction loop as people
// run it: the command room issues an instruction to two districts from a
// shell (sitboard directive issue, a city token); two station boards see
// it, east's in a terminal (watch --district east, east's own token) and
// west's through sitboard ssh with a real OpenSSH client (the server's
// stations token, the key's district=west); east signs (o) and sends a
// line of feedback (e); at the deadline the command room's board shows
// east done and west overdue in red, and the directive_overdue alert
// stands on the boards until acknowledged.
func TestDirectiveLoopEndToEnd(t *testing.T) {
	needTmux(t)
	testtool.Need(t, "ssh", "openssh-client")
	keygen := testtool.Need(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	camp := directiveCampaign(t, dir)
	scoped := filepath.Join(dir, "scoped.tokens")
	writeFile(t, scoped, "city-e2e-token-0123456789 city\neast-e2e-token-0123456789 district:east\nssh-e2e-token-0123456789 stations\n", 0o600)
	tokenFile := func(name, tok string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, tok+"\n", 0o600)
		return p
	}
	cityTok, eastTok, sshTok := tokenFile("city.token", "city-e2e-token-0123456789"), tokenFile("east.token", "east-e2e-token-0123456789"), tokenFile("ssh.token", "ssh-e2e-token-0123456789")
	hubURL, _ := startHubProc(t, "--read-token", "shared-e2e-token-0123", "--scoped-tokens", scoped, "--campaign", camp, "--clock-tick", "5s")
	ws := strings.Replace(hubURL, "http", "ws", 1)
	layout := filepath.Join(dir, "directives.toml")
	writeFile(t, layout, directivesLayout, 0o644)

	// The SSH server, with west's station key.
	keyPath := filepath.Join(dir, "west_key")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "west-duty", "-f", keyPath).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(keyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "stations")
	writeFile(t, keys, `district="west",lang="en",name="西区值班台" `+string(pub), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sshAddr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	sshd, sshLog := startProcess(t, []string{"SITBOARD_READ_TOKEN=", "SITBOARD_READ_TOKEN_FILE=" + sshTok}, "ssh", "--listen", sshAddr.String(), "--hub", ws,
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host", "key"), "--campaign", camp)
	_ = sshd
	sshLog.waitFor(t, "serving the board over SSH", 30*time.Second)

	env := []string{"LANG=en_US.UTF-8", "TERM=xterm-256color", "SITBOARD_READ_TOKEN=", "SITBOARD_READ_TOKEN_FILE="}
	room := startTmuxAs(t, "room", 110, 28, env, "watch", "--hub", ws, "--token-file", cityTok, "--campaign", camp, "--layout", layout, "--lang", "en", "--name", "command-room")
	east := startTmuxAs(t, "east", 110, 28, env, "watch", "--hub", ws, "--token-file", eastTok, "--campaign", camp, "--layout", layout, "--lang", "en", "--district", "east", "--name", "东区值班台")
	west := startTmuxNamed(t, "west", 120, 40, []string{"env", "TERM=xterm-256color", "sh", "-c", fmt.Sprintf(
		"ssh -i %s -p %d -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -t station@127.0.0.1; sleep 60",
		keyPath, sshAddr.Port)})
	for _, b := range []*tmuxSession{room, east} {
		b.waitFor("a live board", 30*time.Second, contains("LIVE"))
	}
	west.waitFor("the station's board over SSH", 30*time.Second, contains("LIVE"))

	out, stderr, code := runSitboard(t, "directive", "issue", "--hub", hubURL, "--token-file", cityTok, "--campaign", camp, "--id", "D-E2E-1",
		"--to", "east,west", "--level", "urgent", "--text", "今晚22时起开展夜间集中清查", "--sign-within", "45s", "--report-within", "60s")
	if code != 0 || !strings.Contains(out, "D-E2E-1 issued") || !strings.Contains(out, "to 2 districts") {
		t.Fatalf("directive issue: exit %d\n%s%s", code, out, stderr)
	}
	room.waitFor("the instruction on the command room's board", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "D-E2E-1") && regexp.MustCompile(`D-E2E-1 .* 0/2 +0/2`).MatchString(sc)
	})
	east.waitFor("the instruction on east's board, counting down", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "D-E2E-1") && regexp.MustCompile(`sign [\d:]+ left`).MatchString(sc) && strings.Contains(sc, "o sign  e feedback")
	})
	// East signs, then answers.
	east.keys("o")
	room.waitFor("east's sign-off on the command room's board", 20*time.Second, func(sc string) bool {
		return regexp.MustCompile(`D-E2E-1 .* 1/2 +0/2`).MatchString(sc)
	})
	east.keys("e")
	east.waitFor("the feedback line", 10*time.Second, contains("Feedback D-E2E-1:"))
	east.keys("已清查夜市12处", "Enter")
	room.waitFor("east's report on the command room's board", 20*time.Second, func(sc string) bool {
		return regexp.MustCompile(`D-E2E-1 .* 1/2 +1/2`).MatchString(sc)
	})
	east.waitFor("nothing left open on east's board", 20*time.Second, contains("No open instructions"))

	// West's board rotates: step to its instructions page.
	for i := 0; ; i++ {
		sc := west.capture()
		if strings.Contains(sc, "Instructions]") {
			break
		}
		if i > 15 {
			t.Fatalf("west's board never showed its instructions page:\n%s", sc)
		}
		before := regexp.MustCompile(`\[\d+ [A-Za-z ]+`).FindString(sc)
		west.keys("Right")
		west.waitFor("the next page", 10*time.Second, func(sc string) bool { return regexp.MustCompile(`\[\d+ [A-Za-z ]+`).FindString(sc) != before })
	}
	west.keys("Space") // hold the page
	west.waitFor("the instruction on west's board over SSH", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "D-E2E-1") && regexp.MustCompile(`sign [\d:]+ left`).MatchString(sc) && strings.Contains(sc, "PAUSED")
	})

	// At the deadline: east done, west overdue, in red on the command
	// room's board; the warning stands on the boards.
	room.waitFor("west overdue on the command room's board", 90*time.Second, contains("West(unsigned)"))
	styled, err := tmux("capture-pane", "-p", "-e", "-t", room.name).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\x1b\[[0-9;]*38;(5;203|2;255;95;95)m(\x1b\[[0-9;]*m)*West\(unsigned\)`).Match(styled) {
		t.Errorf("west is not in red on the command room's board:\n%q", styled)
	}
	room.waitFor("the overdue warning on the command room's board", 90*time.Second, contains("Instruction overdue"))
	west.waitFor("west's own board: its sign-off overdue, and the warning", 30*time.Second, func(sc string) bool {
		return regexp.MustCompile(`sign OVERDUE [\d:]+`).MatchString(sc) && strings.Contains(sc, "Instruction overdue")
	})
	if strings.Contains(east.capture(), "OVERDUE") {
		t.Errorf("east's board shows something overdue:\n%s", east.capture())
	}
	out, _, _ = runSitboard(t, "directive", "list", "--hub", hubURL, "--token-file", cityTok, "--campaign", camp, "--lang", "en")
	for _, want := range []string{"D-E2E-1 URGENT", "signed 1/2  reported 1/2", "  East  sign ", "已清查夜市12处", "! West  sign OVERDUE"} {
		if !strings.Contains(out, want) {
			t.Errorf("directive list lacks %q:\n%s", want, out)
		}
	}
}
