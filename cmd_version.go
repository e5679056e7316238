package main

import (
	"encoding/json"
	"fmt"
	"os"

	"sitboard/internal/buildinfo"
)

func init() {
	register("version", "print this build's module version, VCS revision and Go version", cmdVersion)
}

func cmdVersion(args []string) int {
	fs := newFlagSet("version", `Usage: sitboard version [--json]
       sitboard --version

Prints the module version (a tag for 'go install sitboard@vX', "(devel)" for a
build in a checkout), the VCS revision it was built from ("-modified" when the
checkout had uncommitted changes) and the Go version. The hub reports the same
in GET /healthz and as the sitboard_build_info metric.`)
	asJSON := fs.Bool("json", false, "print one JSON object: version, revision, time, go_version")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sitboard version: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	in := buildinfo.Get()
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(in)
		return 0
	}
	fmt.Println(in)
	return 0
}
