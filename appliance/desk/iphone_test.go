package desk_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb/iphonetest"
)

// TestIPhoneJobWalksTheTelefonoScreen takes an iPhone from plugged in to backed up as the touch UI's Telefono
// screen shows it, through the real libimobiledevice tools and the fake iPhone: "Trust this computer" pending,
// paired, the job's backup with the phone's own counter, done; the chats are certified from the backup.
func TestIPhoneJobWalksTheTelefonoScreen(t *testing.T) {
	ctx := t.Context()
	day := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	phone := iphonetest.Start(t, iphonetest.Config{Untrusted: true, Backup: iphonetest.WhatsAppBackup(day)})
	dir, out := t.TempDir(), t.TempDir()
	sink := &testSink{}
	a := openJobs(t, openSimConfig(t, appliance.Config{DataDir: dir, Usbmuxd: phone.Addr}), ctx, out, sink)
	a.Desk().Config().Usbmuxd = phone.Addr
	state := func() ui.Phone {
		t.Helper()
		ps, err := a.Screens().Phones(ctx)
		if err != nil || len(ps) != 1 || ps[0].Serial != phone.UDID || !ps[0].IPhone() {
			t.Fatalf("Phones = %+v, %v; want the one iPhone", ps, err)
		}
		return ps[0]
	}
	if p := state(); p.State != ui.PhoneTrustPending || p.Ready() {
		t.Fatalf("untrusted iPhone: %+v", p)
	}
	phone.Trust()
	if p := state(); p.State != ui.PhonePaired || !p.Ready() {
		t.Fatalf("trusted iPhone: %+v", p)
	}

	c := newCase(t, a)
	recordMandate(t, a, c.ID)
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"
	// While the backup runs, the screen says so with the phone's own percentage.
	var seen []ui.Phone
	sink.mu.Lock()
	sink.onStep = func(text string) {
		if ps, err := a.Screens().Phones(ctx); err == nil && len(ps) == 1 {
			sink.mu.Lock()
			seen = append(seen, ps[0])
			sink.mu.Unlock()
		}
	}
	sink.mu.Unlock()
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Serial: phone.UDID, Kind: ui.PhoneIPhone, List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatalf("StartExtraction: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || j.Phone != phone.UDID || !j.BackedUp || j.Backup != 100 || len(j.Chats) != 1 || j.Chats[0].Certified == 0 {
		t.Fatalf("iPhone job: %+v", j)
	}
	if p := state(); p.State != ui.PhoneBackedUp || !p.Ready() {
		t.Fatalf("after the job: %+v", p)
	}
	sink.mu.Lock()
	steps, states := strings.Join(sink.texts, "\n"), seen
	sink.mu.Unlock()
	if !strings.Contains(steps, "backup completo dell'iPhone") {
		t.Errorf("the job's progress lacks the backup:\n%s", steps)
	}
	var backingUp, backedUp bool
	for _, p := range states {
		backingUp = backingUp || p.State == ui.PhoneBackingUp && p.Percent >= 0 && p.Percent <= 100
		backedUp = backedUp || p.State == ui.PhoneBackedUp
	}
	if !backingUp || !backedUp {
		t.Errorf("while the job ran the screen showed %+v; want backing up, then backed up", states)
	}
	// The record keeps no password (the phone had none: the appliance's one-time one is a case artifact).
	if rec, _ := os.ReadFile(filepath.Join(dir, "jobs", j.ID+".json")); strings.Contains(string(rec), `"password"`) {
		t.Errorf("the job record names a password in clear:\n%s", rec)
	}
	phone.Unplug()
	if ps, err := a.Screens().Phones(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("unplugged: %+v, %v", ps, err)
	}
}
