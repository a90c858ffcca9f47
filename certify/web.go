package certify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
)

// LeafCaptureEvent records one event of a WhatsApp Web capture: its kind and the SHA-256 of its content. The
// content names chats and numbers, so it goes into the acquisition's encrypted event log, not into the journal.
const LeafCaptureEvent = "capture-event"

// WebJob is a capture over WhatsApp Web.
type WebJob struct {
	URL         string        // WhatsApp Web, or the replica in tests
	Chromium    string        // the browser binary; default web.DefaultChromium
	List        evidence.List // the chats to certify, with their ranges
	MaxMessages int           // the plan bought
	Case        string
	Operator    string
	OutDir      string
	Client      string // who asked for the acquisition, for the report
	Purpose     string // what it is for, in the client's words
	// Sender is the number (E.164) of the studio's client whose WhatsApp is certified, as declared for the case. A
	// link by any other account stops the capture before anything is read ([web.ErrWrongAccount]). Empty: the
	// linked account is recorded, and only a change of account on a resume is refused.
	Sender string
	// OnQR is called with the QR code to show the client (touch UI, remote page, terminal), and again each time
	// WhatsApp Web changes it until the phone links; required.
	OnQR func(web.QR)
	// Progress, when set, is called as the capture goes.
	Progress func(web.Progress)
	// LinkTimeout bounds the wait for the client to scan the code; zero means the capture's default.
	LinkTimeout time.Duration
	// Video configures the recording of the session (one video per chat, in its delivery); NoVideo turns it
	// off. When the recording cannot be made (ffmpeg missing), the session certifies without it and the chain of
	// custody and the report say why.
	Video   web.VideoOptions
	NoVideo bool
}

// CaptureWeb links a WhatsApp Web session by QR, captures the listed chats without causing any read or played
// receipt, and writes one delivery folder per chat found. Every artifact is stored encrypted and journaled as it
// is acquired; an interrupted session keeps what it acquired and says, per chat, what it did not.
func (p *Pipelines) CaptureWeb(ctx context.Context, job WebJob) ([]ChatOutcome, error) {
	if err := evidence.Plan(job.MaxMessages).Validate(); err != nil {
		return nil, err
	}
	if job.OnQR == nil {
		return nil, fmt.Errorf("appliance: capture web: nothing to show the QR code on")
	}
	started := time.Now().UTC()
	acq, err := p.StartAcquisition(ctx, job.Case, string(evidence.MethodWhatsAppWeb), map[string]any{"chats": len(job.List.Entries)})
	if err != nil {
		return nil, err
	}
	acq.Request = report.Request{Client: job.Client, Case: job.Case, Purpose: job.Purpose}
	rec := &acqRecorder{p: p, acq: acq}
	outcomes, err := p.captureWeb(ctx, acq, rec, job, started)
	if lerr := rec.storeLog(ctx); lerr != nil && err == nil {
		err = lerr
	}
	return outcomes, p.finishExtraction(ctx, acq, job.OutDir, outcomes, err)
}

func (p *Pipelines) captureWeb(ctx context.Context, acq *Acquisition, rec *acqRecorder, job WebJob, started time.Time) ([]ChatOutcome, error) {
	chromium := job.Chromium
	if chromium == "" {
		chromium = web.DefaultChromium
	}
	browser, err := web.StartBrowser(ctx, chromium)
	if err != nil {
		return nil, err
	}
	defer browser.Close()
	var video *web.Video
	progress := func(pr web.Progress) {
		if video != nil && pr.Stage == "resolve" {
			// Each chat gets its own video; a video that cannot be made is recorded as such by the capture.
			if err := video.Chat(ctx, pr.Phone); err != nil {
				p.log.ErrorContext(ctx, "session video", "chat", pr.Chat, "error", err)
			}
		}
		if job.Progress != nil {
			job.Progress(pr)
		}
	}
	s, err := web.Open(ctx, browser, job.URL, web.Options{Recorder: rec, Logger: p.log, Progress: progress,
		LinkTimeout: job.LinkTimeout, ExpectedAccount: job.Sender})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	// The code on the client's screen is kept fresh until the phone links the session.
	if err := s.WatchQR(ctx, job.OnQR); err != nil {
		noteWrongAccount(acq, err)
		return nil, err
	}
	if !job.NoVideo {
		if video, err = s.RecordVideo(ctx, job.Video); err != nil {
			p.log.WarnContext(ctx, "session video not recorded", "error", err)
			video = nil
		}
	}
	env := s.Environment()
	acq.note(bundle.CustodyLinked, "", "account", env.LinkedAccount, "build", env.WhatsAppBuild,
		"bridge", strconv.Itoa(env.BridgeVersion), "browser", env.Chromium, "clock_offset", env.ClockOffset.String())
	res, err := s.Capture(ctx, web.TargetsFromList(job.List, job.MaxMessages))
	if res == nil {
		return nil, err
	}
	if errors.Is(err, web.ErrLinkLost) && len(res.Incomplete()) > 0 {
		acq.note(bundle.CustodyLinkLost, "", "chats", strconv.Itoa(len(res.Incomplete())))
		res, err = p.resumeWeb(ctx, acq, s, job, res)
	}
	if video != nil {
		if verr := video.Stop(ctx); verr != nil && err == nil {
			err = verr
		}
	}
	outcomes, derr := p.deliverWeb(ctx, acq, job, res, rec.videoArtifacts(), started)
	if err == nil {
		err = derr
	}
	return outcomes, err
}

