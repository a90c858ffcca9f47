package desk_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb/iphonetest"
)

// The cloud-backup path on Android, with the fake phone as the studio's lab phone: every step is journaled with
// who and which phone and kept across a restart, a step out of order is refused, and the extraction over ADB
// certifies the list, its deliveries' chain of custody starting with the restore's steps and its report naming the
// path and its caveat in Italian.
func TestCloudRestoreAndroid(t *testing.T) {
	ctx := t.Context()
	addr, serial, _, key := appliancetest.WithBackup(t)
	dir, out := t.TempDir(), t.TempDir()
	a := jobAppliance(t, dir, ctx, out, &testSink{})
	a.Desk().Config().ADB = addr
	c := newCase5(t, a)
	start := ui.CloudStart{Case: c.ID, Platform: ui.CloudAndroid, Device: serial, Wiped: true, Operator: "Anna Tecnico"}
	if _, err := a.Desk().StartCloudRestore(ctx, start); !errors.Is(err, ui.ErrNoNotice) {
		t.Fatalf("before the client accepted the notice: %v; want ui.ErrNoNotice", err)
	}
	acceptNotice(t, a, c.ID)
	for name, bad := range map[string]func(*ui.CloudStart){
		"not wiped":     func(s *ui.CloudStart) { s.Wiped = false },
		"no operator":   func(s *ui.CloudStart) { s.Operator = " " },
		"platform":      func(s *ui.CloudStart) { s.Platform = "blackberry" },
		"unknown phone": func(s *ui.CloudStart) { s.Device = "NOPE123" },
	} {
		s := start
		bad(&s)
		if _, err := a.Desk().StartCloudRestore(ctx, s); !errors.Is(err, ui.ErrInvalid) {
			t.Errorf("%s: %v; want ui.ErrInvalid", name, err)
		}
	}
	r, err := a.Desk().StartCloudRestore(ctx, start)
	if err != nil {
		t.Fatalf("StartCloudRestore: %v", err)
	}
	if r.DeviceModel != "samsung SM-G991B, Android 14" || r.Device != serial || r.Last() != ui.CloudWiped {
		t.Fatalf("restore %+v", r)
	}
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"
	if _, err := a.Desk().ExtractCloud(ctx, r.ID, ui.CloudExtraction{List: list, Key: key.RootHex(), Operator: "Anna"}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("extraction before the restore: %v; want ui.ErrInvalid", err)
	}
	if _, err := a.Desk().CloudStep(ctx, r.ID, ui.CloudStepInput{Step: ui.CloudRestored, Operator: "Anna", BackupDate: "2026-01-14"}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("restored before registering: %v; want ui.ErrInvalid", err)
	}
	steps := []ui.CloudStepInput{
		{Step: ui.CloudRegistering, Operator: "Anna Tecnico"},
		{Step: ui.CloudCodeRelayed, Link: "linkhash"},
		{Step: ui.CloudRestored, Operator: "Bruno Tecnico", BackupDate: "14/01/2026"},
	}
	for _, st := range steps {
		if r, err = a.Desk().CloudStep(ctx, r.ID, st); err != nil {
			t.Fatalf("step %s: %v", st.Step, err)
		}
	}
	for _, bad := range []string{"2099-01-01", "14 gennaio", ""} {
		if _, err := a.Desk().CloudStep(ctx, r.ID, ui.CloudStepInput{Step: ui.CloudRestored, Operator: "x", BackupDate: bad}); !errors.Is(err, ui.ErrInvalid) {
			t.Errorf("backup date %q: %v; want ui.ErrInvalid", bad, err)
		}
	}
	leaves := leavesOfType(t, a, desk.LeafCloudRestore)
	if len(leaves) != 4 || leaves[0].Fields["step"] != ui.CloudWiped || leaves[0].Fields["operator"] != "Anna Tecnico" ||
		leaves[0].Fields["device_model"] != "samsung SM-G991B, Android 14" || leaves[0].Fields["whatsapp_installed"] != "2.26.1.10" || leaves[2].Fields["link"] != "linkhash" ||
		leaves[2].Fields["operator"] != nil || leaves[3].Fields["backup_date"] != "2026-01-14" {
		t.Fatalf("cloud-restore leaves: %+v", leaves)
	}
	j, err := a.Desk().ExtractCloud(ctx, r.ID, ui.CloudExtraction{List: list, Key: key.RootHex(), Operator: "Bruno Tecnico"})
	if err != nil {
		t.Fatalf("ExtractCloud: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || j.Kind != desk.JobCloud || len(j.Chats) != 1 || j.Chats[0].Folder == "" || j.Chats[0].Certified != 4 {
		t.Fatalf("cloud job: %+v", j)
	}
	got, err := a.Desk().CloudRestore(ctx, r.ID)
	if err != nil || got.Job != j.ID || got.Last() != ui.CloudExtracting {
		t.Fatalf("restore after the extraction: %+v, %v", got, err)
	}
	folder := filepath.Join(out, j.Chats[0].Folder)
	cust, actions := appliancetest.Custody(t, folder)
	want := []string{ui.CloudWiped, ui.CloudRegistering, ui.CloudCodeRelayed, ui.CloudRestored}
	for i, step := range want {
		a := actions[i]
		if a.Action != bundle.CustodyCloud || a.Fields["step"] != step || !strings.Contains(a.Fields["device"], serial) || a.At.IsZero() {
			t.Fatalf("custody line %d: %+v; want the step %s with its phone:\n%s", i+1, a, step, cust)
		}
	}
	if actions[0].Fields["operator"] != "Anna Tecnico" || actions[2].Fields["operator"] != "client" || actions[3].Fields["operator"] != "Bruno Tecnico" ||
		actions[3].Fields["backup_date"] != "2026-01-14" || actions[4].Action != bundle.CustodyStart {
		t.Fatalf("custody:\n%s", cust)
	}
	flat := appliancetest.ReportText(t, folder, "-layout")
	for _, s := range []string{"Google Drive", "telefono Android di laboratorio", "La copia ripristinata è il contenuto del backup nel cloud alla sua data (2026-01-14)",
		"Anna Tecnico ha azzerato il telefono di laboratorio", "il cliente ha trasmesso il codice di verifica"} {
		if !strings.Contains(flat, s) {
			t.Errorf("the report lacks %q", s)
		}
	}

	// The restore and its steps are kept across a restart; its steps are done.
	a.Desk().StopJobs()
	a.Close()
	b := openSim(t, dir)
	again, err := b.Desk().CloudRestores(ctx, c.ID)
	if err != nil || len(again) != 1 || len(again[0].Steps) != 5 || again[0].Steps[3].BackupDate != "2026-01-14" {
		t.Fatalf("restores after a restart: %+v, %v", again, err)
	}
	if _, err := b.Desk().CloudStep(ctx, r.ID, ui.CloudStepInput{Step: ui.CloudRegistering, Operator: "x"}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("a step again: %v; want ui.ErrInvalid", err)
	}
}

// The cloud-backup path on iPhone, with the fake iPhone as the lab phone: identified through usbmuxd at the first
// step, then backed up over USB by the extraction, whose delivery starts its chain of custody with the restore
// and whose report names iCloud.
func TestCloudRestoreIPhone(t *testing.T) {
	iphonetest.SkipWithoutTools(t)
	ctx := t.Context()
	phone := iphonetest.Start(t, iphonetest.Config{Backup: iphonetest.WhatsAppBackup(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC))})
	dir, out := t.TempDir(), t.TempDir()
	a := jobAppliance(t, dir, ctx, out, &testSink{})
	a.Desk().Config().Usbmuxd = phone.Addr
	c := newCase(t, a)
	acceptNotice(t, a, c.ID)
	r, err := a.Desk().StartCloudRestore(ctx, ui.CloudStart{Case: c.ID, Platform: ui.CloudIPhone, Wiped: true, Operator: "Anna Tecnico"})
	if err != nil {
		t.Fatalf("StartCloudRestore: %v", err)
	}
	if r.Device == "" || !strings.Contains(r.DeviceModel, "iOS") {
		t.Fatalf("lab iPhone: %+v", r)
	}
	for _, st := range []ui.CloudStepInput{{Step: ui.CloudRegistering, Operator: "Anna Tecnico"}, {Step: ui.CloudCodeRelayed, Link: "h"},
		{Step: ui.CloudRestored, Operator: "Anna Tecnico", BackupDate: "2026-01-13"}} {
		if _, err := a.Desk().CloudStep(ctx, r.ID, st); err != nil {
			t.Fatalf("step %s: %v", st.Step, err)
		}
	}
	j, err := a.Desk().ExtractCloud(ctx, r.ID, ui.CloudExtraction{List: "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n", Operator: "Anna Tecnico"})
	if err != nil {
		t.Fatalf("ExtractCloud: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || len(j.Chats) != 1 || j.Chats[0].Folder == "" {
		t.Fatalf("cloud iPhone job: %+v\nphone: %v", j, phone.Requests())
	}
	folder := filepath.Join(out, j.Chats[0].Folder)
	cust, actions := appliancetest.Custody(t, folder)
	if actions[0].Action != bundle.CustodyCloud || actions[0].Fields["platform"] != ui.CloudIPhone || !strings.Contains(actions[0].Fields["device"], r.Device) ||
		actions[3].Fields["backup_date"] != "2026-01-13" {
		t.Fatalf("custody:\n%s", cust)
	}
	flat := appliancetest.ReportText(t, folder, "-l", "20")
	for _, s := range []string{"iCloud", "iPhone di laboratorio", "alla sua data (2026-01-13)"} {
		if !strings.Contains(flat, s) {
			t.Errorf("the report lacks %q", s)
		}
	}
}
