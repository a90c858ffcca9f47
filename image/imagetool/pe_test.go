package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const stub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub" // Debian's systemd-boot-efi (make setup-image)

// TestPEChecksumMatchesTheToolchain recomputes the checksum objcopy wrote into the systemd stub it copies: the
// algorithm is the one the PE format uses, not merely self-consistent.
func TestPEChecksumMatchesTheToolchain(t *testing.T) {
	if _, err := os.Stat(stub); err != nil {
		t.Skip("systemd-boot-efi is not installed (make setup-image)")
	}
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("objcopy is not installed")
	}
	out := filepath.Join(t.TempDir(), "uki.efi")
	cmdline := filepath.Join(t.TempDir(), "cmdline")
	os.WriteFile(cmdline, []byte("ro"), 0o644)
	if b, err := exec.Command("objcopy", "--add-section", ".cmdline="+cmdline, "--change-section-vma", ".cmdline=0x30000",
		stub, out).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, b)
	}
	raw, _ := os.ReadFile(out)
	at := checksumOffset(t, raw)
	want := binary.LittleEndian.Uint32(raw[at:])
	binary.LittleEndian.PutUint32(raw[at:], 0)
	if got := peChecksum(raw); got != want || want == 0 {
		t.Errorf("checksum %#x, objcopy wrote %#x", got, want)
	}
}

// TestStampPEMakesBuildsIdentical: two copies of a PE file that differ only in their build time become the same bytes.
func TestStampPEMakesBuildsIdentical(t *testing.T) {
	a := minimalPE(1111)
	b := minimalPE(2222)
	for _, raw := range [][]byte{a, b} {
		if err := stampPE(raw, 1700000000); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a, b) {
		t.Fatal("stamped files differ")
	}
	peOff := binary.LittleEndian.Uint32(a[0x3c:])
	if got := binary.LittleEndian.Uint32(a[peOff+8:]); got != 1700000000 {
		t.Errorf("TimeDateStamp %d", got)
	}
	if err := stampPE([]byte("MZ not a PE file at all, far too short......................"), 1); err == nil {
		t.Error("a file without a PE signature was stamped")
	}
}

// minimalPE is a DOS header pointing at a PE signature, a COFF header with the given time and an optional header.
func minimalPE(stamp uint32) []byte {
	raw := make([]byte, 0x200)
	copy(raw, "MZ")
	binary.LittleEndian.PutUint32(raw[0x3c:], 0x80)
	copy(raw[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint32(raw[0x80+8:], stamp)
	binary.LittleEndian.PutUint16(raw[0x80+24:], 0x20b) // PE32+
	return raw
}

func checksumOffset(t *testing.T, raw []byte) int {
	t.Helper()
	return int(binary.LittleEndian.Uint32(raw[0x3c:])) + 4 + 20 + 64
}
