package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

func TestExtractADBEndToEnd(t *testing.T) {
	ctx := t.Context()
	addr, serial, phone, key := appliancetest.WithBackup(t)
	a := openSim(t, t.TempDir())
	out := t.TempDir()
	outcomes, err := a.Certify().ExtractADB(ctx, certify.ADBJob{ADB: addr, Serial: serial, AndroidBackupJob: certify.AndroidBackupJob{
		Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", Operator: "tecnico", OutDir: out}})
	if err != nil {
		t.Fatalf("ExtractADB: %v", err)
	}
	if len(outcomes) != 2 || outcomes[0].Folder == "" || outcomes[0].Certified != 4 {
		t.Fatalf("outcomes = %+v", outcomes)
	}
	if n := phone.WriteAttempts(); n != 0 {
		t.Fatalf("the extraction tried to write to the phone %d times", n)
	}
	rep, err := bundle.Verify(ctx, outcomes[0].Folder, bundle.VerifyOptions{Key: a.Journal().VerifierKey(), AK: a.Identity().AK, RequireAttestation: true})
	if err != nil {
		t.Fatalf("delivery does not verify: %v\n%s", err, rep.Text())
	}
	b, _ := os.ReadFile(filepath.Join(outcomes[0].Folder, "manifest.json"))
	if !strings.Contains(string(b), `"method": "android-adb"`) || !strings.Contains(string(b), "samsung SM-G991B, Android 14") {
		t.Errorf("manifest does not name the method and the phone:\n%.600s", b)
	}
	photo := photoAttachment(t, outcomes[0].Folder)
	if photo.Path == "" || photo.WhatsAppHashOK == nil || !*photo.WhatsAppHashOK {
		t.Errorf("the photo pulled from the phone: %+v; want a file matching WhatsApp's hash", photo)
	}
	starts := leavesOfType(t, a, certify.LeafAcquisitionStart)
	if got := starts[len(starts)-1].Fields["device_model"]; got != "SM-G991B" {
		t.Errorf("chain of custody: device_model = %v", got)
	}
}

func TestExtractADBDisconnectMidPull(t *testing.T) {
	ctx := t.Context()
	addr, serial, phone, key := appliancetest.WithBackup(t)
	phone.SetDisconnectAfter(500) // the phone drops the link partway through the first file
	a := openSim(t, t.TempDir())
	out := t.TempDir()
	outcomes, err := a.Certify().ExtractADB(ctx, certify.ADBJob{ADB: addr, Serial: serial, AndroidBackupJob: certify.AndroidBackupJob{
		Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", OutDir: out}})
	if !errors.Is(err, usb.ErrIncomplete) || len(outcomes) != 0 {
		t.Fatalf("ExtractADB with a phone that disconnects = %+v, %v; want usb.ErrIncomplete and no outcome", outcomes, err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("a failed extraction left deliveries: %v", entries)
	}
	ends := leavesOfType(t, a, certify.LeafAcquisitionEnd)
	if len(ends) != 1 || !strings.HasPrefix(ends[0].Fields["outcome"].(string), "failed") {
		t.Fatalf("acquisition end = %+v; want a failed outcome", ends)
	}
}

func TestExtractADBNoPhone(t *testing.T) {
	server := adbtest.StartServer(t)
	a := openSim(t, t.TempDir())
	_, err := a.Certify().ExtractADB(t.Context(), certify.ADBJob{ADB: server.Addr, AndroidBackupJob: certify.AndroidBackupJob{
		List: testList(t), MaxMessages: 5, Case: "case-1", OutDir: t.TempDir()}})
	if !errors.Is(err, certify.ErrNoPhone) || !strings.Contains(err.Error(), "USB debugging") {
		t.Fatalf("no phone: %v; want ErrNoPhone with what to do", err)
	}
}

// A photo whose bytes on the phone differ from the hash WhatsApp recorded is delivered, and said not to match.
func TestExtractADBPhotoNotMatchingWhatsAppHash(t *testing.T) {
	altered := msgstoretest.SampleImage()
	altered[len(altered)/2] ^= 0xff
	addr, serial, _, key := appliancetest.WithPhoto(t, altered)
	a := openSim(t, t.TempDir())
	outcomes, err := a.Certify().ExtractADB(t.Context(), certify.ADBJob{ADB: addr, Serial: serial, AndroidBackupJob: certify.AndroidBackupJob{
		Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", OutDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	photo := photoAttachment(t, outcomes[0].Folder)
	if photo.Path == "" || photo.WhatsAppHashOK == nil || *photo.WhatsAppHashOK {
		t.Fatalf("altered photo: %+v; want it delivered with whatsapp_hash_ok false", photo)
	}
}

// photoAttachment returns the attachment of the sample's photo message in a delivery's manifest.
func photoAttachment(t *testing.T, folder string) evidence.Attachment {
	t.Helper()
	for _, msg := range readManifest(t, folder).Messages {
		if msg.ID == "OUT-PHOTO" && len(msg.Attachments) == 1 {
			return msg.Attachments[0]
		}
	}
	t.Fatal("no photo message with one attachment in the manifest")
	return evidence.Attachment{}
}