// resumeWeb links the session again with a new QR code and captures the chats that were not finished; what was
// acquired before the link was lost is kept. One resume per capture: a second loss ends it, saying what is missing.
func (p *Pipelines) resumeWeb(ctx context.Context, acq *Acquisition, s *web.Session, job WebJob, prev *web.Result) (*web.Result, error) {
	if err := s.WatchQR(ctx, job.OnQR); err != nil {
		noteWrongAccount(acq, err)
		return prev, fmt.Errorf("resume after the link was lost: %w", err)
	}
	res, err := s.Resume(ctx, prev)
	if res == nil {
		return prev, err
	}
	return res, err
}

// deliverWeb writes a delivery per captured chat.
func (p *Pipelines) deliverWeb(ctx context.Context, acq *Acquisition, job WebJob, res *web.Result,
	videos map[string][]evidence.Artifact, started time.Time) ([]ChatOutcome, error) {
	env := res.Environment
	base := evidence.Acquisition{
		ID: acq.ID, Method: evidence.MethodWhatsAppWeb, StartedAt: evidence.At(started), Operator: job.Operator,
		ApplianceID: p.applianceID, ToolVersion: p.version, SenderReadReceipts: env.SenderReceipts,
		LinkedAccount: env.LinkedAccount,
		SourceVersion: fmt.Sprintf("WhatsApp Web %s, bridge v%d, %s", env.WhatsAppBuild, env.BridgeVersion, env.Chromium),
	}
	src := report.Source{WebBuild: env.WhatsAppBuild, BridgeVersion: fmt.Sprint(env.BridgeVersion),
		ExtractionPath: report.PathWhatsAppWeb}
	var outcomes []ChatOutcome
	for i, cr := range res.Chats {
		out := ChatOutcome{Entry: job.List.Entries[i]}
		switch cr.Status {
		case web.StatusNotFound, web.StatusPending:
			out.Problem = fmt.Sprintf("%s: %s", cr.Status, cr.Reason)
			outcomes = append(outcomes, out)
			continue
		case web.StatusPartial, web.StatusOutOfReach:
			out.Problem = fmt.Sprintf("%s: %s", cr.Status, cr.Reason)
		}
		if len(cr.Selection.Certified) == 0 && out.Problem == "" {
			out.Problem = "no message sent by the studio in the range"
		}
		acqInfo := base
		acqInfo.FinishedAt = evidence.At(time.Now().UTC())
		m := &bundle.Manifest{Format: bundle.Format, Acquisition: acqInfo, Chat: cr.Chat, Range: cr.Target.Range,
			Messages:  deliveryMessages(cr.Selection.Messages),
			Artifacts: deliveryArtifacts(append(slices.Clone(cr.Artifacts), videos[cr.Target.Phone]...))}
		folder, err := p.Deliver(ctx, acq, m, job.OutDir, src)
		if err != nil {
			return outcomes, err
		}
		out.delivered(folder, m)
		out.Messages, out.Certified = len(cr.Selection.Messages), len(cr.Selection.Certified)
		outcomes = append(outcomes, out)
	}
	return outcomes, nil
}

// deliveryPath maps a capture artifact name, chats/<digits>/<rest>, to its place in the delivery, artifacts/<rest>.
func deliveryPath(name string) string {
	if rest, ok := strings.CutPrefix(name, "chats/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			return "artifacts/" + after
		}
	}
	return "artifacts/" + name
}

func deliveryArtifacts(arts []evidence.Artifact) []evidence.Artifact {
	out := make([]evidence.Artifact, len(arts))
	for i, a := range arts {
		a.Path = deliveryPath(a.Path)
		out[i] = a
	}
	return out
}

func deliveryMessages(msgs []evidence.Message) []evidence.Message {
	out := make([]evidence.Message, len(msgs))
	for i, m := range msgs {
		atts := make([]evidence.Attachment, len(m.Attachments))
		for j, att := range m.Attachments {
			if att.Path != "" {
				att.Path = deliveryPath(att.Path)
			}
			atts[j] = att
		}
		m.Attachments = atts
		out[i] = m
	}
	return out
}

