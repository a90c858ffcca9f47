package certify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/report"
)

// Leaf types of an acquisition.
const (
	LeafAcquisitionStart = "acquisition-start"
	LeafArtifact         = "artifact"
	LeafAcquisitionEnd   = "acquisition-end"
)

// Acquisition records one acquisition into the journal as it happens: a start leaf, one leaf per artifact (whose
// bytes go encrypted into the blob store before the leaf that names them is written), and an end leaf followed by
// a signed checkpoint.
type Acquisition struct {
	p      *Pipelines
	ID     string
	Case   string
	Method string

	mu        sync.Mutex
	artifacts int
	done      bool
	custody   []bundle.CustodyAction // every action on the evidence: the report's chain of custody, custody.jsonl

	// Request says who asked for the acquisition and why, for the report.
	Request report.Request
}

// note adds an action (a bundle.Custody* code) to the chain of custody; chat is the chat it concerns (E.164), empty
// for the whole acquisition. fields are key, value pairs.
func (acq *Acquisition) note(action, chat string, fields ...string) {
	f := make(map[string]string, len(fields)/2)
	for i := 0; i+1 < len(fields); i += 2 {
		f[fields[i]] = fields[i+1]
	}
	acq.mu.Lock()
	acq.custody = append(acq.custody, bundle.CustodyAction{At: time.Now().UTC(), Action: action, Chat: chat, Fields: f})
	acq.mu.Unlock()
}

// Custody returns the chain of custody so far, of every chat of the acquisition.
func (acq *Acquisition) Custody() []report.Action {
	acq.mu.Lock()
	defer acq.mu.Unlock()
	return slices.Clone(acq.custody)
}

// Artifact is a recorded artifact: its blob and its leaf.
type Artifact struct {
	Kind string
	Ref  blob.Ref
	Leaf journal.Leaf
}

// StartAcquisition begins an acquisition for caseID. It refuses while certification is locked. meta holds what
// describes the acquisition (source versions, operator): no personal data, which belongs in blobs.
func (p *Pipelines) StartAcquisition(ctx context.Context, caseID, method string, meta map[string]any) (*Acquisition, error) {
	if err := p.gate.CheckCertify(); err != nil {
		return nil, err
	}
	if err := blob.ValidCaseID(caseID); err != nil {
		return nil, fmt.Errorf("appliance: acquisition: %w", err)
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	acq := &Acquisition{p: p, ID: hex.EncodeToString(raw[:]), Case: caseID, Method: method}
	fields := maps.Clone(meta)
	if fields == nil {
		fields = map[string]any{}
	}
	fields["acquisition"], fields["method"] = acq.ID, method
	leaf, err := p.rec.Record(ctx, journal.Entry{Type: LeafAcquisitionStart, Case: caseID, Fields: fields})
	if err != nil {
		return nil, fmt.Errorf("appliance: acquisition %s: %w", acq.ID, err)
	}
	acq.note(bundle.CustodyStart, "", "method", method, "leaf", strconv.FormatUint(leaf.Index, 10))
	return acq, nil
}

// AddArtifact stores r's bytes as an encrypted blob of the case and journals it. kind says what it is
// ("screenshot", "mhtml", "media", "database", "messages"). The leaf is durable when AddArtifact returns.
func (acq *Acquisition) AddArtifact(ctx context.Context, kind string, r io.Reader) (Artifact, error) {
	return acq.addArtifact(ctx, kind, "", r)
}

// addArtifact is AddArtifact for an artifact of one chat (E.164), which its chain of custody names.
func (acq *Acquisition) addArtifact(ctx context.Context, kind, chat string, r io.Reader) (Artifact, error) {
	if err := acq.p.gate.CheckCertify(); err != nil {
		return Artifact{}, err
	}
	ref, err := acq.p.blobs.Put(ctx, acq.Case, r)
	if err != nil {
		return Artifact{}, fmt.Errorf("appliance: acquisition %s: store %s: %w", acq.ID, kind, err)
	}
	leaf, err := acq.p.rec.Record(ctx, journal.Entry{Type: LeafArtifact, Case: acq.Case, Fields: map[string]any{
		"acquisition": acq.ID, "kind": kind, "sha256": ref.SHA256, "size": ref.Size,
	}})
	if err != nil {
		return Artifact{}, fmt.Errorf("appliance: acquisition %s: journal %s %s: %w", acq.ID, kind, ref.SHA256, err)
	}
	acq.mu.Lock()
	acq.artifacts++
	acq.mu.Unlock()
	acq.note(bundle.CustodyArtifact, chat, "kind", kind, "sha256", ref.SHA256, "size", strconv.FormatInt(ref.Size, 10),
		"leaf", strconv.FormatUint(leaf.Index, 10))
	return Artifact{Kind: kind, Ref: ref, Leaf: leaf}, nil
}

// Finish journals the end of the acquisition, with its outcome, and signs a checkpoint that covers all of it.
// outcome is "complete", or says what was not acquired.
func (acq *Acquisition) Finish(ctx context.Context, outcome string) (*journal.Checkpoint, error) {
	acq.mu.Lock()
	if acq.done {
		acq.mu.Unlock()
		return nil, fmt.Errorf("appliance: acquisition %s already finished", acq.ID)
	}
	acq.done = true
	n := acq.artifacts
	acq.mu.Unlock()
	_, err := acq.p.rec.Record(ctx, journal.Entry{Type: LeafAcquisitionEnd, Case: acq.Case, Fields: map[string]any{
		"acquisition": acq.ID, "artifacts": n, "outcome": outcome,
	}})
	if err != nil {
		return nil, fmt.Errorf("appliance: acquisition %s: %w", acq.ID, err)
	}
	cp, err := acq.p.journal.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("appliance: acquisition %s: checkpoint: %w", acq.ID, err)
	}
	return cp, nil
}
