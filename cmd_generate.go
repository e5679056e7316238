package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sitboard/demo"
)

const generateUsage = `Usage: sitboard demo generate [--seed N] --out FILE

Generates the 2023 Zhoukou Summer Action recording from the embedded
campaign config: about 157,000 events from 2023-06-25 to 2023-09-30 whose
totals reproduce every published figure. The same seed gives the same
bytes; the shipped recording is --seed 2023. FILE ending in .gz is
gzipped; - writes to stdout.`

// cmdGenerate is 'sitboard demo generate'.
func cmdGenerate(args []string) int {
	fs := newFlagSet("demo generate", generateUsage)
	seed := fs.Int64("seed", demo.DefaultSeed, "random seed; the shipped recording uses the default")
	out := fs.String("out", "", "file to write: .jsonl, .jsonl.gz, or - for stdout (required)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "demo generate: give the output with --out FILE, e.g. --out summer-action-2023.jsonl.gz")
		return 2
	}
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(*out, ".gz") {
		err = demo.GenerateGzip(demo.Campaign(), *seed, &buf)
	} else {
		err = demo.Generate(demo.Campaign(), *seed, &buf)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo generate:", err)
		return 1
	}
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo generate:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		fmt.Fprintln(os.Stderr, "demo generate:", err)
		return 1
	}
	if *out != "-" {
		fmt.Fprintf(os.Stderr, "demo generate: wrote %s (%d bytes, seed %d)\n", *out, buf.Len(), *seed)
	}
	return 0
}
