package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attesta/attesta/evidence"
)

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
