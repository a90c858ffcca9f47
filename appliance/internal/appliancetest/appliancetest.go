// Package appliancetest holds what the tests of the appliance and its desk share: a phone on USB to extract from
// (the real adb server connected to a fake phone, usb/adbtest, that holds the sample WhatsApp chat as an
// end-to-end encrypted backup), a complete test acquisition, the journal's leaves of one type, and a delivery
// folder's chain of custody and report text.
package appliancetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

// Acquire makes a complete test acquisition for caseID through p, with a screenshot of the given content unless it
// is empty, and returns the screenshot's artifact.
func Acquire(t *testing.T, p *certify.Pipelines, caseID, screenshot string) certify.Artifact {
	t.Helper()
	acq, err := p.StartAcquisition(t.Context(), caseID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var art certify.Artifact
	if screenshot != "" {
		if art, err = acq.AddArtifact(t.Context(), "screenshot", strings.NewReader(screenshot)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acq.Finish(t.Context(), "complete"); err != nil {
		t.Fatal(err)
	}
	return art
}

// WithBackup starts the real adb server and a fake phone whose WhatsApp Databases folder holds the sample
// chat as a crypt15 backup (plus an older dated one), connects them, and returns the server address, the phone's
// serial, the phone and the backup key.
func WithBackup(t *testing.T) (string, string, *adbtest.Phone, android.Key) {
	return WithPhoto(t, msgstoretest.SampleImage())
}

// WithPhoto is [WithBackup] with the given bytes as the photo's file on the phone.
func WithPhoto(t *testing.T, photo []byte) (string, string, *adbtest.Phone, android.Key) {
	t.Helper()
	root := t.TempDir()
	photoPath := filepath.Join(root, filepath.FromSlash(certify.PhoneWhatsApp), filepath.FromSlash(msgstoretest.SampleImagePath))
	if err := os.MkdirAll(filepath.Dir(photoPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photoPath, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	dbDir := filepath.Join(root, filepath.FromSlash(certify.PhoneDatabases))
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	key, err := msgstoretest.WriteCrypt15(t.Context(), filepath.Join(dbDir, "msgstore.db.crypt15"),
		msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dbDir, "msgstore-2026-01-01.1.db.crypt15"), []byte("an older backup"), 0o644)
	server := adbtest.StartServer(t)
	phone := adbtest.Start(t, adbtest.Config{Root: root, Model: "SM-G991B", Manufacturer: "samsung",
		AndroidVersion: "14", SDK: "34", Serial: "R5CR1234XYZ", Packages: map[string]string{"com.whatsapp": "2.26.1.10"},
		Auth: adbtest.AuthAcceptAny})
	ctx, cancel := testwait.Context(t)
	defer cancel()
	c := usb.New(usb.Options{Addr: server.Addr})
	if err := c.Connect(ctx, phone.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForState(ctx, phone.Addr(), usb.StateDevice); err != nil {
		t.Fatal(err)
	}
	return server.Addr, phone.Addr(), phone, key
}

// Leaves returns the decoded leaves of j of one type, in order.
func Leaves(t *testing.T, j *journal.Journal, typ string) []journal.Entry {
	t.Helper()
	var out []journal.Entry
	for leaf, err := range j.Entries(t.Context(), 0, j.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := leaf.Entry()
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// Custody reads the chain of custody of a delivery folder: the file as it is, and its actions.
func Custody(t *testing.T, folder string) ([]byte, []bundle.CustodyAction) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(folder, filepath.FromSlash(bundle.CustodyPath)))
	if err != nil {
		t.Fatal(err)
	}
	actions, err := bundle.DecodeCustody(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, actions
}

// ReportText is the text of a delivery folder's report (pdftotext, with options such as "-layout" before the
// file), its words joined by single spaces.
func ReportText(t *testing.T, folder string, options ...string) string {
	t.Helper()
	args := append(append([]string(nil), options...), filepath.Join(folder, "relazione.pdf"), "-")
	out, err := exec.CommandContext(t.Context(), "pdftotext", args...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
