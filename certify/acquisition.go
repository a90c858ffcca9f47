package certify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

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
	custody   []report.Action // every action on the evidence, for the report's chain of custody

	// Request says who asked for the acquisition and why, for the report.
	Request report.Request
}

// note adds an action to the chain of custody.
func (acq *Acquisition) note(what, detail string) {
	acq.mu.Lock()
	acq.custody = append(acq.custody, report.Action{At: time.Now().UTC(), What: what, Detail: detail})
	acq.mu.Unlock()
}

// Custody returns the chain of custody so far.
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
	acq.note("acquisition started ("+method+")", fmt.Sprintf("journal leaf %d", leaf.Index))
	return acq, nil
}

// AddArtifact stores r's bytes as an encrypted blob of the case and journals it. kind says what it is
// ("screenshot", "mhtml", "media", "database", "messages"). The leaf is durable when AddArtifact returns.
func (acq *Acquisition) AddArtifact(ctx context.Context, kind string, r io.Reader) (Artifact, error) {
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
	acq.note(kind+" stored, encrypted", fmt.Sprintf("SHA-256 %s, %d bytes, journal leaf %d", ref.SHA256, ref.Size, leaf.Index))
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
