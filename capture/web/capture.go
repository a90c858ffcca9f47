package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

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

// recordError is a Recorder failure: it is never retried or reclassified.
type recordError struct{ err error }

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

// chatCapture is the capture of one chat.
type chatCapture struct {
	s      *Session
	res    *ChatResult
	n, of  int
	total  *int
	stage  string
	sum    chatSummary
	digits string

	history  []evidence.Message
	keys     map[string]string // bare id -> serialized key
	media    map[string]*jsMedia
	fetched  map[string]bool // media fetched (or tried)
	infoDone map[string]bool
}

func (c *chatCapture) progress(stage string) {
	c.stage = stage
	if c.s.opts.Progress != nil {
		c.s.opts.Progress(Progress{Chat: c.n, Of: c.of, Phone: c.res.Target.Phone, Stage: stage,
			Messages: *c.total + len(c.res.Selection.Messages), Status: c.res.Status})
	}
}

func (c *chatCapture) action(ctx context.Context, action string, fields map[string]any) error {
	f := map[string]any{"action": action, "chat": c.res.Chat.JID, "phone": c.res.Target.Phone}
	for k, v := range fields {
		f[k] = v
	}
	if err := c.s.event(ctx, "action", f); err != nil {
		return &recordError{err}
	}
	return nil
}

func (c *chatCapture) run(ctx context.Context) error {
	c.digits = strings.TrimPrefix(c.res.Target.Phone, "+")
	c.progress("resolve")
	found, err := c.resolve(ctx)
	if err != nil || !found {
		if err == nil {
			c.finish(ctx)
		}
		return err
	}
	c.progress("history")
	outOfReach, why, err := c.loadHistory(ctx, c.s.opts.HistoryTimeout)
	if err != nil {
		return err
	}
	c.progress("messages")
	if err := c.readMessages(ctx); err != nil {
		return err
	}
	c.progress("receipts")
	if err := c.enrich(ctx); err != nil {
		return err
	}
	c.progress("screenshots")
	if err := c.screenshots(ctx); err != nil {
		return err
	}
	c.res.Selection = evidence.Certify(c.res.Chat, c.history, c.res.Target.Range, c.res.Target.N)
	switch {
	case outOfReach:
		c.res.Status, c.res.Reason = StatusOutOfReach, OutOfReachExplanation
	case why != "":
		c.res.Status, c.res.Reason = StatusPartial, why
	default:
		c.res.Status = StatusComplete
	}
	return c.finish(ctx)
}

// finish records the chat's status (also after a failure, keeping what was acquired).
func (c *chatCapture) finish(ctx context.Context) error {
	if c.history != nil && len(c.res.Selection.Messages) == 0 {
		c.res.Selection = evidence.Certify(c.res.Chat, c.history, c.res.Target.Range, c.res.Target.N)
	}
	err := c.s.event(ctx, "chat-status", map[string]any{"phone": c.res.Target.Phone, "chat": c.res.Chat.JID,
		"status": string(c.res.Status), "reason": c.res.Reason, "certified": c.res.Selection.Certified,
		"messages": len(c.res.Selection.Messages), "sent_in_range": c.res.Selection.SentInRange,
		"range": c.res.Target.Range.String(), "artifacts": len(c.res.Artifacts)})
	if err != nil {
		return &recordError{err}
	}
	return nil
}

func (c *chatCapture) resolve(ctx context.Context) (bool, error) {
	var sum *chatSummary
	if err := c.s.callCtx(ctx, &sum, "resolve", c.digits); err != nil {
		return false, err
	}
	if sum == nil {
		c.res.Status = StatusNotFound
		c.res.Reason = fmt.Sprintf("no chat with %s on the linked account (looked for %s@c.us, its LID, and LID chats "+
			"mapped to it)", c.res.Target.Phone, c.digits)
		return false, c.action(ctx, "resolve", map[string]any{"found": false})
	}
	c.sum = *sum
	c.res.Chat.JID = sum.ID
	return true, c.action(ctx, "resolve", map[string]any{"found": true, "via": sum.Via, "title": sum.Title,
		"unread": sum.Unread})
}

