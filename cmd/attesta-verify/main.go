// Command attesta-verify is the recipient's verifier of an Attesta delivery: pure Go, no cgo, built for Linux,
// Windows and macOS by `make verifier`. It runs the same checks and prints the same lines as `attesta verify` on a
// delivery (package bundle/verifycmd), with no access to the appliance.
//
// Usage:
//
//	attesta-verify [--key VKEY [--restored-key VKEY...]] [--tsa-ca FILE] [--lang it|en] PATH
//
// PATH is a delivery folder or its ZIP. Exit codes: 0 valid, 1 invalid, 2 usage.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/attesta/attesta/bundle/verifycmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := verifycmd.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
