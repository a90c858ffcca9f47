package web

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/attesta/attesta/evidence"
)

// Anomaly codes the capture writes on messages, besides the rule's own.
const (
	AnomalyNoMessageInfo     = "no-message-info"        // queryMsgInfo threw: the local store has no receipts for it
	AnomalyEmptyMessageInfo  = "message-info-empty"     // message info found but empty although the ack claims more
	AnomalyMediaGone         = "media-gone"             // the CDN no longer has the media
	AnomalyMediaReuploading  = "media-reuploading"      // the media is waiting for the sender's phone to re-upload it
	AnomalyMediaFailed       = "media-download-failed"  // any other download failure
	AnomalyHashMismatch      = "whatsapp-hash-mismatch" // the bytes do not match WhatsApp's own filehash
	AnomalyTickDisagrees     = "dom-tick-disagrees"     // the on-screen tick says something else than the ack
	AnomalyRowNotFound       = "dom-row-not-found"      // the message could not be brought into view
	AnomalyScreenshotSkipped = "screenshot-skipped"     // no screenshot: the chat was not opened (see the chat)
)

// Capture acquires every target in order, handing each piece to the Recorder as it is acquired. It returns a
// result for every target even when it stops early: a chat it did not reach is pending, the chat it was in is
// partial. It stops with [ErrLinkLost] when the device is logged out or the browser goes away (use [Session.Resume]
// after a new link), with ctx's error when cancelled, and with the Recorder's error when a record cannot be kept.
func (s *Session) Capture(ctx context.Context, targets []Target) (*Result, error) {
	res := &Result{Environment: s.env, Chats: make([]ChatResult, len(targets))}
	idx := make([]int, len(targets))
	for i, t := range targets {
		res.Chats[i] = ChatResult{Target: t, Status: StatusPending, Chat: evidence.Chat{Phone: t.Phone, Name: t.Name}}
		idx[i] = i
	}
	if err := s.event(ctx, "capture-start", map[string]any{"chats": len(targets), "bridge_version": BridgeVersion,
		"whatsapp_build": s.env.WhatsAppBuild}); err != nil {
		return res, err
	}
	return res, s.captureChats(ctx, res, idx)
}

// Resume captures again the chats of prev that are not final (pending or partial), after a new link
// ([Session.WaitLinked]), and returns the merged result; complete, not-found and out-of-reach chats are kept as
// they are. prev is not modified.
func (s *Session) Resume(ctx context.Context, prev *Result) (*Result, error) {
	res := &Result{Environment: s.env, Chats: slices.Clone(prev.Chats)}
	s.reserveNames(prev)
	idx := res.Incomplete()
	if err := s.event(ctx, "capture-resume", map[string]any{"chats": len(idx), "of": len(res.Chats),
		"whatsapp_build": s.env.WhatsAppBuild}); err != nil {
		return res, err
	}
	for _, i := range idx {
		t := res.Chats[i].Target
		res.Chats[i] = ChatResult{Target: t, Status: StatusPending, Chat: evidence.Chat{Phone: t.Phone, Name: t.Name}}
	}
	return res, s.captureChats(ctx, res, idx)
}

// reserveNames marks the artifact names prev recorded as used, so that a resumed capture (possibly in a new
// session on the same Recorder) never reuses one.
func (s *Session) reserveNames(prev *Result) {
	for _, c := range prev.Chats {
		for _, a := range c.Artifacts {
			s.reserve(a.Path)
		}
		for _, m := range c.Selection.Messages {
			for _, a := range m.Attachments {
				if a.Path != "" {
					s.reserve(a.Path)
				}
			}
		}
	}
}

func (s *Session) captureChats(ctx context.Context, res *Result, idx []int) error {
	total := 0
	for _, c := range res.Chats {
		total += len(c.Selection.Messages)
	}
	for _, i := range idx {
		cc := &chatCapture{s: s, res: &res.Chats[i], n: i + 1, of: len(res.Chats), total: &total}
		if err := s.ensureLinked(ctx); err != nil {
			return err
		}
		err := cc.run(ctx)
		if err == nil {
			total += len(cc.res.Selection.Messages)
			cc.progress("done")
			continue
		}
		err = s.classify(ctx, err)
		cc.res.Status = StatusPartial
		cc.res.Reason = fmt.Sprintf("interrupted while %s: %v", cc.stage, err)
		cc.finish(ctx)
		total += len(cc.res.Selection.Messages)
		return fmt.Errorf("capture chat %d/%d %s: %w", cc.n, cc.of, cc.res.Target.Phone, err)
	}
	return s.event(ctx, "capture-end", map[string]any{"chats": len(idx)})
}

// ensureLinked fails with ErrLinkLost when the page is no longer linked.
func (s *Session) ensureLinked(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := s.state(ctx)
	if err != nil {
		return fmt.Errorf("%w: the page does not answer: %v", ErrLinkLost, err)
	}
	if !st.linked() {
		return fmt.Errorf("%w: Socket.state is %s", ErrLinkLost, orUnknown(st.Socket))
	}
	return s.sameAccount(st)
}

// sameAccount refuses to read from a session whose account was refused at the link, or changed since.
func (s *Session) sameAccount(st pageState) error {
	if s.refused != nil {
		return fmt.Errorf("whatsapp web: %w", s.refused)
	}
	if s.env.OwnWid != "" && st.Wid != s.env.OwnWid {
		return fmt.Errorf("whatsapp web: %w", &AccountError{Linked: orUnknown(st.Wid), Expected: s.env.OwnWid,
			Reason: "the linked account changed during the capture"})
	}
	return nil
}

// classify turns the failure of a bridge call into ErrLinkLost when the link (or the page) is gone: a logged-out
// page also lacks the app's modules, which must not be mistaken for an unsupported build.
func (s *Session) classify(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrLinkLost) {
		return err
	}
	var rec *recordError
	if errors.As(err, &rec) {
		return err
	}
	if lerr := s.ensureLinked(context.WithoutCancel(ctx)); lerr != nil {
		return fmt.Errorf("%w (%v)", lerr, err)
	}
	return err
}
