// Command sitboard is a terminal situation board for police command rooms:
// a feed hub that ingests campaign events, a websocket stream, and a Bubble
// Tea board that shows them, locally, over SSH, or replaying a recording.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand; run gets the arguments after its name and
// returns the process exit code.
type command struct {
	summary string
	run     func(args []string) int
}

// commands is filled by the cmd_*.go files' init functions, so each
// subcommand lives in its own file.
var commands = map[string]command{}

func register(name, summary string, run func(args []string) int) {
	commands[name] = command{summary, run}
}

func usage() {
	fmt.Fprintln(os.Stderr, "sitboard: a terminal situation board for command rooms.\n\nUsage: sitboard COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'sitboard COMMAND --help' for a command's flags. Start with 'sitboard demo'.")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	name := os.Args[1]
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "sitboard: unknown command %q\n\n", name)
		usage()
		os.Exit(2)
	}
	os.Exit(cmd.run(os.Args[2:]))
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
