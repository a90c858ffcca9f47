package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysRotateBetweenDeliveries: a delivery made before `attesta keys rotate` and one made after both verify
// with --key pinned on the first key; the journal verifies against the TPM and offline from the first key.
func TestKeysRotateBetweenDeliveries(t *testing.T) {
	data, out := t.TempDir(), t.TempDir()
	before, _ := extractOnce(t, data, filepath.Join(out, "1"))
	first, ok := strings.CutPrefix(strings.TrimSpace(run0(t, "keys", "list", "--data", data, "--tpm", "sim")), "0 ")
	if !ok || strings.Contains(first, "\n") {
		t.Fatalf("keys list before any rotation: %q", first)
	}
	if got := run0(t, "keys", "rotate", "--data", data, "--tpm", "sim"); !strings.Contains(got, "new key attesta/") {
		t.Fatalf("keys rotate: %s", got)
	}
	after, _ := extractOnce(t, data, filepath.Join(out, "2"))
	if got := run0(t, "keys", "list", "--data", data, "--tpm", "sim"); strings.Count(got, "\n") != 2 || !strings.HasPrefix(got, "0 "+first+"\n") {
		t.Fatalf("keys list after the rotation: %q", got)
	}
	for _, folder := range []string{before, after} {
		if got := run0(t, "verify", "--key", first, folder); !strings.Contains(got, "VALID") {
			t.Fatalf("verify --key FIRST %s:\n%s", folder, got)
		}
	}
	if got := run0(t, "journal", "verify", "--data", data, "--tpm", "sim"); !strings.Contains(got, "VALID") {
		t.Fatalf("journal verify after the rotation:\n%s", got)
	}
	if got := run0(t, "verify", "--key", first, filepath.Join(data, "journal.db")); !strings.Contains(got, "VALID") {
		t.Fatalf("verify --key FIRST journal.db:\n%s", got)
	}
	if code, _, errs := attesta(t, "keys", "spin"); code != exitUsage || !strings.Contains(errs, "rotate or list") {
		t.Fatalf("keys spin: exit %d %s", code, errs)
	}
}
