package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/durable"
)

func runCapture(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "web" {
		return usagef("want: capture web --list FILE --whatsapp-url URL --out DIR")
	}
	fs := newFlags(e, "capture web", "capture web --list FILE --whatsapp-url URL --out DIR [--max-messages N] [--case ID]")
	var c commonFlags
	c.register(fs)
	var af acqFlags
	af.register(fs)
	url := fs.String("whatsapp-url", "https://web.whatsapp.com/", "WhatsApp Web")
	chromium := fs.String("chromium", web.DefaultChromium, "the Chromium binary")
	linkWait := fs.Duration("link-timeout", 10*time.Minute, "how long to wait for the client to scan the QR code")
	if _, err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	job, err := af.job()
	if err != nil {
		return err
	}
	if _, err := os.Stat(*chromium); err != nil {
		return usagef("--chromium: %v (scripts/setup installs Debian's chromium)", err)
	}
	intro := fmt.Sprintf("opening WhatsApp Web for %d chats", len(job.List.Entries))
	return acquire(ctx, e, c, intro, func(a *appliance.Appliance) ([]certify.ChatOutcome, error) {
		return a.Certify().CaptureWeb(ctx, certify.WebJob{
			URL: *url, Chromium: *chromium, List: job.List, MaxMessages: job.MaxMessages, Case: job.Case,
			Operator: job.Operator, OutDir: job.OutDir, LinkTimeout: *linkWait, Client: job.Client, Purpose: job.Purpose,
			OnQR:     func(qr web.QR) { showQR(e, qr, job.OutDir) },
			Progress: func(p web.Progress) { showProgress(e, p) },
		})
	})
}

// showQR prints the code for the client to scan, and saves it as a picture for a second screen; WhatsApp Web
// changes the code about every 20 s, and each new one is printed and replaces the picture.
func showQR(e *env, qr web.QR, outDir string) {
	fmt.Fprintln(e.stdout, "Ask the client to open WhatsApp → Linked devices → Link a device, and scan this code (it changes every 20 s or so):")
	if err := printQR(e.stdout, qr.PNG); err != nil {
		fmt.Fprintf(e.stdout, "(the code cannot be drawn here: %v)\n", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err == nil {
		path := filepath.Join(outDir, "qr.png")
		if err := durable.Replace(path, qr.PNG, 0o600); err == nil {
			fmt.Fprintf(e.stdout, "the same code as a picture: %s\n", path)
		}
	}
	fmt.Fprintln(e.stdout, "waiting for the link…")
}

// showProgress prints each stage of each chat, and its outcome when it is done.
func showProgress(e *env, p web.Progress) {
	what := p.Stage
	if p.Stage == "done" {
		what = string(p.Status)
	}
	fmt.Fprintf(e.stdout, "  chat %d of %d %s: %s (%d messages so far)\n", p.Chat, p.Of, p.Phone, what, p.Messages)
}
