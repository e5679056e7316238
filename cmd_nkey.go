package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nkeys"
)

func init() {
	register("nats-nkey", "make an nkey for a hub to log in to a NATS cluster (--nats-nkey)", cmdNatsNkey)
}

// cmdNatsNkey writes a new NATS user nkey seed for one hub and prints its
// public key for the servers' config. Debian ships nats-server without the
// nk and nsc tools, so the hub brings its own.
func cmdNatsNkey(args []string) int {
	fs := newFlagSet("nats-nkey", `Usage: sitboard nats-nkey --out FILE

Makes a NATS user nkey for one hub: writes its seed to FILE (mode 0600, the
hub's secret: give it to 'sitboard hub --nats-nkey FILE') and prints the
public key (U...) to list in the NATS servers' authorization block:

  authorization { users: [ { nkey: U... } ] }

See docs/operations.md, "Three hubs on a 3-node NATS cluster".`)
	out := fs.String("out", "", "file to write the seed to (mode 0600; must not exist)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "nats-nkey: give the seed file with --out FILE, e.g. sitboard nats-nkey --out /etc/sitboard/hub-1.nk")
		return 2
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats-nkey:", err)
		return 1
	}
	seed, _ := user.Seed()
	pub, _ := user.PublicKey()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		fmt.Fprintf(os.Stderr, "nats-nkey: %s exists: a hub may be using it; pick a new file or remove it first\n", *out)
		return 1
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats-nkey:", err)
		return 1
	}
	_, werr := f.Write(append(seed, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(*out)
		fmt.Fprintln(os.Stderr, "nats-nkey:", werr)
		return 1
	}
	fmt.Println(pub)
	return 0
}
