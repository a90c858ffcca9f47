package main

import (
	"context"
	"fmt"
	"os"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
)

// runKeys manages the signing key's lifecycle: rotate puts a new TPM key in force, linked to the old one by a
// rotation leaf both sign (with an image key configured, the new key is under its signed policies: how a box
// provisioned under the literal PCR policy moves to them); rotate-ak replaces the attestation key, certified by the
// old one; epoch starts a new key epoch after the TPM was replaced; policy manages the signed PCR policy
// (keysPolicy); list prints the chain of keys the journal's checkpoints were signed with.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "epoch" {
		return keysEpoch(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "policy" {
		return keysPolicy(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "owner-lock" {
		return keysOwnerLock(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "rotate" && args[0] != "list" && args[0] != "rotate-ak" {
		return usagef("want a subcommand: rotate or list (or rotate-ak for the attestation key, epoch after the TPM was replaced, policy for the signed PCR policy, owner-lock for the administrator's unlock secret)")
	}
	fs := newFlags(e, "keys "+args[0], "keys (rotate | rotate-ak | list) [--config FILE] [--image-key PUB.pem] [--tpm-policy FILE|DIR] [--data DIR] [--tpm SPEC]")
	config := boxConfig(fs)
	if _, err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "rotate-ak" {
		rot, err := appliance.RotateAK(ctx, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "attestation key rotated (generation %d): old AK sha256 %s, new AK sha256 %s\n", rot.NewGeneration,
			appliance.KeyDigestTPMT(rot.OldAKTPMT), appliance.KeyDigestTPMT(rot.NewAKTPMT))
		fmt.Fprintln(e.stdout, "enroll again with the authority (attesta enroll --out ...): its polls accept the new AK only then")
		return nil
	}
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

// keysEpoch is the box's side of a new key epoch after its TPM was replaced or cleared: --out provisions the new
// TPM (the old TPM's state moved aside) and writes the epoch request for the authority; --install appends the
// epoch the authority countersigned to the journal, which the new key signs from then on.
func keysEpoch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "keys epoch", "keys epoch (--out EPOCH-REQUEST | --install EPOCH) [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	out := fs.String("out", "", "new file for the epoch request (after the TPM was replaced)")
	install := fs.String("install", "", "the epoch the authority countersigned: append it to the journal")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch {
	case (*out == "") == (*install == ""):
		return usagef("want exactly one of --out and --install")
	case *install != "":
		data, err := os.ReadFile(*install)
		if err != nil {
			return usagef("--install: %v", err)
		}
		ep, err := appliance.InstallEpoch(ctx, c.config(), data)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new key epoch at journal leaf %d\nold key %s\nnew key %s\n", ep.Seq, ep.OldKey, ep.NewKey)
		fmt.Fprintln(e.stdout, "install the new key's certificate (attesta enroll --install) for trusted reports")
		return nil
	}
	if err := newOut(*out, "epoch files are never overwritten"); err != nil {
		return err
	}
	ep, err := appliance.StartEpoch(ctx, c.config())
	if err != nil {
		return err
	}
	data, err := ep.Marshal()
	if err != nil {
		return err
	}
	if err := durable.WriteNew(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "epoch request written to %s: the journal at %d leaves, from the lost key %s to the new TPM's key %s\n",
		*out, ep.Seq, ep.OldKey, ep.NewKey)
	fmt.Fprintln(e.stdout, "the authority countersigns it once the old enrollment is revoked and the new TPM enrolled: attesta authority epoch")
	return nil
}
