package web

import (
	"fmt"

	"github.com/attesta/attesta/evidence"
)

// Target is one line of an acquisition list: a chat and what to certify in it.
type Target struct {
	Phone string         // E.164, e.g. "+393771151946"
	Name  string         // the nominativo
	Range evidence.Range // whole days in Europe/Rome
	N     int            // messages to certify: the plan (5, 10, 20 or 50)
}

// TargetsFromList turns an acquisition list into targets certifying n messages each.
func TargetsFromList(l evidence.List, n int) []Target {
	out := make([]Target, 0, len(l.Entries))
	for _, e := range l.Entries {
		out = append(out, Target{Phone: e.Phone, Name: e.Name, Range: e.Range, N: n})
	}
	return out
}

// Status is how far the capture of one chat got.
type Status string

// Chat statuses. Complete, NotFound and OutOfReach are final: [Session.Resume] does not retry them.
const (
	StatusPending    Status = "pending"      // not attempted yet (the session stopped before it)
	StatusComplete   Status = "complete"     // everything asked was acquired
	StatusPartial    Status = "partial"      // interrupted or impaired; Reason says what is missing
	StatusNotFound   Status = "not-found"    // no chat with this number on the linked account
	StatusOutOfReach Status = "out-of-reach" // the range is older than the history the linked device can obtain
)

// Final reports whether a resumed session should leave the chat as it is.
func (s Status) Final() bool {
	return s == StatusComplete || s == StatusNotFound || s == StatusOutOfReach
}

// OutOfReachExplanation is the plain explanation recorded with [StatusOutOfReach].
const OutOfReachExplanation = "the requested range starts before the oldest message the linked device could obtain " +
	"from the phone, even after asking it for older history; the earlier messages can only be acquired from the " +
	"phone's cloud backup (Google Drive or iCloud) or from the phone itself (ADB or a local backup)"

// ChatResult is what a capture acquired from one chat.
type ChatResult struct {
	Target Target
	Status Status
	Reason string // for partial and out-of-reach: why, in plain English; for not-found: what was looked for

	Chat evidence.Chat // Phone and Name from the target, JID as resolved
	// Selection is the certified messages (verdicts applied, attachments filled) and the incoming context.
	Selection evidence.Selection
	// Artifacts are the screenshots and the MHTML of this chat; media are in the messages' attachments.
	Artifacts []evidence.Artifact
	// Opened says whether the chat was opened in the UI; Consent whether that needed (and had) the operator's
	// consent because it had unread incoming messages.
	Opened, Consent bool
	// ScreenshotsSkipped says why no screenshots were taken, when none were.
	ScreenshotsSkipped string
	// HistoryOldest is the time of the oldest message the linked device held after loading.
	HistoryOldest evidence.Time
}

// Result is a whole session's capture, one ChatResult per target in list order.
type Result struct {
	Environment Environment
	Chats       []ChatResult
}

// Incomplete returns the chats a resumed session would try again.
func (r *Result) Incomplete() []int {
	var idx []int
	for i, c := range r.Chats {
		if !c.Status.Final() {
			idx = append(idx, i)
		}
	}
	return idx
}

// Progress reports how a capture is going.
type Progress struct {
	Chat     int    // 1-based index of the chat being captured
	Of       int    // chats in the list
	Phone    string // of the chat
	Stage    string // "resolve", "history", "messages", "receipts", "media", "screenshots", "done"
	Messages int    // messages acquired so far in the session (selected, incoming context included)
	Status   Status // of the chat, at stage "done"
}

func (p Progress) String() string {
	return fmt.Sprintf("chat %d/%d %s: %s (%d messages so far)", p.Chat, p.Of, p.Phone, p.Stage, p.Messages)
}
