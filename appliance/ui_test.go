package appliance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/ui"
)

func TestUIStatusAndShareAccess(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	if _, err := a.CheckAttestation(ctx); err != nil {
		t.Fatal(err)
	}
	st := a.Screens().Status(ctx)
	if st.ApplianceID != a.ID() || !st.AttestationOK || st.Tamper || st.DiskTotal == 0 {
		t.Fatalf("status of a healthy appliance: %+v", st)
	}
	if err := a.Screens().ShareAccess(ctx, ui.AccessRecord{Token: strings.Repeat("ab", 32), Path: "relazione.pdf", Remote: "192.0.2.7", Requests: 1}); err != nil {
		t.Fatal(err)
	}
	leaves := leavesOfType(t, a, LeafShareAccess)
	if len(leaves) != 1 || leaves[0].Fields["path"] != "relazione.pdf" {
		t.Fatalf("share access leaves: %+v", leaves)
	}
	for _, v := range leaves[0].Fields {
		if v == "192.0.2.7" {
			t.Fatal("the visitor's address went into the journal")
		}
	}
	if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
		t.Fatal(err)
	}
	if st := a.Screens().Status(ctx); !st.Tamper || st.AttestationOK {
		t.Fatalf("status after a case opening: %+v", st)
	}
}

func TestCredentialsFirstStart(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateCredentials(dir, "", ""); !errors.Is(err, ErrNoPIN) {
		t.Fatalf("no PIN at first start: %v", err)
	}
	c1, err := LoadOrCreateCredentials(dir, "135790", "")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := LoadOrCreateCredentials(dir, "999999", "") // later PINs are ignored: changing one is an admin's act
	if err != nil || string(c1.Technician) != string(c2.Technician) || c2.Admin != nil {
		t.Fatalf("credentials changed on the second start: %v", err)
	}
}
