package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/attesta/attesta/mirror/s3test"
)

func TestMirrorAndRestoreUsage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	key := filepath.Join(dir, "recovery.key")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mirror", "--data", data}, "--to is required"},
		{[]string{"mirror", "--data", data, "--to", "s3://b/p", "--recovery-recipient", "nope"}, "--recovery-recipient"},
		{[]string{"mirror", "--data", data, "--to", "s3://b/p"}, "--recovery-recipient"},
		{[]string{"restore", "--data", data}, "--from and --recovery-key are required"},
		{[]string{"restore", "--from", "s3://b/p", "--recovery-key", key}, "--data is required"},
		{[]string{"restore", "--from", "s3://b/p", "--recovery-key", key, "--data", data}, "--recovery-key"},
		{[]string{"restore", "--from", "s3://b/p", "--recovery-key", key, "--data", data, "--min-witnesses", "1"}, "--min-witnesses"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("ATTESTA_DATA", "")
			code, _, errs := attesta(t, tt.args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, exitUsage, tt.want)
			}
			if got := listFiles(t, dir); len(got) != 1 {
				t.Errorf("a usage error wrote files: %v", got)
			}
		})
	}
}

// attesta mirror publishes a box; attesta restore rebuilds it in another data directory on another simulated TPM;
// a restore from a mirror that holds nothing is refused.
func TestMirrorThenRestoreCommands(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "recovery.key")
	if err := os.WriteFile(key, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store := []string{"--endpoint", srv.Endpoint, "--insecure", "--credentials", srv.CredentialsFile()}
	data := filepath.Join(dir, "box")
	// The box's key is rotated before it is mirrored: the restored box's key must be handed over from the rotated one.
	first, _ := strings.CutPrefix(strings.TrimSpace(run0(t, "keys", "list", "--data", data, "--tpm", "sim")), "0 ")
	run0(t, "keys", "rotate", "--data", data, "--tpm", "sim")
	args := append([]string{"mirror", "--data", data, "--tpm", "sim", "--to", "s3://evidence/box", "--create-bucket",
		"--recovery-recipient", id.Recipient().String()}, store...)
	code, out, errs := attesta(t, args...)
	if code != 0 || !strings.Contains(out, "mirrored to s3://evidence/box: tree size") || !strings.Contains(out, "(0 behind)") {
		t.Fatalf("mirror: exit %d\n%s\n%s", code, out, errs)
	}
	restored := filepath.Join(dir, "restored")
	code, out, errs = attesta(t, append([]string{"restore", "--from", "s3://evidence/box", "--recovery-key", key, "--data", restored, "--tpm", "sim"}, store...)...)
	if code != 0 || !strings.Contains(out, "restored attesta/") || !strings.Contains(out, "consistent with the mirrored one") {
		t.Fatalf("restore: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := attesta(t, "journal", "verify", "--data", restored, "--tpm", "sim"); code != 0 {
		t.Fatalf("journal verify of the restored box: exit %d\n%s\n%s", code, out, errs)
	}
	_, newKey, ok := strings.Cut(out, "this box now signs with ")
	newKey, _, _ = strings.Cut(newKey, "\n")
	if !ok || !strings.HasPrefix(newKey, "attesta/") {
		t.Fatalf("restore does not print the new key:\n%s", out)
	}
	db := filepath.Join(restored, "journal.db")
	if got := run0(t, "verify", "--key", first, "--restored-key", newKey, db); !strings.Contains(got, "VALID") {
		t.Fatalf("verify --key FIRST --restored-key NEW of the restored journal:\n%s", got)
	}
	if code, out, errs := attesta(t, "verify", "--key", first, db); code != exitFailure || !strings.Contains(out+errs, "restore") ||
		!strings.Contains(out+errs, "leaf ") {
		t.Fatalf("verify --key FIRST of the restored journal, the restored key not pinned: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = attesta(t, append([]string{"restore", "--from", "s3://evidence/other", "--recovery-key", key, "--data", filepath.Join(dir, "r2"), "--tpm", "sim"}, store...)...)
	if code != exitFailure || !strings.Contains(errs, "refused") {
		t.Fatalf("restore from an empty prefix: exit %d, %s", code, errs)
	}
}
