package web

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// qrCheckEvery is how often WatchQR looks for a new code; WhatsApp Web changes it about every 20 s.
const qrCheckEvery = time.Second

// reloadQRButton is the control an idle logged-out page shows in place of the code ("Click to reload QR code").
const reloadQRButton = `button:has(span[data-icon="refresh-large"])`

// WatchQR shows the QR code until the phone links the session, then returns as WaitLinked does. The client may
// take minutes to find the phone and open Linked devices, while WhatsApp Web changes the code about every 20 s
// and, after a few codes, stops offering them until "Click to reload QR code": WatchQR calls show with every new
// code and wakes an idle page (recorded as an action), so that the code on the client's screen always links.
// It fails with [ErrNotLinked] after Options.LinkTimeout or the ctx deadline.
func (s *Session) WatchQR(ctx context.Context, show func(QR)) error {
	timeout := s.linkTimeout(ctx)
	start := time.Now()
	shown := ""
	for {
		st, err := s.state(ctx)
		switch {
		case err != nil:
			// The page may be reloading; the next look decides.
		case st.linked() || st.Socket == "PAIRING" || st.Socket == "CONNECTED":
			return s.WaitLinked(ctx)
		case st.Socket == "UNPAIRED_IDLE":
			if err := s.reloadQR(ctx); err != nil {
				s.log.WarnContext(ctx, "whatsapp web: reload the idle QR code", "error", err)
			}
		case st.Socket == "UNPAIRED" && st.Ref != "" && st.Ref != shown:
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			qr, err := s.QR(qctx)
			cancel()
			if err == nil {
				shown = st.Ref
				show(qr)
			}
		}
		if time.Since(start) > timeout {
			return fmt.Errorf("%w: the QR code was not scanned within %v (Socket.state %s); show the new QR and retry",
				ErrNotLinked, timeout, orUnknown(st.Socket))
		}
		if err := sleep(ctx, qrCheckEvery); err != nil {
			return err
		}
	}
}

// reloadQR clicks "Click to reload QR code" on an idle page.
func (s *Session) reloadQR(ctx context.Context) error {
	if err := s.event(ctx, "action", map[string]any{"action": "qr-reload"}); err != nil {
		return err
	}
	c, cancel := s.runFor(ctx, 10*time.Second)
	defer cancel()
	return chromedp.Do(c, chromedp.Click(chromedp.CSS(reloadQRButton)))
}
