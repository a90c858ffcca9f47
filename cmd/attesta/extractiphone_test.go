package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
)

var iosDay = time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)

// TestExtractIOSThenVerifyDelivery runs every scenario of the generator through a backup of each kind (plain and
// encrypted, WhatsApp and WhatsApp Business): each delivery's manifest says what the generator expects (ids, times,
// statuses, verdicts, anomalies, attachment hashes), verify accepts it and rejects it changed, and the backup
// folder is left as it was.
func TestExtractIOSThenVerifyDelivery(t *testing.T) {
	for _, tt := range []struct {
		name     string
		password string
		business bool
	}{
		{"encrypted WhatsApp", "segreta", false},
		{"plain WhatsApp", "", false},
		{"encrypted Business", "segreta", true},
		{"plain Business", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			backup := iphoneBackup(t, dir, iostest.WhatsAppOptions{Business: tt.business,
				BackupOptions: iostest.BackupOptions{Password: tt.password}})
			var pwArgs []string
			if tt.password != "" {
				pw := filepath.Join(dir, "password")
				os.WriteFile(pw, []byte(tt.password+"\n"), 0o600)
				pwArgs = []string{"--password-file", pw}
			}
			list := writeList(t, dir, "lista.csv", rossi, "3334445555;Anna Bianchi;2026-01-10;2026-01-20",
				"3330000000;Nessuno;2026-01-10;2026-01-20")
			data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
			before := folderDigest(t, backup)

			code, stdout, errs := attesta(t, append([]string{"extract", "ios", "--backup", backup, "--list", list,
				"--out", out, "--data", data, "--tpm", "sim", "--max-messages", "20"}, pwArgs...)...)
			if code != 0 {
				t.Fatalf("extract: exit %d\n%s%s", code, stdout, errs)
			}
			if after := folderDigest(t, backup); after != before {
				t.Errorf("the extraction changed the backup folder:\n%s\n%s", before, after)
			}
			if !strings.Contains(stdout, "chat not found") {
				t.Errorf("the third line's missing chat is not reported:\n%s", stdout)
			}
			folders := deliveryFolders(t, filepath.Join(out, "3331112222-*"))
			if len(folders) != 1 {
				t.Fatalf("delivery folders: %v\n%s", folders, stdout)
			}
			checkManifest(t, folders[0], iostest.Expect(iosDay))
			lid := deliveryFolders(t, filepath.Join(out, "3334445555-*"))
			if len(lid) != 1 {
				t.Fatalf("LID chat: no delivery\n%s", stdout)
			}
			checkManifest(t, lid[0], iostest.ExpectLID(iosDay))
			verifyThenAlter(t, folders[0])
		})
	}
}

// folderDigest lists every file below dir with its SHA-256, size and modification time.
func folderDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		data, _ := os.ReadFile(p)
		if d.IsDir() {
			data = nil
		}
		fmt.Fprintf(&b, "%s %x %d %s\n", p, sha256.Sum256(data), fi.Size(), fi.ModTime())
		return nil
	})
	return b.String()
}

// checkManifest compares a delivery's messages with what the generator expects.
func checkManifest(t *testing.T, folder string, want map[string]iostest.Expected) {
	t.Helper()
	var m struct {
		Acquisition struct{ Method string }
		Messages    []struct {
			ID         string
			FromMe     bool   `json:"from_me"`
			SentAt     string `json:"sent_at"`
			Delivered  string `json:"delivered_at"`
			Read       string `json:"read_at"`
			Played     string `json:"played_at"`
			Status     string
			LegalValue *struct {
				Basis   string
				ReplyID *string `json:"reply_id"`
			} `json:"legal_value"`
			Attachments []struct{ SHA256, Unavailable string }
			Anomalies   []struct{ Code string }
		}
	}
	b, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Acquisition.Method != "ios-backup" {
		t.Errorf("method %q", m.Acquisition.Method)
	}
	seen := map[string]bool{}
	for _, msg := range m.Messages {
		w, ok := want[msg.ID]
		if !ok {
			t.Errorf("unexpected message %s", msg.ID)
			continue
		}
		seen[msg.ID] = true
		if got, err := time.Parse(time.RFC3339, msg.SentAt); err != nil || !got.Equal(w.SentAt.Truncate(time.Second)) || msg.FromMe != w.FromMe {
			t.Errorf("%s: sent_at %q from_me %v, want %s %v", msg.ID, msg.SentAt, msg.FromMe, w.SentAt.Format(time.RFC3339), w.FromMe)
		}
		// No receipt time is established on iOS: the contract leaves them unknown.
		if msg.Delivered+msg.Read+msg.Played != "" {
			t.Errorf("%s: receipt times %q %q %q, want none", msg.ID, msg.Delivered, msg.Read, msg.Played)
		}
		if msg.Status != w.Status.String() {
			t.Errorf("%s: status %s, want %s", msg.ID, msg.Status, w.Status)
		}
		var basis, reply string
		if lv := msg.LegalValue; lv != nil {
			basis = lv.Basis
			if lv.ReplyID != nil {
				reply = *lv.ReplyID
			}
		}
		if basis != string(w.Basis) || reply != w.ReplyID {
			t.Errorf("%s: basis %q reply %q, want %q %q", msg.ID, basis, reply, w.Basis, w.ReplyID)
		}
		var codes []string
		for _, a := range msg.Anomalies {
			codes = append(codes, a.Code)
		}
		if !slices.Equal(codes, w.Anomalies) {
			t.Errorf("%s: anomalies %v, want %v", msg.ID, codes, w.Anomalies)
		}
		var att string
		if len(msg.Attachments) == 1 {
			att = msg.Attachments[0].SHA256 + msg.Attachments[0].Unavailable
		}
		if att != w.Attachment {
			t.Errorf("%s: attachment %q, want %q", msg.ID, att, w.Attachment)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("message %s missing from the delivery", id)
		}
	}
}

