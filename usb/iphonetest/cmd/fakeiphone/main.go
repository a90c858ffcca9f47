// Command fakeiphone runs the fake iPhone standalone, with the generator's WhatsApp chats as its backup, so that
// Debian's libimobiledevice tools and attesta can be tried by hand without an iPhone:
//
//	go run ./usb/iphonetest/cmd/fakeiphone --password ""   # prints USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT
//	USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT ideviceinfo
//	USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT idevicebackup2 backup --full /tmp/b
//	attesta extract iphone --usbmuxd 127.0.0.1:PORT --list lista.csv --out /tmp/out
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/attesta/attesta/usb/iphonetest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakeiphone:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends; ready, if set, learns the phone.
func run(ctx context.Context, args []string, stdout io.Writer, ready func(*iphonetest.Phone)) error {
	fs := flag.NewFlagSet("fakeiphone", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var cfg iphonetest.Config
	fs.StringVar(&cfg.Name, "name", "", "the phone's DeviceName")
	fs.StringVar(&cfg.BackupPassword, "password", "", "the backup password the phone already holds (empty: none)")
	fs.BoolVar(&cfg.Untrusted, "untrusted", false, "start with \"Trust this computer\" unanswered")
	day := fs.String("day", "2026-01-12", "the day the generated chats are around")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, *day)
	if err != nil {
		return fmt.Errorf("--day: %w", err)
	}
	cfg.Backup = iphonetest.WhatsAppBackup(d.Add(9 * time.Hour))
	p, err := iphonetest.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(stdout, "USBMUXD_SOCKET_ADDRESS=%s\nUDID %s\n", p.Addr, p.UDID)
	if ready != nil {
		ready(p)
	}
	<-ctx.Done()
	return nil
}
