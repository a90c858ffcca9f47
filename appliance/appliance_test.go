package appliance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/tpm"
)

// openSim opens an appliance on the simulator TPM in dir. The simulator is one per process: tests here do not
// run in parallel.
func openSim(t *testing.T, dir string) *Appliance {
	t.Helper()
	a, err := Open(t.Context(), Config{DataDir: dir, TPM: "sim", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// leavesOfType returns the decoded leaves of one type, in order.
func leavesOfType(t *testing.T, a *Appliance, typ string) []journal.Entry {
	t.Helper()
	return appliancetest.Leaves(t, a.Journal(), typ)
}

func TestOpenProvisionsAndRecordsBoot(t *testing.T) {
	a := openSim(t, t.TempDir())
	if got := leavesOfType(t, a, LeafProvision); len(got) != 1 {
		t.Fatalf("provision leaves = %d, want 1", len(got))
	}
	boots := leavesOfType(t, a, LeafBoot)
	if len(boots) != 1 {
		t.Fatalf("boot leaves = %d, want 1", len(boots))
	}
	if _, ok := clockFromFields(boots[0].Fields["tpm_clock"]); !ok {
		t.Errorf("boot leaf has no readable tpm_clock: %v", boots[0].Fields)
	}
	if err := a.CheckCertify(); err != nil {
		t.Errorf("fresh appliance locked: %v", err)
	}
}

func TestAttestationPassesThenTamperLocks(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())

	res, err := a.CheckAttestation(ctx)
	if err != nil || !res.OK {
		t.Fatalf("CheckAttestation = %+v, %v; want OK", res, err)
	}

	// The intrusion switch extends the application PCR: the signing key stops working and the check must fail.
	if err := a.TPM().ExtendAppPCR(ctx, []byte("case opened")); err != nil {
		t.Fatal(err)
	}
	res, err = a.CheckAttestation(ctx)
	if err != nil {
		t.Fatalf("CheckAttestation: %v", err)
	}
	if res.OK {
		t.Fatal("attestation passed after the application PCR was extended")
	}
	joined := strings.Join(res.Failures, "\n")
	for _, want := range []string{"quote does not match", "signing key unusable"} {
		if !strings.Contains(joined, want) {
			t.Errorf("failures %q do not mention %q", joined, want)
		}
	}
	if err := a.CheckCertify(); !errors.Is(err, ErrLocked) {
		t.Fatalf("CheckCertify after failed attestation = %v, want ErrLocked", err)
	}
	if _, err := a.Certify().StartAcquisition(ctx, "case-1", "test", nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("StartAcquisition while locked = %v, want ErrLocked", err)
	}
	if got := leavesOfType(t, a, LeafLock); len(got) != 1 {
		t.Fatalf("lock leaves = %d, want 1", len(got))
	}
	if err := a.Unlock(ctx, "admin", "inspected"); err == nil {
		t.Fatal("Unlock succeeded while the TPM still fails attestation")
	}
}

func TestLockSurvivesRestart(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	if err := a.lockCertification(ctx, "test lock"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// The simulator forgets its PCRs on restart, so attestation passes again; the lock must still hold, because
	// it lives in the journal, until an administrator lifts it.
	b := openSim(t, dir)
	if err := b.CheckCertify(); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "test lock") {
		t.Fatalf("after restart CheckCertify = %v, want ErrLocked with the reason", err)
	}
	if err := b.Unlock(ctx, "", ""); err == nil {
		t.Fatal("Unlock without administrator and reason succeeded")
	}
	if err := b.Unlock(ctx, "admin", "checked the seals"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := b.CheckCertify(); err != nil {
		t.Fatalf("after Unlock CheckCertify = %v", err)
	}
	unlocks := leavesOfType(t, b, LeafUnlock)
	if len(unlocks) != 1 || unlocks[0].Fields["admin"] != "admin" || unlocks[0].Fields["was"] != "test lock" {
		t.Fatalf("unlock leaves = %v", unlocks)
	}
}

func TestRestartKeepsKeysAndJournal(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	key := KeyDigest(a.Identity().SigningKey)
	id := a.ID()
	art := appliancetest.Acquire(t, a.Certify(), "case-1", "pixels")
	size := a.Journal().Size()
	a.Close()

	b := openSim(t, dir)
	if b.ID() != id || KeyDigest(b.Identity().SigningKey) != key {
		t.Fatal("restart changed the appliance id or the signing key")
	}
	if b.Journal().Size() != size+1 { // one more boot leaf
		t.Fatalf("journal size after restart = %d, want %d", b.Journal().Size(), size+1)
	}
	boots := leavesOfType(t, b, LeafBoot)
	if boots[1].Fields["new_epoch"] != true {
		t.Errorf("second boot on the simulator not recorded as a new TPM epoch: %v", boots[1].Fields)
	}
	r, err := b.Blobs().Open(ctx, "case-1", art.Ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, _ := io.ReadAll(r); string(got) != "pixels" {
		t.Fatalf("blob after restart = %q", got)
	}
	rep, err := b.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatalf("VerifyJournal: %v", err)
	}
	if rep.BlobsOK != 1 {
		t.Errorf("BlobsOK = %d, want 1", rep.BlobsOK)
	}
}

func TestVerifyDataReadsOnly(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	size := a.Journal().Size()
	a.Close()

	rep, err := VerifyData(ctx, Config{DataDir: dir, TPM: "sim"}, nil)
	if err != nil {
		t.Fatalf("VerifyData: %v", err)
	}
	if rep.Size != size {
		t.Fatalf("verified %d leaves, want %d", rep.Size, size)
	}
	if _, err := VerifyData(ctx, Config{DataDir: t.TempDir(), TPM: "sim"}, nil); !errors.Is(err, ErrNoData) {
		t.Fatalf("VerifyData on an empty dir = %v, want ErrNoData", err)
	}
}

func TestCheckClock(t *testing.T) {
	last := tpm.Clock{Clock: 5000, ResetCount: 3, RestartCount: 1, Safe: true}
	tests := []struct {
		name        string
		tpmSpec     string
		now         tpm.Clock
		wantProblem string
		wantNote    string
	}{
		{"forward", "swtpm:x", tpm.Clock{Clock: 6000, ResetCount: 3, RestartCount: 1, Safe: true}, "", ""},
		{"reboot, clock forward", "swtpm:x", tpm.Clock{Clock: 6000, ResetCount: 4, Safe: true}, "", ""},
		{"reboot after power loss, admitted", "swtpm:x", tpm.Clock{Clock: 375, ResetCount: 4, Safe: false}, "", "continuity broken"},
		{"reboot after power loss, clock already past", "swtpm:x", tpm.Clock{Clock: 7000, ResetCount: 4, Safe: false}, "", "continuity broken"},
		{"reboot, clock back but claims safe", "/dev/tpmrm0", tpm.Clock{Clock: 375, ResetCount: 4, Safe: true}, "while claiming to be safe", ""},
		{"clock back without reset", "swtpm:x", tpm.Clock{Clock: 4000, ResetCount: 3, RestartCount: 1, Safe: false}, "without a reset", ""},
		{"restart count back", "swtpm:x", tpm.Clock{Clock: 9000, ResetCount: 3, RestartCount: 0, Safe: true}, "without a reset", ""},
		{"reset count back", "/dev/tpmrm0", tpm.Clock{Clock: 9000, ResetCount: 2, Safe: false}, "rolled back or replaced", ""},
		{"simulator restart", "sim", tpm.Clock{Clock: 40, ResetCount: 1, Safe: true}, "", "new simulator epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Appliance{cfg: Config{TPM: tt.tpmSpec}, lastClock: &last}
			got := a.checkClock(tt.now)
			if (tt.wantProblem == "") != (got.problem == "") || !strings.Contains(got.problem, tt.wantProblem) {
				t.Errorf("problem = %q, want %q", got.problem, tt.wantProblem)
			}
			if (tt.wantNote == "") != (got.note == "") || !strings.Contains(got.note, tt.wantNote) {
				t.Errorf("note = %q, want %q", got.note, tt.wantNote)
			}
		})
	}
	// A boot on the simulator is a new epoch even when its fresh clock has run past the last reading (a slow start).
	a := &Appliance{cfg: Config{TPM: "sim"}, lastClock: &last}
	if got := a.checkBootClock(tpm.Clock{Clock: 9000, Safe: true}); !got.newEpoch || got.problem != "" {
		t.Errorf("boot on the simulator with its clock past the last reading = %+v, want a new epoch", got)
	}
	if got := (&Appliance{cfg: Config{TPM: "sim"}}).checkBootClock(tpm.Clock{Clock: 9000}); got.newEpoch {
		t.Errorf("first boot on the simulator = %+v, want no new epoch", got)
	}
}

// The intrusion switch path from a fake pin edge to a locked appliance: the panel debounces the opening, the
// appliance extends the application PCR (the signing key refuses to sign), journals the tamper and locks.
func TestIntrusionSwitchLocksAndDisablesTheKey(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a := openSim(t, t.TempDir())

	pin := &gpiotest.Pin{N: "INTRUSION", L: gpio.Low, EdgesChan: make(chan gpio.Level, 4)}
	p, err := panel.New(panel.Config{Intrusion: pin, Debounce: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, a) }()

	pin.Lock()
	pin.L = gpio.High // the case opens
	pin.Unlock()
	pin.EdgesChan <- gpio.High

	testwait.Until(t, "the opening did not lock certification", func() bool { return a.CheckCertify() != nil })
	cancel()
	<-done

	if got := leavesOfType(t, a, LeafTamper); len(got) == 0 {
		t.Fatal("no tamper leaf journaled")
	}
	signer, err := a.TPM().Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := make([]byte, 32)
	if _, err := signer.SignDigest(t.Context(), digest); !errors.Is(err, tpm.ErrKeyUnusable) {
		t.Fatalf("signing after the opening = %v, want ErrKeyUnusable", err)
	}
	if !p.Tampered() {
		t.Error("the tampered LED latch is not set")
	}

	// The touch UI's home screen says so.
	if st := a.Screens().Status(t.Context()); !st.Tamper || st.AttestationOK {
		t.Errorf("status after the opening = %+v, want tamper and attestation not OK", st)
	}
	creds, err := LoadOrCreateCredentials(a.cfg.DataDir, uiTechPIN, "")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := a.UIServer(creds, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).PostForm(ts.URL+"/login", url.Values{"pin": {uiTechPIN}})
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/home" || !strings.Contains(string(home), "Manomissione") {
		t.Errorf("the home screen after the opening (%s) does not say Manomissione:\n%s", resp.Request.URL.Path, home)
	}
	if got := leavesOfType(t, a, LeafUIEvent); len(got) != 1 || got[0].Fields["event"] != "login" || got[0].Fields["role"] != "technician" {
		t.Errorf("ui-event leaves = %+v, want the technician's login", got)
	}
}

func TestEraseCaseKeepsJournalVerifiable(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	var refs []string
	for _, c := range []string{"case-erased", "case-kept"} {
		refs = append(refs, appliancetest.Acquire(t, a.Certify(), c, "evidence of "+c).Ref.SHA256)
	}
	if _, err := a.EraseCase(ctx, "case-erased", "", ""); err == nil {
		t.Fatal("erasure without who and why succeeded")
	}
	leaf, err := a.EraseCase(ctx, "case-erased", "studio admin", "retention expired")
	if err != nil {
		t.Fatalf("EraseCase: %v", err)
	}
	e, _ := leaf.Entry()
	if e.Type != journal.TypeErasure || e.Case != "case-erased" || e.Fields["key_id"] == "" {
		t.Fatalf("erasure leaf = %+v", e)
	}
	if _, err := a.Blobs().Open(ctx, "case-erased", refs[0]); !errors.Is(err, blob.ErrErased) {
		t.Fatalf("opening an erased blob = %v, want blob.ErrErased", err)
	}
	rep, err := a.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatalf("journal after erasure does not verify: %v", err)
	}
	if rep.BlobsErased != 1 || rep.BlobsOK != 1 {
		t.Fatalf("verify report: %d blobs ok, %d erased; want 1 and 1", rep.BlobsOK, rep.BlobsErased)
	}
}

// Opening the case disables the signing key, so the attestation check that follows fails and locks again: the lock
// must still say the case was opened (the home screen's tamper flag reads it), now and after a restart.
func TestTamperOutranksTheAttestationFailureItCauses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := a.CheckAttestation(ctx); err != nil || res.OK {
		t.Fatalf("CheckAttestation after the case opened = %+v, %v; want a failure", res, err)
	}
	if err := a.CheckCertify(); err == nil || !strings.Contains(err.Error(), "case opened") {
		t.Fatalf("lock after the failed attestation = %v, want the case opening", err)
	}
	if st := a.Screens().Status(ctx); !st.Tamper {
		t.Errorf("home screen status %+v: tamper not shown", st)
	}
	a.Close()
	b := openSim(t, dir)
	if err := b.CheckCertify(); err == nil || !strings.Contains(err.Error(), "case opened") {
		t.Fatalf("lock after a restart = %v, want the case opening", err)
	}
}
