package main

import (
	"context"
	"fmt"

	"github.com/attesta/attesta/appliance"
)

// runKeys manages the signing key's lifecycle: rotate puts a new TPM key in force, linked to the old one by a
// rotation leaf both sign; list prints the chain of keys the journal's checkpoints were signed with.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" && args[0] != "list" {
		return usagef("want a subcommand: rotate or list")
	}
	fs := newFlags(e, "keys "+args[0], "keys (rotate | list) [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	if _, err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	a, err := appliance.Open(ctx, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "rotate" {
		rot, err := appliance.RotateKey(ctx, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "signing key rotated at journal leaf %d\nold key %s\nnew key %s\n", rot.Seq, rot.OldKey, rot.NewKey)
		fmt.Fprintln(e.stdout, "verifiers pinned on the first key follow the chain; enroll the new key with the authority for trusted reports")
		return nil
	}
	keys, err := a.Journal().Keys(ctx)
	if err != nil {
		return err
	}
	for i, k := range keys {
		fmt.Fprintf(e.stdout, "%d %s\n", i, k)
	}
	return nil
}
