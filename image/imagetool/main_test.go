package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
)

func TestGUIDBytesMixedEndian(t *testing.T) {
	got, err := guidBytes(globalVariableGUID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "61dfe48bca93d211aa0d00e098032b8c"; hex.EncodeToString(got) != want {
		t.Fatalf("EFI_GLOBAL_VARIABLE = %x, want %s", got, want)
	}
	for _, bad := range []string{"", "8be4df61-93ca-11d2-aa0d", "zzzzdf61-93ca-11d2-aa0d-00e098032b8c"} {
		if _, err := guidBytes(bad); err == nil {
			t.Errorf("guidBytes(%q) gave no error", bad)
		}
	}
}

// emptyVolume is a firmware volume laid out as OVMF_VARS: a 0x48-byte volume header, then an empty authenticated
// variable store of storeSize bytes (0xff).
func emptyVolume(storeSize int) []byte {
	fv := bytes.Repeat([]byte{0xff}, 0x48+storeSize+64)
	copy(fv[0x28:], "_FVH")
	binary.LittleEndian.PutUint16(fv[0x30:], 0x48)
	copy(fv[0x48:], mustGUID(authVarStoreGUID))
	binary.LittleEndian.PutUint32(fv[0x48+16:], uint32(storeSize))
	return fv
}

// readVariables parses the variables of a store written by appendVariables.
func readVariables(t *testing.T, fv []byte) []variable {
	t.Helper()
	var out []variable
	off := 0x48 + 28
	for binary.LittleEndian.Uint16(fv[off:]) == varStartID {
		if fv[off+2] != varAdded {
			t.Fatalf("variable at %#x: state %#x, want %#x", off, fv[off+2], varAdded)
		}
		nameSize := int(binary.LittleEndian.Uint32(fv[off+36:]))
		dataSize := int(binary.LittleEndian.Uint32(fv[off+40:]))
		name := fv[off+60 : off+60+nameSize-2]
		var runes []rune
		for i := 0; i < len(name); i += 2 {
			runes = append(runes, rune(binary.LittleEndian.Uint16(name[i:])))
		}
		out = append(out, variable{name: string(runes), attrs: binary.LittleEndian.Uint32(fv[off+4:]),
			data: fv[off+60+nameSize : off+60+nameSize+dataSize]})
		off = (off + 60 + nameSize + dataSize + 3) &^ 3
	}
	return out
}

func TestAppendVariablesRoundTrip(t *testing.T) {
	fv := emptyVolume(4096)
	owner := mustGUID(customModeGUID)
	in := []variable{
		{"db", imageSecurityDBGUID, 0x27, esl(owner, []byte("certificate-db"))},
		{"PK", globalVariableGUID, 0x27, esl(owner, []byte("pk"))},
	}
	once, err := appendVariables(fv, in[:1])
	if err != nil {
		t.Fatal(err)
	}
	twice, err := appendVariables(once, in[1:]) // after the variable already there
	if err != nil {
		t.Fatal(err)
	}
	got := readVariables(t, twice)
	if len(got) != 2 {
		t.Fatalf("read %d variables, want 2", len(got))
	}
	for i := range in {
		if got[i].name != in[i].name || got[i].attrs != in[i].attrs || !bytes.Equal(got[i].data, in[i].data) {
			t.Errorf("variable %d: got %s %#x %x, want %s %#x %x", i, got[i].name, got[i].attrs, got[i].data,
				in[i].name, in[i].attrs, in[i].data)
		}
	}
	if bytes.Equal(fv, once) {
		t.Error("appendVariables changed its input instead of a copy")
	}
}

func TestAppendVariablesRefusesBadVolumes(t *testing.T) {
	big := variable{"db", imageSecurityDBGUID, 0x27, make([]byte, 8192)}
	notFV := emptyVolume(4096)
	copy(notFV[0x28:], "XXXX")
	wrongStore := emptyVolume(4096)
	wrongStore[0x48] ^= 1
	pastEnd := emptyVolume(4096)
	binary.LittleEndian.PutUint32(pastEnd[0x48+16:], 1<<20)
	for _, c := range []struct {
		name string
		fv   []byte
		v    variable
		want string
	}{
		{"not a volume", notFV, big, "_FVH"},
		{"no authenticated store", wrongStore, big, "no authenticated variable store"},
		{"store past the end", pastEnd, big, "runs past the end"},
		{"variable too big", emptyVolume(4096), big, "does not fit"},
		{"truncated", []byte("short"), big, "_FVH"},
	} {
		_, err := appendVariables(c.fv, []variable{c.v})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

func TestESLLayout(t *testing.T) {
	owner := mustGUID(globalVariableGUID)
	cert := []byte("DER")
	l := esl(owner, cert)
	if !bytes.Equal(l[:16], mustGUID(certX509GUID)) {
		t.Error("signature type is not EFI_CERT_X509_GUID")
	}
	if size := binary.LittleEndian.Uint32(l[16:]); int(size) != len(l) || len(l) != 28+16+len(cert) {
		t.Errorf("SignatureListSize %d, list %d bytes", size, len(l))
	}
	if sz := binary.LittleEndian.Uint32(l[24:]); sz != 16+3 {
		t.Errorf("SignatureSize %d, want 19", sz)
	}
}

// The PCR arithmetic: extending is SHA-256(old || digest), from zero.
func TestExtend(t *testing.T) {
	var p pcr
	p.extendData([]byte("abc"))
	d := sha256.Sum256([]byte("abc"))
	want := sha256.Sum256(append(make([]byte, 32), d[:]...))
	if p != want {
		t.Fatalf("extend: %x, want %x", p, want)
	}
	name := variableData(globalVariableGUID, "PK", []byte{1, 2})
	if len(name) != 16+8+8+4+2 || name[16] != 2 || name[24] != 2 {
		t.Errorf("UEFI_VARIABLE_DATA layout: %x", name)
	}
}

// TestPCR4LoaderThenUKI: with a boot loader, PCR 4 is the loader's hash then the UKI's, after the action and the
// separator (the order edk2 measures the images systemd-boot loads; checked against a real boot by image-test).
func TestPCR4LoaderThenUKI(t *testing.T) {
	loader, uki := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	var want pcr
	want.extendData([]byte("Calling EFI Application from Boot Option"))
	want.extendData(separator)
	want.extend(loader)
	want.extend(uki)
	if got := predictPCR4(loader, uki); got != want {
		t.Fatalf("PCR 4 %x, want %x", got, want)
	}
	if predictPCR4(uki) == want {
		t.Fatal("the loader's measurement is missing from the prediction")
	}
}
