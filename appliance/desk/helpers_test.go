package desk_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/journal"
)

// uiTechPIN is the technician's PIN of the tests' touch UI.
const uiTechPIN = "135790"

// openSim opens an appliance on the simulator TPM in dir, closed when the test ends.
func openSim(t *testing.T, dir string) *appliance.Appliance {
	t.Helper()
	a, err := appliance.Open(t.Context(), appliance.Config{DataDir: dir, TPM: "sim", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// leavesOfType returns the decoded leaves of one type, in order.
func leavesOfType(t *testing.T, a *appliance.Appliance, typ string) []journal.Entry {
	t.Helper()
	return appliancetest.Leaves(t, a.Journal(), typ)
}
