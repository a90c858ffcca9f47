package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
)

// keysOwnerLock hands the TPM's owner hierarchy to a new administrator's unlock secret: 32 random bytes, written as
// hex to --out (a new file, for the administrator to take away: the box keeps no copy), then set in the TPM. With
// --current the secret in force is changed.
func keysOwnerLock(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "keys owner-lock", "keys owner-lock --admin NAME --out SECRET-FILE [--current SECRET-FILE] [--config FILE] [--data DIR] [--tpm SPEC]")
	config := boxConfig(fs)
	admin := fs.String("admin", "", "the administrator handing the TPM's owner to the new secret (journaled)")
	out := fs.String("out", "", "new file for the new unlock secret (take it off the box: a USB stick, a safe)")
	current := fs.String("current", "", "file of the unlock secret in force (when changing it)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *admin == "" || *out == "" {
		return usagef("--admin and --out are required")
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	var cur []byte
	if *current != "" {
		if cur, err = readUnlockSecret(*current); err != nil {
			return err
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := []byte(hex.EncodeToString(raw))
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := durable.WriteNew(*out, append(bytes.Clone(secret), '\n'), 0o600); err != nil {
		return fmt.Errorf("keys owner-lock: %w", err)
	}
	if err := appliance.LockOwner(ctx, a, *admin, cur, secret); err != nil {
		os.Remove(*out) // never in force
		return err
	}
	fmt.Fprintf(e.stdout, "TPM owner locked; the unlock secret is in %s: move it off the box, `attesta unlock --secret-file` needs it to clear an opened case\n", *out)
	return nil
}

// readUnlockSecret reads an unlock secret file (its text, surrounding white space removed).
func readUnlockSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("unlock secret: %v", err)
	}
	s := bytes.TrimSpace(data)
	if len(s) == 0 {
		return nil, usagef("unlock secret %s is empty", path)
	}
	return s, nil
}
