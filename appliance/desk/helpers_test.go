package desk_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// uiTechPIN is the technician's PIN of the tests' touch UI.
const uiTechPIN = "135790"

// openSim opens an appliance on the simulator TPM in dir, closed when the test ends.
func openSim(t *testing.T, dir string) *appliance.Appliance {
	t.Helper()
	return openSimConfig(t, appliance.Config{DataDir: dir})
}

// openSimConfig opens an appliance on the simulator TPM with cfg (its TPM and log set here).
func openSimConfig(t *testing.T, cfg appliance.Config) *appliance.Appliance {
	t.Helper()
	cfg.TPM, cfg.Logger = "sim", slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := appliance.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// newCase creates a case of goodCase on a's desk.
func newCase(t *testing.T, a *appliance.Appliance) ui.CaseInfo {
	t.Helper()
	return createCase(t, a, goodCase())
}

// createCase creates the case nc on a's desk.
func createCase(t *testing.T, a *appliance.Appliance, nc ui.NewCase) ui.CaseInfo {
	t.Helper()
	c, err := a.Desk().CreateCase(t.Context(), nc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newCase5 creates a case of goodCase on the plan of 5 messages (the sample chat has more) on a's desk.
func newCase5(t *testing.T, a *appliance.Appliance) ui.CaseInfo {
	t.Helper()
	nc := goodCase()
	nc.MaxMessages = 5
	return createCase(t, a, nc)
}

// leavesOfType returns the decoded leaves of one type, in order.
func leavesOfType(t *testing.T, a *appliance.Appliance, typ string) []journal.Entry {
	t.Helper()
	return appliancetest.Leaves(t, a.Journal(), typ)
}

// acceptNotice records the client's acceptance of a case's notice, as the remote page does.
func acceptNotice(t *testing.T, a *appliance.Appliance, caseID string) {
	t.Helper()
	n, err := a.Desk().Notice(t.Context(), caseID, ui.Italian)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Desk().AcceptNotice(t.Context(), caseID, ui.Acceptance{Lang: ui.Italian, SHA256: n.SHA256, Channel: "remote-link"}); err != nil {
		t.Fatal(err)
	}
}

// recordMandate records a signed paper mandate for a couriered phone's case.
func recordMandate(t *testing.T, a *appliance.Appliance, caseID string) {
	t.Helper()
	if err := a.Desk().RecordMandate(t.Context(), caseID, ui.PaperMandate{Name: "mandato.pdf", Data: []byte("%PDF-1.4\nmandato firmato\n"), Operator: "tecnico"}); err != nil {
		t.Fatal(err)
	}
}
