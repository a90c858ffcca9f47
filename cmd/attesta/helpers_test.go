package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/capture/ios/iostest"
)

// rossi is the acquisition list's row of the sample chat's correspondent.
const rossi = "3331112222;Mario Rossi;2026-01-10;2026-01-20"

// writeList writes an acquisition list, its header and rows, into dir/name and returns its path.
func writeList(t testing.TB, dir, name string, rows ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("numero;nominativo;dal;al\n"+strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// androidBackup writes the sample chat's crypt15 backup into dir and returns its path and key.
func androidBackup(t *testing.T, dir string) (string, android.Key) {
	t.Helper()
	backup := filepath.Join(dir, "msgstore.db.crypt15")
	key, err := msgstoretest.WriteCrypt15(t.Context(), backup, msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return backup, key
}

// iphoneBackup writes the sample iPhone backup made with opts into dir/backup and returns its path.
func iphoneBackup(t *testing.T, dir string, opts iostest.WhatsAppOptions) string {
	t.Helper()
	backup := filepath.Join(dir, "backup")
	if err := iostest.WriteWhatsAppBackup(t.Context(), backup, iostest.Sample(iosDay), opts); err != nil {
		t.Fatal(err)
	}
	return backup
}