// loadHistory loads older messages until the oldest loaded one is before the range, asking the phone once for
// on-demand history when the device has no more. It reports out-of-reach when the history the device can obtain
// ends after the range starts and more remains on the phone, and a reason when the phone did not answer in time.
func (c *chatCapture) loadHistory(ctx context.Context, timeout time.Duration) (outOfReach bool, why string, err error) {
	from, _ := c.res.Target.Range.Bounds()
	sum := c.sum
	requested := false
	var deadline time.Time
	for sum.Oldest == 0 || sum.Oldest > from.Unix() {
		if err := c.s.ensureLinked(ctx); err != nil {
			return false, "", err
		}
		var next chatSummary
		if err := c.s.callCtx(ctx, &next, "loadEarlier", sum.ID); err != nil {
			return false, "", err
		}
		if err := c.action(ctx, "load-earlier", map[string]any{"loaded": next.Added, "oldest": next.Oldest,
			"polling": requested}); err != nil {
			return false, "", err
		}
		sum = next
		if next.Added > 0 {
			continue
		}
		switch {
		case next.EndOfHistory == 0 && !requested:
			if err := c.s.callCtx(ctx, &next, "requestHistory", sum.ID); err != nil {
				return false, "", err
			}
			if err := c.action(ctx, "history-request", map[string]any{"operation": 3}); err != nil {
				return false, "", err
			}
			requested, deadline = true, time.Now().Add(timeout)
		case next.EndOfHistory == 0 && time.Now().Before(deadline):
			// the phone has not answered yet
		case next.EndOfHistory == 0:
			c.res.HistoryOldest = unixOrZero(sum.Oldest)
			return false, fmt.Sprintf("the phone did not answer the request for older history within %v; "+
				"messages before %s may be missing", timeout, unixOrZero(sum.Oldest)), nil
		default:
			c.res.HistoryOldest = unixOrZero(sum.Oldest)
			return historyRemainsOnPhone(next.EndOfHistory), "", nil
		}
		if err := sleep(ctx, 150*time.Millisecond); err != nil {
			return false, "", err
		}
	}
	c.res.HistoryOldest = unixOrZero(sum.Oldest)
	return false, "", nil
}

// historyRemainsOnPhone reads endOfHistoryTransferType once the device can load nothing more: 0 means more can be
// requested, 1 that the rest stays on the phone (beyond what a linked device can obtain), 2 that the history is
// complete. Unknown values are taken as "remains": the capture must not claim a chat began later than it did.
func historyRemainsOnPhone(eoh int) bool { return eoh != 2 }

func unixOrZero(t int64) evidence.Time {
	if t <= 0 {
		return evidence.Time{}
	}
	return evidence.Unix(t)
}

func (c *chatCapture) readMessages(ctx context.Context) error {
	var msgs []jsMessage
	if err := c.s.callCtx(ctx, &msgs, "messages", c.sum.ID); err != nil {
		return err
	}
	c.history = make([]evidence.Message, 0, len(msgs))
	c.keys = make(map[string]string, len(msgs))
	c.media = make(map[string]*jsMedia)
	c.fetched = make(map[string]bool)
	c.infoDone = make(map[string]bool)
	for i := range msgs {
		m, err := toEvidence(&msgs[i])
		if err != nil {
			return fmt.Errorf("chat %s message %d: %w", c.sum.ID, i, err)
		}
		c.history = append(c.history, m)
		c.keys[m.ID] = msgs[i].Key
		if msgs[i].Media != nil {
			c.media[m.ID] = msgs[i].Media
		}
	}
	edits := map[string]string{}
	for _, j := range msgs {
		if j.Edited {
			edits[j.ID] = j.EditKey
		}
	}
	return c.action(ctx, "read-messages", map[string]any{"loaded": len(msgs), "edited": edits})
}

// toEvidence converts a bridge message record. Text is the body of a text message or the caption of media, never
// a media body (a thumbnail).
func toEvidence(j *jsMessage) (evidence.Message, error) {
	if j.ID == "" {
		return evidence.Message{}, errors.New("message without id")
	}
	if j.T <= 0 {
		return evidence.Message{}, fmt.Errorf("message %s: time %d is not a unix time", j.ID, j.T)
	}
	m := evidence.Message{ID: j.ID, FromMe: j.FromMe, SentAt: evidence.Unix(j.T), Type: evidence.TypeFromWhatsApp(j.Type),
		SourceType: j.Type, Edited: j.Edited, Author: j.Author}
	if j.FromMe {
		m.Ack = evidence.Ack(j.Ack)
	}
	switch {
	case m.Type == evidence.TypeRevoked:
	case m.Type == evidence.TypeText && j.Body != nil && *j.Body != "":
		m.Text = ptr(*j.Body)
	case m.Type != evidence.TypeText && j.Caption != nil && *j.Caption != "":
		m.Text = ptr(*j.Caption)
	}
	if j.Quoted != "" {
		m.QuotedID = ptr(j.Quoted)
	}
	return m, nil
}

func ptr[T any](v T) *T { return &v }

// enrich reads receipts of the certified messages and media of every selected message. Certify is re-run after
// each pass because receipts can change which later reply a verdict relies on.
func (c *chatCapture) enrich(ctx context.Context) error {
	for pass := 0; pass < 3; pass++ {
		sel := evidence.Certify(c.res.Chat, c.history, c.res.Target.Range, c.res.Target.N)
		c.res.Selection = sel
		todo := 0
		for _, id := range sel.Certified {
			if !c.infoDone[id] {
				todo++
				if err := c.receipts(ctx, id); err != nil {
					return err
				}
			}
		}
		c.progress("media")
		for _, m := range sel.Messages {
			if _, ok := c.media[m.ID]; ok && !c.fetched[m.ID] {
				todo++
				if err := c.download(ctx, m.ID); err != nil {
					return err
				}
			}
		}
		if todo == 0 {
			break
		}
	}
	return nil
}

