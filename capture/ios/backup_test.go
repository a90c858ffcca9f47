package ios_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
)

const domain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"

func TestFileID(t *testing.T) {
	// Known answers from the public sample (research notes §5.1) and pyiosbackup's test backup.
	for _, tt := range []struct{ domain, path, want string }{
		{domain, "ChatStorage.sqlite", "7c7fba66680ef796b916b067077cc246adacf01d"},
		{domain, "LID.sqlite", "e794f6ffcc3c222535f47684a63d5178da3c4500"},
		{domain, "ContactsV2.sqlite", "b8548dc30aa1030df0ce18ef08b882cf7ab5212f"},
		{"AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared", "ChatStorage.sqlite", "724bd3b98b18518b455a87c1f3ac3a0d189c4466"},
		{"MyTestDomain", "Media/Test.txt", "5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc"},
	} {
		if got := ios.FileID(tt.domain, tt.path); got != tt.want {
			t.Errorf("FileID(%s, %s) = %s, want %s", tt.domain, tt.path, got, tt.want)
		}
	}
}

func TestUnwrapRFC3394(t *testing.T) {
	// RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
	kek := unhex(t, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	key := unhex(t, "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
	wrapped := unhex(t, "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
	got, err := ios.Wrap(kek, key)
	if err != nil || !bytes.Equal(got, wrapped) {
		t.Fatalf("Wrap = %x, %v", got, err)
	}
	back, err := ios.Unwrap(kek, wrapped)
	if err != nil || !bytes.Equal(back, key) {
		t.Fatalf("Unwrap = %x, %v", back, err)
	}
	wrapped[10] ^= 1
	if _, err := ios.Unwrap(kek, wrapped); err == nil {
		t.Fatal("Unwrap accepted a damaged key")
	}
}

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func files() []iostest.BackupFile {
	big := bytes.Repeat([]byte("0123456789abcdef"), 200_000) // several chunks of the streaming decrypter, 3.2 MB
	return []iostest.BackupFile{
		{Domain: domain, RelativePath: "ChatStorage.sqlite", Data: []byte("not really a database")},
		{Domain: domain, RelativePath: "Message/Media/big.bin", Data: append(big, 'x')},
		{Domain: domain, RelativePath: "Message/Media/empty.bin", Data: []byte{}},
		{Domain: domain, RelativePath: "Message/Media/block.bin", Data: bytes.Repeat([]byte{7}, 32)},
	}
}

func TestOpenAndExtract(t *testing.T) {
	for _, pw := range []string{"", "correct horse"} {
		t.Run("password="+pw, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "backup")
			if err := iostest.WriteBackup(t.Context(), dir, files(), iostest.BackupOptions{Password: pw}); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			tmp := t.TempDir()
			b, err := ios.Open(t.Context(), dir, []byte(pw), tmp)
			if err != nil {
				t.Fatal(err)
			}
			if b.Encrypted != (pw != "") || b.Device.Name != iostest.DeviceName || b.Device.ProductVersion != iostest.IOSVersion {
				t.Errorf("backup: encrypted %v, device %+v", b.Encrypted, b.Device)
			}
			for _, f := range files() {
				fi, err := b.Stat(t.Context(), f.Domain, f.RelativePath)
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if _, err := b.Extract(t.Context(), fi, &out); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out.Bytes(), f.Data) {
					t.Errorf("%s: %d bytes extracted, want %d", f.RelativePath, out.Len(), len(f.Data))
				}
			}
			if _, err := b.Stat(t.Context(), domain, "nope"); !errors.Is(err, ios.ErrNotInBackup) {
				t.Errorf("Stat of a missing file: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("Close left %d files in the temporary directory", len(left))
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the backup folder changed:\n%s\n%s", before, after)
			}
		})
	}
}

// snapshot lists a folder's files with their sizes and modification times.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			b.WriteString(p + " " + fi.ModTime().String() + " " + string(rune(fi.Size())) + "\n")
		}
		return nil
	})
	return b.String()
}