// acqRecorder is the capture's Recorder: artifacts go into the case's blob store and the journal through the
// acquisition; events go into an event log that is stored, encrypted, at the end, while the journal gets each
// event's kind and digest as it happens.
type acqRecorder struct {
	p      *Pipelines
	acq    *Acquisition
	mu     sync.Mutex
	log    bytes.Buffer
	videos map[string][]evidence.Artifact // the session's videos by chat (E.164)
}

var _ web.Recorder = (*acqRecorder)(nil)

func (r *acqRecorder) Artifact(ctx context.Context, kind, name string, rd io.Reader) (string, int64, error) {
	art, err := r.acq.addArtifact(ctx, kind, chatOf(name), rd)
	if err == nil && kind == string(evidence.ArtifactVideo) {
		r.mu.Lock()
		if r.videos == nil {
			r.videos = make(map[string][]evidence.Artifact)
		}
		chat := chatOf(name)
		r.videos[chat] = append(r.videos[chat], evidence.Artifact{Path: name, SHA256: art.Ref.SHA256, Size: art.Ref.Size,
			Kind: evidence.ArtifactVideo})
		r.mu.Unlock()
	}
	return art.Ref.SHA256, art.Ref.Size, err
}

// videoArtifacts returns the session's videos by chat: the capture's results list screenshots and snapshots,
// while the videos are made beside the capture.
func (r *acqRecorder) videoArtifacts() map[string][]evidence.Artifact {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]evidence.Artifact, len(r.videos))
	for k, v := range r.videos {
		out[k] = slices.Clone(v)
	}
	return out
}

func (r *acqRecorder) Event(ctx context.Context, kind string, fields map[string]any) error {
	line, err := json.Marshal(map[string]any{"time": time.Now().UTC(), "kind": kind, "fields": fields})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(line)
	r.mu.Lock()
	r.log.Write(line)
	r.log.WriteByte('\n')
	r.mu.Unlock()
	_, err = r.p.rec.Record(ctx, journal.Entry{Type: LeafCaptureEvent, Case: r.acq.Case, Fields: map[string]any{
		"acquisition": r.acq.ID, "kind": kind, "sha256": hex.EncodeToString(sum[:]),
	}})
	if kind == "action" || kind == "anomaly" || kind == "consent" {
		r.acq.note(bundle.CustodyCapture, phoneOf(fields), custodyFields(kind, fields)...)
	}
	return err
}

// storeLog stores the event log as an artifact of the acquisition.
func (r *acqRecorder) storeLog(ctx context.Context) error {
	r.mu.Lock()
	data := bytes.Clone(r.log.Bytes())
	r.mu.Unlock()
	if len(data) == 0 {
		return nil
	}
	_, err := r.acq.AddArtifact(ctx, "log", bytes.NewReader(data))
	return err
}

// chatOf is the chat (E.164) of a capture artifact named chats/<digits>/…, or "" for one of the whole session.
func chatOf(name string) string {
	if rest, ok := strings.CutPrefix(name, "chats/"); ok {
		if digits, _, ok := strings.Cut(rest, "/"); ok && digits != "" {
			return "+" + digits
		}
	}
	return ""
}

// phoneOf is the chat (E.164) a capture event concerns, from its "phone" field; "" for the whole session.
func phoneOf(fields map[string]any) string {
	if p, ok := fields["phone"].(string); ok {
		return p
	}
	return ""
}

// custodyFields turns a capture event into the key, value pairs of its custody action: the event's kind, its step
// ("action", "code" or "kind" of the fields) and the other fields as text, without the chat, which the action
// names. A value that is a map or a list is written out item by item, never as Go syntax.
func custodyFields(kind string, fields map[string]any) []string {
	out := []string{"event", kind}
	for _, k := range []string{"action", "code", "kind"} {
		if v, ok := fields[k]; ok {
			out = append(out, "step", flatten(v))
			break
		}
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		switch k {
		case "action", "code", "kind", "chat", "phone":
		default:
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, k, flatten(fields[k]))
	}
	return out
}

// flatten writes a field value as text: maps as "key → value" pairs in key order, lists item by item, numbers
// without exponent, anything else as JSON.
func flatten(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		keys := rv.MapKeys()
		pairs := make([]string, 0, len(keys))
		for _, k := range keys {
			pairs = append(pairs, flatten(k.Interface())+" → "+flatten(rv.MapIndex(k).Interface()))
		}
		slices.Sort(pairs)
		return strings.Join(pairs, ", ")
	case reflect.Slice, reflect.Array:
		items := make([]string, rv.Len())
		for i := range items {
			items[i] = flatten(rv.Index(i).Interface())
		}
		return strings.Join(items, ", ")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return string(b)
}

// noteWrongAccount puts a refused link in the chain of custody: which account linked, which one was expected.
func noteWrongAccount(acq *Acquisition, err error) {
	var ae *web.AccountError
	if errors.As(err, &ae) {
		acq.note(bundle.CustodyLinkRefused, "", "linked", orUnknown(ae.Linked), "expected", ae.Expected, "reason", ae.Reason)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
