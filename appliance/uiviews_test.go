package appliance

import (
	"strings"
	"testing"

	"github.com/attesta/attesta/ui"
)

func TestLeavesShowStoredFields(t *testing.T) {
	a := openSim(t, t.TempDir())
	size := a.Journal().Size()
	leaves, got, err := a.Screens().Leaves(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got != size || uint64(len(leaves)) != size {
		t.Fatalf("Leaves(0, 1000) = %d leaves of %d, want all %d", len(leaves), got, size)
	}
	for i, l := range leaves {
		if l.Index != uint64(i) || len(l.Hash) != 64 || l.Type == "" || l.Time.IsZero() {
			t.Errorf("leaf %d = %+v: want its index, type, time and hash", i, l)
		}
	}
	if leaves[0].Type != LeafProvision || !strings.HasPrefix(leaves[0].Fields, "{") {
		t.Errorf("first leaf = %s %q, want the provisioning leaf as stored", leaves[0].Type, leaves[0].Fields)
	}
	tail, _, err := a.Screens().Leaves(t.Context(), size-1, 50)
	if err != nil || len(tail) != 1 || tail[0].Index != size-1 {
		t.Errorf("Leaves(last, 50) = %v, %v: want the last leaf only", tail, err)
	}
	if past, _, err := a.Screens().Leaves(t.Context(), size+5, 50); err != nil || len(past) != 0 {
		t.Errorf("Leaves(past the end) = %v, %v: want none", past, err)
	}
}

func TestAttestationsNewestFirst(t *testing.T) {
	a := openSim(t, t.TempDir())
	var want []uint64
	for range 3 {
		res, err := a.CheckAttestation(t.Context())
		if err != nil || !res.OK {
			t.Fatalf("CheckAttestation = %+v, %v", res, err)
		}
		want = append([]uint64{res.Leaf}, want...)
	}
	got, err := a.Screens().Attestations(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Leaf != want[0] || got[1].Leaf != want[1] || !got[0].OK || got[0].At.IsZero() {
		t.Errorf("Attestations(2) = %+v, want leaves %v, OK, newest first", got, want[:2])
	}
}

func TestSaveCredentialsJournalsWhichPINChanged(t *testing.T) {
	dir := t.TempDir()
	a := openSim(t, dir)
	old, err := LoadOrCreateCredentials(dir, "482915", "907311")
	if err != nil {
		t.Fatal(err)
	}
	next := ui.Credentials{Salt: old.Salt, Technician: ui.HashPIN(old.Salt, "551234"), Admin: old.Admin}
	if err := a.Screens().SaveCredentials(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	back, err := LoadOrCreateCredentials(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Technician) != string(next.Technician) || string(back.Admin) != string(old.Admin) {
		t.Error("the saved credentials are not what LoadOrCreateCredentials reads back")
	}
	leaves := leavesOfType(t, a, LeafPINChanged)
	if len(leaves) != 1 || leaves[0].Fields["technician"] != true || leaves[0].Fields["admin"] != false {
		t.Fatalf("PIN change leaves = %+v, want one saying the technician PIN changed", leaves)
	}
	for k, v := range leaves[0].Fields {
		if s, ok := v.(string); ok && len(s) > 20 {
			t.Errorf("leaf field %s = %q: no hash or PIN belongs in the journal", k, s)
		}
	}
}
