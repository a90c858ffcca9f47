package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/evidence"
)

// screenshots opens the chat in the UI (only when that cannot send read receipts, or with the operator's
// consent), takes a screenshot of each selected message in view, checks the on-screen tick against the ack, and
// saves an MHTML snapshot of the conversation.
func (c *chatCapture) screenshots(ctx context.Context) error {
	info := ChatInfo{Phone: c.res.Target.Phone, JID: c.sum.ID, Title: c.sum.Title, Unread: c.sum.Unread}
	var latest chatSummary
	if err := c.s.callCtx(ctx, &latest, "summary", c.sum.ID); err != nil {
		return err
	}
	info.Unread = latest.Unread
	if info.Unread > 0 {
		if c.s.opts.AllowOpenUnread == nil || !c.s.opts.AllowOpenUnread(info) {
			return c.skipScreenshots(ctx, fmt.Sprintf("the chat has %d unread incoming messages and opening it would "+
				"send read receipts; the operator did not consent, so it was read through the module layer only", info.Unread))
		}
		c.res.Consent = true
		if err := c.s.event(ctx, "consent", map[string]any{"chat": c.sum.ID, "phone": info.Phone, "unread": info.Unread,
			"effect": "opening the chat sends read receipts for its unread incoming messages"}); err != nil {
			return &recordError{err}
		}
	}
	if err := c.open(ctx, info); err != nil {
		return err
	}
	for _, m := range c.res.Selection.Messages {
		if err := c.shoot(ctx, m.ID); err != nil {
			return err
		}
	}
	return c.snapshot(ctx)
}

func (c *chatCapture) skipScreenshots(ctx context.Context, why string) error {
	c.res.ScreenshotsSkipped = why
	for _, m := range c.res.Selection.Messages {
		if p := c.msg(m.ID); p != nil {
			p.Anomalies = append(p.Anomalies, evidence.Anomaly{Code: AnomalyScreenshotSkipped, Detail: why})
		}
	}
	return c.action(ctx, "screenshots-skipped", map[string]any{"reason": why})
}

// open clicks the chat in the chat list and waits for its conversation.
func (c *chatCapture) open(ctx context.Context, info ChatInfo) error {
	if err := c.action(ctx, "open-chat", map[string]any{"title": info.Title, "unread": info.Unread,
		"consent": c.res.Consent}); err != nil {
		return err
	}
	sel := `#pane-side span[title=` + cssString(info.Title) + `]`
	tctx, cancel := c.s.runFor(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		return fmt.Errorf("open chat %q: %w", info.Title, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var title string
		if err := c.s.callCtx(ctx, &title, "openTitle"); err != nil {
			return err
		}
		if title == info.Title {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("open chat %q: the conversation header shows %q", info.Title, title)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	c.res.Opened = true
	return nil
}

// shoot brings one message into view, checks its tick and takes a screenshot of the conversation.
func (c *chatCapture) shoot(ctx context.Context, id string) error {
	m := c.msg(id)
	var rv jsReveal
	if err := c.s.callCtx(ctx, &rv, "reveal", id); err != nil {
		return err
	}
	fields := map[string]any{"id": id, "found": rv.Found}
	if b := rv.Bubble; rv.Found && b.Width > 0 && b.Height > 0 {
		fields["bubble"] = fmt.Sprintf("%.0f,%.0f,%.0f,%.0f", b.X, b.Y, b.Width, b.Height)
	}
	if err := c.action(ctx, "scroll-to", fields); err != nil {
		return err
	}
	if !rv.Found {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyRowNotFound,
			Detail: "the message could not be brought into view in the conversation; no screenshot"})
		return nil
	}
	if m.FromMe {
		if ok, detail := tickAgrees(m.Ack, rv.Icon, rv.Label); !ok {
			m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyTickDisagrees, Detail: detail})
		}
	}
	png, err := c.s.screenshot(ctx, rv.Box)
	if err != nil {
		return fmt.Errorf("screenshot of message %s: %w", id, err)
	}
	name := fmt.Sprintf("chats/%s/screenshots/%s.png", c.digits, id)
	return c.artifact(ctx, evidence.ArtifactScreenshot, name, png)
}

func (c *chatCapture) snapshot(ctx context.Context) error {
	data, err := c.s.mhtml(ctx)
	if err != nil {
		return fmt.Errorf("mhtml snapshot of %s: %w", c.sum.ID, err)
	}
	return c.artifact(ctx, evidence.ArtifactMHTML, fmt.Sprintf("chats/%s/chat.mhtml", c.digits), data)
}

func (c *chatCapture) artifact(ctx context.Context, kind evidence.ArtifactKind, name string, data []byte) error {
	name = c.s.artifactName(name)
	sum, size, err := c.s.opts.Recorder.Artifact(ctx, string(kind), name, bytes.NewReader(data))
	if err != nil {
		return &recordError{fmt.Errorf("record %s: %w", name, err)}
	}
	c.res.Artifacts = append(c.res.Artifacts, evidence.Artifact{Path: name, SHA256: sum, Size: size, Kind: kind})
	return nil
}

// tickLabels are the on-screen tick labels by status, in the UI languages the capture knows.
var tickLabels = map[string][]string{
	"failed":    {"not sent", "non inviato"},
	"pending":   {"pending", "in attesa"},
	"sent":      {"sent", "inviato"},
	"delivered": {"delivered", "consegnato"},
	"read":      {"read", "letto"},
}

// tickAgrees checks the tick WhatsApp Web shows (data-icon and aria-label) against the module layer's ack.
func tickAgrees(ack evidence.Ack, icon, label string) (bool, string) {
	wantIcon, wantStatus := expectedTick(ack)
	got := labelStatus(label)
	if icon == wantIcon && got == wantStatus {
		return true, ""
	}
	return false, fmt.Sprintf("ack %v, the screen shows icon %q label %q (want %q, %s)", ack, icon, label, wantIcon, wantStatus)
}

func expectedTick(ack evidence.Ack) (icon, status string) {
	switch {
	case ack < 0:
		return "msg-error", "failed"
	case ack == 0:
		return "msg-time", "pending"
	case ack == 1:
		return "msg-check", "sent"
	case ack == 2:
		return "msg-dblcheck", "delivered"
	}
	return "msg-dblcheck", "read"
}

func labelStatus(label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	for status, words := range tickLabels {
		for _, w := range words {
			if l == w {
				return status
			}
		}
	}
	return "unknown"
}

// cssString quotes s for a CSS attribute selector.
func cssString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSpace(b.String())
}