// TestExtractIOSBadBackups: each bad backup is a clear error naming the file, and nothing is delivered.
func TestExtractIOSBadBackups(t *testing.T) {
	dir := t.TempDir()
	list := writeList(t, dir, "lista.csv", rossi)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("segreta"), 0o600)
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("sbagliata"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	write := func(name string, opts iostest.WhatsAppOptions, damage func(string)) string {
		b := filepath.Join(dir, name)
		if err := iostest.WriteWhatsAppBackup(t.Context(), b, iostest.Sample(iosDay), opts); err != nil {
			t.Fatal(err)
		}
		if damage != nil {
			damage(b)
		}
		return b
	}
	enc := iostest.WhatsAppOptions{BackupOptions: iostest.BackupOptions{Password: "segreta"}}
	chatStorage := func(b string) string {
		id := "7c7fba66680ef796b916b067077cc246adacf01d"
		return filepath.Join(b, id[:2], id)
	}
	for _, tt := range []struct {
		name   string
		backup string
		args   []string
		code   int
		want   []string
	}{
		{"wrong password", write("enc1", enc, nil), []string{"--password-file", wrong}, exitFailure,
			[]string{"wrong backup password", "Manifest.plist"}},
		{"no password", write("enc2", enc, nil), nil, exitFailure, []string{"password is required"}},
		{"empty password file", write("enc3", enc, nil), []string{"--password-file", empty}, exitUsage, []string{"empty"}},
		{"no ChatStorage", write("e2e", iostest.WhatsAppOptions{NoChatStorage: true}, nil), nil, exitFailure,
			[]string{"ChatStorage.sqlite", "end-to-end", "WhatsApp Web"}},
		{"unfinished", write("unfinished", iostest.WhatsAppOptions{BackupOptions: iostest.BackupOptions{Unfinished: true}}, nil), nil, exitFailure,
			[]string{"Status.plist", "incomplete"}},
		{"truncated ChatStorage", write("trunc", enc, func(b string) {
			p := chatStorage(b)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o600)
		}), []string{"--password-file", pw}, exitFailure, []string{"7c7fba66680ef796b916b067077cc246adacf01d", "ChatStorage.sqlite"}},
		{"damaged keybag", write("keybag", enc, func(b string) {
			p := filepath.Join(b, "Manifest.plist")
			data, _ := os.ReadFile(p)
			i := strings.Index(string(data), "WPKY")
			data[i+6] = 0x7f
			os.WriteFile(p, data, 0o600)
		}), []string{"--password-file", pw}, exitFailure, []string{"keybag", "Manifest.plist"}},
		{"not a backup", dir, nil, exitUsage, []string{"Manifest.db"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"extract", "ios", "--backup", tt.backup, "--list", list, "--out", out,
				"--data", filepath.Join(t.TempDir(), "data"), "--tpm", "sim"}, tt.args...)
			code, stdout, errs := attesta(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed extraction created %s", out)
			}
		})
	}
}

// TestExtractIOSDamagedMedia: a media file whose copy in the backup fails its checks is recorded as such, and the
// chat is still delivered.
func TestExtractIOSDamagedMedia(t *testing.T) {
	dir := t.TempDir()
	backup := iphoneBackup(t, dir, iostest.WhatsAppOptions{BackupOptions: iostest.BackupOptions{Password: "segreta"}})
	id := ios.FileID(iostest.DomainWhatsApp, "Message/Media/393331112222@s.whatsapp.net/c/d/photo-1.jpg")
	p := filepath.Join(backup, id[:2], id)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, b[:len(b)-32], 0o600)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("segreta"), 0o600)
	list := writeList(t, dir, "lista.csv", rossi)
	out := filepath.Join(dir, "out")
	code, stdout, errs := attesta(t, "extract", "ios", "--backup", backup, "--password-file", pw, "--list", list,
		"--out", out, "--data", filepath.Join(dir, "data"), "--tpm", "sim", "--max-messages", "20")
	if code != 0 {
		t.Fatalf("extract: exit %d\n%s%s", code, stdout, errs)
	}
	folders := deliveryFolders(t, filepath.Join(out, "3331112222-*"))
	if len(folders) != 1 {
		t.Fatalf("delivery folders: %v", folders)
	}
	want := iostest.Expect(iosDay)
	photo := want["OUT-PHOTO"]
	photo.Attachment = "damaged-in-backup"
	photo.Anomalies = append(photo.Anomalies, "ios-media-damaged")
	want["OUT-PHOTO"] = photo
	checkManifest(t, folders[0], want)
}
