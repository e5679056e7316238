package main

// The parts every command shares: its flag set, its help (on stdout, exit
// 0), the one-line answer to a bad flag, and the helpers that read a
// campaign or reach a hub. The cli_*.go files hold the rest: flag values
// (sizes, durations, lists), secrets, the config file and logging.

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
)

// flagSet is a command's flags with its help text. Parse prints the help
// to stdout on --help and one line with a hint on a bad flag, never the
// whole flag list to stderr.
type flagSet struct {
	*flag.FlagSet
	// help is the text above the flags: the synopsis and what the
	// command does.
	help string
}

// newFlagSet makes the flags of 'sitboard NAME'; help starts with the
// command's "Usage: sitboard NAME ..." line.
func newFlagSet(name, help string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Parse's error goes out once, as one line
	fs.Usage = func() {}
	return &flagSet{fs, strings.TrimRight(help, "\n")}
}

// Parse reads args. On --help it prints the help to stdout and returns
// flag.ErrHelp; on a bad flag it prints one line saying what is wrong and
// where the flags are listed, and returns the error. Either way exitUsage
// gives the exit status.
func (fs *flagSet) Parse(args []string) error {
	err := fs.FlagSet.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.PrintHelp(os.Stdout)
	default:
		fmt.Fprintln(os.Stderr, fs.badFlag(err))
	}
	return err
}

// badFlag words a parse error as one line: what is wrong, a likely flag
// for a misspelt one, and where the flags are.
func (fs *flagSet) badFlag(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
		if near := fs.nearest(name); near != "" {
			msg += " (did you mean --" + near + "?)"
		}
	} else if m := invalidValue.FindStringSubmatch(msg); m != nil {
		msg = "--" + m[1] + ": " + m[2] // the value's own error quotes the value
	} else {
		// The flag package names flags with one dash; the help shows two.
		msg = strings.Replace(msg, " -", " --", 1)
	}
	return fmt.Sprintf("sitboard %s: %s; 'sitboard %s --help' lists the flags", fs.Name(), msg, fs.Name())
}

// invalidValue is the flag package's error for a value its flag refused.
var invalidValue = regexp.MustCompile(`^invalid (?:value|boolean value) ".*" for flag -(\S+): (.*)$`)

// nearest is the defined flag closest to a misspelt name, if close enough
// to be a typo.
func (fs *flagSet) nearest(name string) string {
	best, bestDist := "", 0
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); best == "" || d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" || bestDist > 2 || bestDist > 1 && bestDist > len(name)/3 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// PrintHelp writes the help: the command's text, then every flag with two
// dashes, its value's name, what it does and its default.
func (fs *flagSet) PrintHelp(w io.Writer) {
	fmt.Fprintln(w, fs.help)
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	for _, f := range flags {
		name, usage := flagValueName(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 {
			line = "  -" + f.Name // -v, as such switches are written
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		if d := shownDefault(f); d != "" {
			usage += " (default " + d + ")"
		}
		for _, l := range strings.Split(usage, "\n") {
			fmt.Fprintln(w, "        "+l)
		}
	}
}

// flagValueName is the word shown after a flag: the backquoted word of
// its usage, the value's own placeholder, or its type; none for a switch.
func flagValueName(f *flag.Flag) (name, usage string) {
	name, usage = flag.UnquoteUsage(f)
	if p, ok := f.Value.(interface{ Placeholder() string }); ok && !strings.Contains(f.Usage, "`") {
		name = p.Placeholder()
	}
	if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
		name = ""
	}
	switch name {
	case "string":
		name = stringPlaceholder(f.Name)
	case "int", "uint", "int64", "uint64", "float":
		name = "N"
	case "value":
		name = "VALUE"
	}
	return name, usage
}

// stringPlaceholder names what a text flag takes, from the flag's name.
func stringPlaceholder(flagName string) string {
	switch {
	case flagName == "listen":
		return "ADDR"
	case flagName == "hub" || flagName == "nats":
		return "URL"
	case flagName == "data":
		return "DIR"
	case flagName == "log-format":
		return "FORMAT"
	case flagName == "log-level":
		return "LEVEL"
	case flagName == "token" || strings.HasSuffix(flagName, "-token"):
		return "TOKEN"
	case strings.HasSuffix(flagName, "file") || strings.HasPrefix(flagName, "tls-") || strings.HasPrefix(flagName, "nats-") ||
		strings.HasSuffix(flagName, "-key") || strings.HasSuffix(flagName, "-keys") ||
		slices.Contains([]string{"campaign", "out", "recording", "check", "ca", "notes", "config"}, flagName):
		return "FILE"
	case slices.Contains([]string{"date", "from", "until", "at"}, flagName):
		return "DATE"
	}
	return "TEXT"
}

// shownDefault is a flag's default as the help shows it; empty for the
// zero values, which say nothing.
func shownDefault(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
		return ""
	}
	if _, ok := f.Value.(interface{ Placeholder() string }); !ok && strings.ContainsAny(f.DefValue, " \t") {
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// flagGiven says whether the command line (or the config file) set the
// flag, as against leaving its default.
func flagGiven(fs *flagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// exitUsage is the exit status after a flag set's Parse error: 0 when the
// help was asked for, 2 for a bad flag.
func exitUsage(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// usage writes the top-level help: every command with its summary.
func usage(w io.Writer) {
	fmt.Fprintln(w, "sitboard: a terminal situation board for command rooms.\n\nUsage: sitboard COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'sitboard help COMMAND' (or 'sitboard COMMAND --help') for a command's flags,\n'sitboard version' for this build. Start with 'sitboard demo'.")
}

// splitArgs separates positional arguments from flags so that flags may
// follow a positional FILE, as in 'sitboard replay FILE --hub URL'.
// boolFlags lists flags that take no value.
func splitArgs(args []string, boolFlags ...string) (flags, positional []string) {
	isBool := map[string]bool{}
	for _, b := range boolFlags {
		isBool[b] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && !isBool[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return flags, positional
}

// envOr returns the flag's value, or the environment variable's when the
// flag is empty: secrets can stay out of process listings.
func envOr(flagValue, env string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv(env)
}

// loadCampaign reads --campaign, or returns the embedded Zhoukou config.
func loadCampaign(path string) (*campaign.Config, error) {
	if path == "" {
		return demo.Campaign(), nil
	}
	return campaign.LoadConfig(path)
}

// caFlag adds --ca to a command that reaches a hub.
func caFlag(fs *flagSet) *string {
	return fs.String("ca", "", "PEM `FILE` of the CA that signed the hub's certificate (a wss:// or https:// hub with a private CA); only it is trusted then (default: the system's roots)")
}

// hubTLS loads --ca; nil when it is not given.
func hubTLS(caFile string) (*tls.Config, error) { return feed.ClientTLS(caFile) }

// hubHTTPClient is the HTTP client for a hub's plain HTTP endpoints, with
// the --ca trust when given.
func hubHTTPClient(cfg *tls.Config) *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if cfg != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = cfg.Clone() // the transport adds "h2" to its copy, not to the websocket's
		c.Transport = t
	}
	return c
}

// hubOptions is what a command needs to reach a hub's HTTP endpoints.
func hubOptions(hub, token string, tlsCfg *tls.Config) client.Options {
	return client.Options{URL: hub, Token: token, TLS: tlsCfg}
}
