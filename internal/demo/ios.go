package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
)

// demoIOS writes an encrypted iPhone backup of the sample chats (under a password made up for the run) and
// certifies the client's chat from it, then verifies the delivery.
func demoIOS(ctx context.Context, a *appliance.Appliance, samples, outDir string) (certify.ChatOutcome, error) {
	if err := os.MkdirAll(samples, 0o700); err != nil {
		return certify.ChatOutcome{}, err
	}
	backup := filepath.Join(samples, "iphone-backup")
	const password = "demo-password"
	err := iostest.WriteWhatsAppBackup(ctx, backup, iostest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)),
		iostest.WhatsAppOptions{BackupOptions: iostest.BackupOptions{Password: password}})
	if err != nil {
		return certify.ChatOutcome{}, err
	}
	list, err := evidence.ParseList(strings.NewReader("numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"),
		evidence.ListOptions{Now: time.Now()})
	if err != nil {
		return certify.ChatOutcome{}, err
	}
	outcomes, err := a.Certify().ExtractIOSBackup(ctx, certify.IOSBackupJob{Backup: backup, Password: []byte(password),
		List: list, MaxMessages: 20, Case: "demo-case", Operator: "demo", OutDir: outDir,
		Client: "Studio Legale Esempio", Purpose: "prova della ricezione della disdetta del contratto"})
	if err != nil {
		return certify.ChatOutcome{}, err
	}
	if len(outcomes) != 1 || outcomes[0].Folder == "" {
		return certify.ChatOutcome{}, fmt.Errorf("no iPhone delivery: %+v", outcomes)
	}
	if _, err := bundle.Verify(ctx, outcomes[0].Folder, certify.VerifyOptions(a.Journal().VerifierKey())); err != nil {
		return certify.ChatOutcome{}, err
	}
	return outcomes[0], nil
}
