package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/attesta/attesta/internal/strictjson"
)

// The chain of custody as data: artifacts/custody.jsonl.
//
// One JSON object per line, in the order the actions were taken, each
//
//	{"format":"attesta.custody/v1","seq":1,"time":"2026-01-15T09:10:00Z","action":"artifact","chat":"+39…","fields":{…}}
//
// seq counts from 1 without gaps; time is RFC 3339 in UTC; action is a stable code (see [CustodyAction]); chat,
// when present, is the chat (E.164) the action concerns; fields are strings, keyed by stable lower-case names. The
// file is an artifact of the manifest (kind "log", path [CustodyPath]), so its SHA-256 is sealed with the manifest
// and `attesta verify` rejects a changed line. Deliveries made before it existed do not carry it: verify notes its
// absence and the delivery stays valid. A new version is a new format string.
const (
	CustodyFormat = "attesta.custody/v1"
	CustodyPath   = "artifacts/custody.jsonl"
	// MaxCustodySize bounds the custody log verify reads.
	MaxCustodySize = 16 << 20
)

// Custody action codes the appliance writes. Readers print an unknown code as it is.
const (
	CustodyStart       = "acquisition-start" // fields: method, leaf
	CustodyLinked      = "link"              // WhatsApp Web linked by QR; fields: account, build, bridge, browser, clock_offset
	CustodyLinkLost    = "link-lost"         // fields: chats (not finished)
	CustodyLinkRefused = "link-refused"      // another account linked; fields: linked, expected, reason
	CustodyCapture     = "capture"           // one step of a capture; fields: event, step and the step's own
	CustodyArtifact    = "artifact"          // an artifact stored encrypted and journaled; fields: kind, sha256, size, leaf
	CustodyMediaMissed = "media-missing"     // a media file not obtained; fields: path, error
	CustodySealed      = "delivery-sealed"   // fields: leaf, tree_size
	// CustodyReceived: a backup the client uploaded through the remote page; fields: channel, sha256, size, leaf.
	CustodyReceived = "backup-received"
	// CustodyCloud: one step of a cloud backup restored on the studio's lab phone; fields: step, operator,
	// platform, device, leaf, and the step's own (backup_date for "restored").
	CustodyCloud = "cloud-restore"
)

// CustodyAction is one action of the chain of custody.
type CustodyAction struct {
	At     time.Time
	Action string            // a Custody* code
	Chat   string            // the chat it concerns (E.164), empty for the whole acquisition
	Fields map[string]string // what identifies it: leaf indexes, digests, counts
}

type custodyLine struct {
	Format string            `json:"format"`
	Seq    int               `json:"seq"`
	Time   time.Time         `json:"time"`
	Action string            `json:"action"`
	Chat   string            `json:"chat,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// CustodyFor returns the actions of the acquisition that concern the chat phone: those of the whole acquisition
// and those of that chat, not those of the acquisition's other chats.
func CustodyFor(actions []CustodyAction, phone string) []CustodyAction {
	var out []CustodyAction
	for _, a := range actions {
		if a.Chat == "" || a.Chat == phone {
			out = append(out, a)
		}
	}
	return out
}

// EncodeCustody writes actions as custody.jsonl.
func EncodeCustody(actions []CustodyAction) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, a := range actions {
		if a.Action == "" {
			return nil, fmt.Errorf("bundle: custody action %d: no action code", i+1)
		}
		if err := enc.Encode(custodyLine{Format: CustodyFormat, Seq: i + 1, Time: a.At.UTC(), Action: a.Action,
			Chat: a.Chat, Fields: a.Fields}); err != nil {
			return nil, fmt.Errorf("bundle: custody action %d: %w", i+1, err)
		}
	}
	return buf.Bytes(), nil
}

// DecodeCustody reads custody.jsonl strictly: every line one object of [CustodyFormat], no unknown member, seq
// counting from 1, an action code, a final newline. Errors name the line.
func DecodeCustody(data []byte) ([]CustodyAction, error) {
	if len(data) > MaxCustodySize {
		return nil, fmt.Errorf("bundle: %s: more than %d bytes", CustodyPath, MaxCustodySize)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return nil, fmt.Errorf("bundle: %s: no newline at the end", CustodyPath)
	}
	var out []CustodyAction
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			break
		}
		name := fmt.Sprintf("%s: line %d", CustodyPath, n+1)
		var l custodyLine
		if err := strictjson.DecodeFormat(name, line, CustodyFormat, &l); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		switch {
		case l.Seq != n+1:
			return nil, fmt.Errorf("bundle: %s: seq %d, want %d", name, l.Seq, n+1)
		case l.Action == "":
			return nil, fmt.Errorf("bundle: %s: no action code", name)
		case l.Time.IsZero():
			return nil, fmt.Errorf("bundle: %s: no time", name)
		}
		out = append(out, CustodyAction{At: l.Time, Action: l.Action, Chat: l.Chat, Fields: l.Fields})
	}
	return out, nil
}

// custody checks the custody log when the manifest lists it (its digest is the artifact check's): it must read as
// [CustodyFormat], concern this delivery's chat only, and record the storing of every file of the manifest (an
// "artifact" action with its SHA-256). A delivery without one is noted, not failed: it was made before the log was
// delivered.
func (v *verifier) custody() {
	listed := false
	for _, a := range v.m.Artifacts {
		listed = listed || a.Path == CustodyPath
	}
	if !listed {
		v.skip(CheckCustody, CustodyPath, "custody.no-custody-log-in-the")
		return
	}
	data, ok := v.read(CheckCustody, CustodyPath, MaxCustodySize)
	if !ok {
		return
	}
	actions, err := DecodeCustody(data)
	if err != nil {
		v.failErr(CheckCustody, CustodyPath, "custody.invalid-custody-log", err)
		return
	}
	if chat := otherChat(actions, v.m.Chat.Phone); chat != "" {
		v.fail(CheckCustody, CustodyPath, "custody.other-chat", chat, v.m.Chat.Phone)
		return
	}
	if path := unaccounted(actions, v.m); path != "" {
		v.fail(CheckCustody, CustodyPath, "custody.unaccounted", path)
		return
	}
	v.pass(CheckCustody, CustodyPath, "custody.ok", len(actions), CustodyFormat)
}

// otherChat returns a chat the log names that is not phone, or "".
func otherChat(actions []CustodyAction, phone string) string {
	for _, a := range actions {
		if a.Chat != "" && a.Chat != phone {
			return a.Chat
		}
	}
	return ""
}

// unaccounted returns the path of a file of the manifest (but the log itself) whose content the log does not
// record as stored by the appliance, or "".
func unaccounted(actions []CustodyAction, m *Manifest) string {
	stored := map[string]bool{}
	for _, a := range actions {
		if a.Action == CustodyArtifact {
			stored[a.Fields["sha256"]] = true
		}
	}
	files, err := m.files()
	if err != nil {
		return ""
	}
	for _, f := range files {
		if f.Path != CustodyPath && !stored[f.SHA256] {
			return f.Path
		}
	}
	return ""
}