func (c *chatCapture) msg(id string) *evidence.Message {
	for i := range c.history {
		if c.history[i].ID == id {
			return &c.history[i]
		}
	}
	return nil
}

func (c *chatCapture) receipts(ctx context.Context, id string) error {
	c.infoDone[id] = true
	m := c.msg(id)
	var info jsInfo
	if err := c.s.callCtx(ctx, &info, "msgInfo", c.sum.ID, c.keys[id]); err != nil {
		return err
	}
	if !info.Found {
		detail := fmt.Sprintf("queryMsgInfo found no message info (%s); receipt times unknown, not invented", info.Error)
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyNoMessageInfo, Detail: detail})
		return c.action(ctx, "message-info", map[string]any{"id": id, "found": false, "error": info.Error})
	}
	for _, l := range []struct {
		kind evidence.ReceiptKind
		rs   []jsReceipt
	}{{evidence.ReceiptDelivered, info.Delivery}, {evidence.ReceiptRead, info.Read}, {evidence.ReceiptPlayed, info.Played}} {
		for _, r := range l.rs {
			if r.T <= 0 {
				continue
			}
			m.Receipts = append(m.Receipts, evidence.Receipt{Recipient: recipient(r.ID), Kind: l.kind, At: evidence.Unix(r.T)})
		}
	}
	if len(m.Receipts) == 0 && m.Ack >= evidence.AckReceived {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyEmptyMessageInfo,
			Detail: fmt.Sprintf("message info is empty although the ack is %v", m.Ack)})
	}
	return c.action(ctx, "message-info", map[string]any{"id": id, "found": true, "receipts": len(m.Receipts)})
}

// recipient writes a phone wid as E.164 and leaves any other wid (an unmapped LID) as it is.
func recipient(wid string) string {
	if user, ok := strings.CutSuffix(wid, "@c.us"); ok && user != "" && strings.Trim(user, "0123456789") == "" {
		return "+" + user
	}
	return wid
}

func (c *chatCapture) download(ctx context.Context, id string) error {
	c.fetched[id] = true
	m, md := c.msg(id), c.media[id]
	var dl jsDownload
	if err := c.s.callCtx(ctx, &dl, "download", c.sum.ID, c.keys[id]); err != nil {
		return err
	}
	att := evidence.Attachment{MIME: md.MIME}
	if !dl.OK {
		code, state := AnomalyMediaFailed, "error: "+dl.Error
		switch {
		case dl.Stage == "REUPLOADING":
			code, state = AnomalyMediaReuploading, "reuploading"
		case dl.Status == 404 || dl.Stage == "ERROR_MISSING":
			code, state = AnomalyMediaGone, "gone"
		}
		att.Unavailable = state
		m.Attachments = append(m.Attachments, att)
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: code,
			Detail: fmt.Sprintf("media download failed (%s; stage %s)", dl.Error, orUnknown(dl.Stage))})
		return c.action(ctx, "download-media", map[string]any{"id": id, "ok": false, "state": state, "error": dl.Error})
	}
	name := c.s.artifactName(fmt.Sprintf("chats/%s/media/%s%s", c.digits, id, extension(md)))
	sum, size, err := c.s.opts.Recorder.Artifact(ctx, string(evidence.ArtifactMedia), name, bytes.NewReader(dl.Data))
	if err != nil {
		return &recordError{fmt.Errorf("record media %s: %w", name, err)}
	}
	att.Path, att.SHA256, att.Size = name, sum, size
	if md.Filehash != "" {
		ok := hashMatches(dl.Data, md.Filehash)
		att.WhatsAppHashOK = &ok
		if !ok {
			m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyHashMismatch,
				Detail: fmt.Sprintf("SHA-256 of the downloaded bytes is not WhatsApp's filehash %s", md.Filehash)})
		}
	}
	m.Attachments = append(m.Attachments, att)
	return c.action(ctx, "download-media", map[string]any{"id": id, "ok": true, "sha256": sum, "size": size,
		"whatsapp_hash_ok": att.WhatsAppHashOK})
}

// hashMatches compares data with WhatsApp's filehash (base64 of the plaintext's SHA-256).
func hashMatches(data []byte, filehash string) bool {
	want, err := base64.StdEncoding.DecodeString(filehash)
	if err != nil {
		return false
	}
	got := sha256.Sum256(data)
	return bytes.Equal(got[:], want)
}

// extension picks a file extension from the original file name, else the MIME type.
func extension(md *jsMedia) string {
	if i := strings.LastIndexByte(md.Filename, '.'); i >= 0 && len(md.Filename)-i <= 6 && !strings.ContainsAny(md.Filename[i:], "/\\ ") {
		return strings.ToLower(md.Filename[i:])
	}
	base, _, _ := strings.Cut(md.MIME, ";")
	switch strings.TrimSpace(base) {
	case "image/jpeg":
		return ".jpg"
	case "audio/ogg":
		return ".ogg"
	case "video/mp4":
		return ".mp4"
	case "application/pdf":
		return ".pdf"
	}
	if exts, _ := mime.ExtensionsByType(strings.TrimSpace(base)); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
