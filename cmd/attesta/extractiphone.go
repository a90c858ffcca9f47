package main

import (
	"context"
	"fmt"
	"os"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/usb/iphone"
)

func runExtractIPhone(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "extract iphone",
		"extract iphone [--udid U] [--password-file FILE] [--business] --list FILE --out DIR [--max-messages N] [--case ID]")
	var c commonFlags
	c.register(fs)
	udid := fs.String("udid", "", "the iPhone's UDID (default: the only iPhone on USB)")
	pwFile := fs.String("password-file", "", "the owner's backup password, when the iPhone already encrypts its backups "+
		"(otherwise the appliance sets a one-time password for the backup and clears it afterwards)")
	business := fs.Bool("business", false, "read WhatsApp Business (default: WhatsApp, else WhatsApp Business)")
	socket := fs.String("usbmuxd", os.Getenv("USBMUXD_SOCKET_ADDRESS"),
		"usbmuxd's address as USBMUXD_SOCKET_ADDRESS spells it: UNIX:/path or HOST:PORT (default /var/run/usbmuxd)")
	var af acqFlags
	af.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	bjob, err := iosJob(&af, *pwFile, *business)
	if err != nil {
		return err
	}
	job := certify.IPhoneJob{Tools: iphone.Tools{Socket: *socket}, UDID: *udid, Password: bjob.Password, IOSBackupJob: bjob}
	job.IOSBackupJob.Password = nil
	last := -1
	job.BackupProgress = func(percent int) {
		if percent/10 != last/10 {
			fmt.Fprintf(e.stdout, "backup: %d%%\n", percent)
		}
		last = percent
	}
	intro := fmt.Sprintf("extracting %d chats from the iPhone on USB", len(job.List.Entries))
	return acquire(ctx, e, c, intro, func(a *appliance.Appliance) ([]certify.ChatOutcome, error) {
		return a.Certify().ExtractIPhone(ctx, job)
	})
}