func TestBadBackups(t *testing.T) {
	ctx := t.Context()
	write := func(t *testing.T, pw string, files []iostest.BackupFile, opts iostest.BackupOptions) string {
		dir := filepath.Join(t.TempDir(), "backup")
		opts.Password = pw
		if err := iostest.WriteBackup(ctx, dir, files, opts); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	chat := []iostest.BackupFile{{Domain: domain, RelativePath: "ChatStorage.sqlite", Data: bytes.Repeat([]byte("a"), 100)}}
	t.Run("wrong password", func(t *testing.T) {
		dir := write(t, "right", chat, iostest.BackupOptions{})
		_, err := ios.Open(ctx, dir, []byte("wrong"), t.TempDir())
		if !errors.Is(err, ios.ErrWrongPassword) || !strings.Contains(err.Error(), "Manifest.plist") {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("no password", func(t *testing.T) {
		dir := write(t, "right", chat, iostest.BackupOptions{})
		if _, err := ios.Open(ctx, dir, nil, t.TempDir()); !errors.Is(err, ios.ErrPasswordRequired) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("unfinished", func(t *testing.T) {
		dir := write(t, "", chat, iostest.BackupOptions{Unfinished: true})
		_, err := ios.Open(ctx, dir, nil, t.TempDir())
		if !errors.Is(err, ios.ErrIncomplete) || !strings.Contains(err.Error(), "Status.plist") {
			t.Fatalf("Open: %v", err)
		}
	})
	for _, name := range []string{"Info.plist", "Manifest.plist", "Status.plist", "Manifest.db"} {
		t.Run("without "+name, func(t *testing.T) {
			dir := write(t, "", chat, iostest.BackupOptions{})
			os.Remove(filepath.Join(dir, name))
			_, err := ios.Open(ctx, dir, nil, t.TempDir())
			if !errors.Is(err, ios.ErrNotBackup) || !strings.Contains(err.Error(), name) {
				t.Fatalf("Open: %v", err)
			}
		})
	}
	t.Run("symlink to a file outside", func(t *testing.T) {
		dir := write(t, "", chat, iostest.BackupOptions{})
		id := ios.FileID(domain, "ChatStorage.sqlite")
		p := filepath.Join(dir, id[:2], id)
		os.Remove(p)
		outside := filepath.Join(t.TempDir(), "secret")
		os.WriteFile(outside, bytes.Repeat([]byte("s"), 100), 0o600)
		os.Symlink(outside, p)
		b, err := ios.Open(ctx, dir, nil, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		f, _ := b.Stat(ctx, domain, "ChatStorage.sqlite")
		if _, err := b.Extract(ctx, f, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "regular") {
			t.Fatalf("Extract through a symlink: %v", err)
		}
		os.Remove(filepath.Join(dir, "Info.plist"))
		os.Symlink(outside, filepath.Join(dir, "Info.plist"))
		if _, err := ios.Open(ctx, dir, nil, t.TempDir()); !errors.Is(err, ios.ErrNotBackup) {
			t.Fatalf("Open with a symlinked Info.plist: %v", err)
		}
	})
	t.Run("damaged keybag", func(t *testing.T) {
		dir := write(t, "pw", chat, iostest.BackupOptions{})
		mp := filepath.Join(dir, "Manifest.plist")
		b, _ := os.ReadFile(mp)
		i := bytes.Index(b, []byte("WPKY"))
		b[i+5] = 0xff // the first class key's length now runs past the keybag
		os.WriteFile(mp, b, 0o600)
		_, err := ios.Open(ctx, dir, []byte("pw"), t.TempDir())
		if !errors.Is(err, ios.ErrKeybag) || !strings.Contains(err.Error(), "Manifest.plist") {
			t.Fatalf("Open: %v", err)
		}
	})
	for _, pw := range []string{"", "pw"} {
		t.Run("truncated file pw="+pw, func(t *testing.T) {
			dir := write(t, pw, chat, iostest.BackupOptions{})
			p := filepath.Join(dir, ios.FileID(domain, "ChatStorage.sqlite")[:2], ios.FileID(domain, "ChatStorage.sqlite"))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-16], 0o600)
			extractErr(t, dir, pw, ios.ErrIncomplete, ios.ErrCorrupt)
		})
		t.Run("missing file pw="+pw, func(t *testing.T) {
			dir := write(t, pw, []iostest.BackupFile{{Domain: domain, RelativePath: "ChatStorage.sqlite", Data: []byte("x"), Missing: true}}, iostest.BackupOptions{})
			extractErr(t, dir, pw, ios.ErrIncomplete)
		})
	}
}

func extractErr(t *testing.T, dir, pw string, want ...error) {
	t.Helper()
	b, err := ios.Open(context.Background(), dir, []byte(pw), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f, err := b.Stat(t.Context(), domain, "ChatStorage.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Extract(t.Context(), f, &bytes.Buffer{})
	for _, w := range want {
		if errors.Is(err, w) && strings.Contains(err.Error(), f.ID) {
			return
		}
	}
	t.Fatalf("Extract: %v, want one of %v naming %s", err, want, f.ID)
}
