//go:build !nosim

package main

import (
	"context"

	"github.com/attesta/attesta/internal/demo"
)

// The demo runs on the TPM simulator and drives the fake phone and the WhatsApp Web replica: development build only.
func init() {
	commands["demo"] = command{"run the whole product end to end on embedded defaults", runDemo}
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--dir DIR]")
	dir := fs.String("dir", "demo", "directory for the demo's data (DIR/data) and deliveries (DIR/out)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir must not be empty")
	}
	return demo.Run(ctx, *dir, version(), e.stdout)
}
