// Command sitboard is a terminal situation board for police command rooms:
// a feed hub that ingests campaign events, a websocket stream, and a Bubble
// Tea board that shows them, locally, over SSH, or replaying a recording.
package main

import (
	"fmt"
	"os"
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

func main() { os.Exit(run(os.Args[1:])) }

// run is the whole command line: a subcommand, help or the version. Help
// that was asked for goes to stdout with status 0; a command line that is
// wrong gets its answer on stderr with status 2.
func run(args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return 2
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help":
		usage(os.Stdout)
		return 0
	case "-version", "--version":
		return cmdVersion(nil)
	case "help":
		if len(args) == 1 {
			usage(os.Stdout)
			return 0
		}
		cmd, ok := commands[args[1]]
		if !ok {
			fmt.Fprintf(os.Stderr, "sitboard help: no command %q; 'sitboard help' lists them\n", args[1])
			return 2
		}
		return cmd.run(append(args[2:], "--help"))
	default:
		cmd, ok := commands[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "sitboard: unknown command %q; 'sitboard help' lists the commands\n", name)
			return 2
		}
		return cmd.run(args[1:])
	}
}
