package desk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/delivery/drive"
	"github.com/attesta/attesta/delivery/drive/drivetest"
	"github.com/attesta/attesta/ui"
)

func driveConfig(dir string, srv *drivetest.Server, wait time.Duration) appliance.Config {
	return appliance.Config{DataDir: dir, Drive: appliance.DriveConfig{ClientID: "attesta-test.apps.googleusercontent.com",
		ClientSecret: "test", Endpoint: srv.Endpoint(), DeviceAuthURL: srv.DeviceAuthURL(), TokenURL: srv.TokenURL(),
		RevokeURL: srv.RevokeURL(), Wait: appliance.Duration(wait)}}
}

// authorizeStudio runs the device flow for the studio's Drive, the studio approving on the server.
func authorizeStudio(t *testing.T, a *appliance.Appliance, srv *drivetest.Server) {
	t.Helper()
	dc, err := a.Offsite().Drive().Tokens().Authorize(t.Context(), drive.StudioAccount, "")
	if err != nil {
		t.Fatal(err)
	}
	srv.Approve(dc.UserCode)
	<-dc.Done
	if dc.Err != nil {
		t.Fatal(dc.Err)
	}
}

// A session of a case whose deliveries go to the studio's Drive: the connection drops during an upload and the
// Drive is full until the appliance restarts; after the restart the folder is complete on Drive, byte for byte
// and verifiable, its link is in the session's index and with its chat, and every step is journaled with ids.
func TestSessionToStudioDrive(t *testing.T) {
	ctx := t.Context()
	srv := startDrive(t)
	dir, out := t.TempDir(), t.TempDir()
	a := jobApplianceWith(t, driveConfig(dir, srv, 3*time.Second), ctx, out, &testSink{})
	authorizeStudio(t, a, srv)
	srv.DropUpload(100)
	srv.Fail(1, 503, "backendError", "1")
	srv.SetQuota(2000) // the first files fit, the report does not
	c, j := driveSession(t, a, ui.DeliveryStudioDrive, "")
	if j.State != ui.JobDone || len(j.Chats) != 1 || j.Chats[0].Folder == "" || j.Chats[0].DriveLink != "" || !strings.Contains(j.Error, "Drive") {
		t.Fatalf("job on a full Drive: %+v", j)
	}
	if len(leavesOfType(t, a, drive.LeafFolderDone)) != 0 {
		t.Fatal("a half folder was announced")
	}
	a.Desk().StopJobs()
	a.Close()

	srv.SetQuota(0)
	b := jobApplianceWith(t, driveConfig(dir, srv, 3*time.Second), ctx, out, &testSink{})
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := b.Offsite().Drive().Queue().Drain(dctx); err != nil {
		t.Fatalf("after the restart: %v (%+v)", err, b.Offsite().Drive().Queue().Pending())
	}
	folder := filepath.Join(out, j.Chats[0].Folder)
	links := b.Offsite().Drive().Queue().Links(out)
	if len(links) != 1 || links[0].Name != j.Chats[0].Folder {
		t.Fatalf("links %+v", links)
	}
	if after, err := b.Desk().Job(ctx, j.ID); err != nil || after.Chats[0].DriveLink != links[0].URL {
		t.Fatalf("the job's chat after the restart: %+v, %v; want its Drive link", after.Chats, err)
	}
	index, err := bundle.ReadIndex(out)
	if err != nil || len(index) != 1 || index[0].DriveURL != links[0].URL {
		t.Fatalf("index %+v, %v; want the Drive link", index, err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !bytes.Contains(html, []byte(links[0].URL)) {
		t.Error("index.html does not print the Drive link")
	}
	id, _ := srv.FolderOfLink(links[0].URL)
	got := filepath.Join(t.TempDir(), j.Chats[0].Folder)
	if err := srv.Export(id, got); err != nil {
		t.Fatal(err)
	}
	// What `attesta verify --key VKEY FOLDER` runs (cmd/attesta's verifyDelivery), the signed report included.
	opts, err := verifycmd.Options(b.Journal().VerifierKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var verdict bytes.Buffer
	if err := verifycmd.Run(ctx, &verdict, got, opts, "it"); err != nil {
		t.Fatalf("attesta verify of the delivery downloaded from Drive: %v\n%s", err, verdict.String())
	}
	files := 0
	filepath.Walk(folder, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
			rel, _ := filepath.Rel(folder, p)
			want, _ := os.ReadFile(p)
			if have, err := os.ReadFile(filepath.Join(got, rel)); err != nil || !bytes.Equal(want, have) {
				t.Errorf("%s: not the same bytes on Drive", rel)
			}
		}
		return err
	})
	for typ, want := range map[string]int{drive.LeafFolder: 1, drive.LeafUpload: files, drive.LeafLink: 1, drive.LeafFolderDone: 1} {
		if got := leavesOfType(t, b, typ); len(got) != want {
			t.Errorf("%d %s leaves, want %d", len(got), typ, want)
		}
	}
	checkJobLeaves(t, b, []string{"3331112222"})
	for _, typ := range []string{drive.LeafFolder, drive.LeafUpload, drive.LeafLink, drive.LeafFolderDone} {
		for _, e := range leavesOfType(t, b, typ) {
			if e.Case != c.ID || strings.Contains(fmt.Sprint(e.Fields), "1112222") || strings.Contains(fmt.Sprint(e.Fields), "gennaio") {
				t.Errorf("%s leaf: case %q, fields %v", typ, e.Case, e.Fields)
			}
		}
	}
	if c := srv.Counts(); c.Dropped != 1 || c.Multipart != 0 {
		t.Errorf("server counts %+v: want one dropped upload and only resumable ones", c)
	}

	// The case's retention ends: what the appliance put on the studio's Drive is deleted, journaled.
	info, _ := b.Desk().Case(ctx, c.ID)
	sched, err := b.Desk().RetentionScheduler(ctx, retention.Options{Now: func() time.Time { return info.RetainUntil.Add(time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	if round, err := sched.Check(ctx); err != nil || len(round.Erased) != 1 {
		t.Fatalf("retention round: %+v, %v", round, err)
	}
	if _, ok := srv.File(id); ok {
		t.Error("the folder is still on the studio's Drive after the case's erasure")
	}
	if l := leavesOfType(t, b, drive.LeafDeleted); len(l) != 1 || l[0].Fields["folder_id"] != id {
		t.Errorf("drive-deleted leaves: %+v", l)
	}
}

// A case's deliveries to the client's own Drive wait for the client's authorization (device flow), which the
// studio can revoke; the case's erasure leaves the folders to the client and revokes the appliance's access.
func TestClientDriveAuthorization(t *testing.T) {
	ctx := t.Context()
	srv := startDrive(t)
	a := openSimConfig(t, driveConfig(t.TempDir(), srv, time.Second))
	nc := goodCase()
	nc.Delivery, nc.DeliveryEmails = ui.DeliveryClientDrive, "Avvocato@Example.it, cliente@example.com"
	c := createCase(t, a, nc)
	if c.Delivery != ui.DeliveryClientDrive || len(c.DeliveryEmails) != 2 || c.DeliveryEmails[0] != "avvocato@example.it" || c.DriveAuthorized {
		t.Fatalf("case %+v", c)
	}
	code, err := a.Desk().AuthorizeDrive(ctx, c.ID)
	if err != nil || code.UserCode == "" || !strings.HasPrefix(code.URL, srv.URL()) {
		t.Fatalf("AuthorizeDrive: %+v, %v", code, err)
	}
	if info, _ := a.Desk().Case(ctx, c.ID); info.DriveCode == nil || info.DriveCode.UserCode != code.UserCode {
		t.Fatalf("the pending code is not on the case: %+v", info.DriveCode)
	}
	srv.Approve(code.UserCode)
	deadline := time.Now().Add(30 * time.Second)
	for !a.Offsite().Drive().Tokens().Authorized(c.ID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if info, _ := a.Desk().Case(ctx, c.ID); !info.DriveAuthorized {
		t.Fatal("not authorized after the client approved")
	}
	studio := goodCase()
	studio.Delivery = ui.DeliveryStudioDrive
	sc := createCase(t, a, studio)
	scode, err := a.Desk().AuthorizeDrive(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := a.Offsite().Drive().Pending(drive.StudioAccount); !ok || p.UserCode != scode.UserCode {
		t.Fatal("a studio-Drive case does not authorize the studio's account")
	}
	if err := a.Desk().RevokeDrive(ctx, c.ID, "tecnico"); err != nil {
		t.Fatal(err)
	}
	if info, _ := a.Desk().Case(ctx, c.ID); info.DriveAuthorized || len(leavesOfType(t, a, drive.LeafRevoked)) != 1 {
		t.Fatal("revocation not effective or not journaled")
	}
	for _, bad := range []ui.NewCase{{Delivery: "dropbox"}, {Delivery: ui.DeliveryStudioDrive, DeliveryEmails: "not-an-address"},
		{Delivery: ui.DeliveryAppliance, DeliveryEmails: "a@b.it"}} {
		nc := goodCase()
		nc.Delivery, nc.DeliveryEmails = bad.Delivery, bad.DeliveryEmails
		if _, err := a.Desk().CreateCase(ctx, nc); !errors.Is(err, ui.ErrInvalid) {
			t.Errorf("case with delivery %q %q: %v", bad.Delivery, bad.DeliveryEmails, err)
		}
	}
}

// An appliance without a Drive refuses a case that delivers to one.
func TestDriveCaseNeedsDrive(t *testing.T) {
	a := openSim(t, t.TempDir())
	nc := goodCase()
	nc.Delivery = ui.DeliveryStudioDrive
	if _, err := a.Desk().CreateCase(t.Context(), nc); !errors.Is(err, ui.ErrInvalid) {
		t.Errorf("a Drive case on an appliance without Drive: %v", err)
	}
}

// A session of a case whose deliveries go to the client's own Drive, restricted to two addresses: at its end the
// client has not authorized yet, and the job says so; once the client authorizes on their phone, the folder goes
// to their Drive, readable by those addresses only, and the job shows its link.
func TestSessionToClientDrive(t *testing.T) {
	ctx := t.Context()
	srv := startDrive(t)
	out := t.TempDir()
	a := jobApplianceWith(t, driveConfig(t.TempDir(), srv, time.Second), ctx, out, &testSink{})
	c, j := driveSession(t, a, ui.DeliveryClientDrive, "avvocato@example.it cliente@example.com")
	if j.State != ui.JobDone || j.Chats[0].Folder == "" || !strings.Contains(j.Error, "not authorized") {
		t.Fatalf("job before the client's authorization: %+v", j)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Offsite().Drive().Run(runCtx) // as serve does
	code, err := a.Desk().AuthorizeDrive(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	srv.Approve(code.UserCode)
	deadline := time.Now().Add(time.Minute)
	for len(a.Offsite().Drive().Links(out)) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	after, err := a.Desk().Job(ctx, j.ID)
	if err != nil || after.Chats[0].DriveLink == "" {
		t.Fatalf("after the authorization: %+v, %v", after.Chats, err)
	}
	id, _ := srv.FolderOfLink(after.Chats[0].DriveLink)
	f, _ := srv.File(id)
	var readers []string
	for _, p := range f.Permissions {
		readers = append(readers, p.Type+":"+p.Email)
	}
	if strings.Join(readers, " ") != "user:avvocato@example.it user:cliente@example.com" {
		t.Errorf("the folder's readers: %v", readers)
	}
}

// jobApplianceWith is jobAppliance with more of the configuration.
func jobApplianceWith(t *testing.T, cfg appliance.Config, runCtx context.Context, out string, sink *testSink) *appliance.Appliance {
	t.Helper()
	return openJobs(t, openSimConfig(t, cfg), runCtx, out, sink)
}

// startDrive starts a Drive and OAuth server on loopback for the test.
func startDrive(t *testing.T) *drivetest.Server {
	t.Helper()
	srv, err := drivetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// driveSession opens a case delivering to target (readers emails) and runs to its end an extraction of one chat
// from a phone on USB.
func driveSession(t *testing.T, a *appliance.Appliance, target, emails string) (ui.CaseInfo, ui.JobInfo) {
	t.Helper()
	ctx := t.Context()
	addr, serial, _, key := appliancetest.WithBackup(t)
	a.Desk().Config().ADB = addr
	nc := goodCase()
	nc.MaxMessages, nc.Delivery, nc.DeliveryEmails = 5, target, emails
	c := createCase(t, a, nc)
	recordMandate(t, a, c.ID)
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Serial: serial, Key: key.RootHex(), List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatal(err)
	}
	return c, waitJob(t, a, j.ID)
}
