package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/witness/cosig"
)

// TypeCosignature is the journal leaf type that records a witness's cosignature: fields "witness" (name+key hash),
// "tree_size", "cosignature" (the signature line, public data).
const TypeCosignature = "witness-cosignature"

// Sentinel errors of a submission; each comes wrapped with the witness and the sizes concerned.
var (
	// ErrAhead: the witness has cosigned a larger tree of this log than the one submitted. The journal was rolled
	// back, or another box signs with its identity: the appliance must not certify on as if nothing happened.
	ErrAhead = errors.New("witness: the witness has seen a larger tree")
	// ErrRefused: the witness refused the checkpoint (a fork or a bad proof: 422; a rewind: 400; a signature it
	// cannot verify: 403; an unknown log: 404).
	ErrRefused = errors.New("witness: checkpoint refused")
)

// Journal is what the client needs of the journal: consistency proofs and a place to record cosignatures.
type Journal interface {
	ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error)
	Append(ctx context.Context, e format.Entry) (format.Leaf, error)
	VerifierKey() string
}

// Peer is a witness of the configuration: where it listens and its verifier key.
type Peer struct {
	URL  string // base URL; the client POSTs to URL + "/add-checkpoint"
	VKey string // its cosignature verifier key
}

// Client submits checkpoints to witnesses and keeps their cosignatures.
type Client struct {
	peers []peer
	store *Store
	j     Journal
	http  *http.Client
	log   *slog.Logger
}

type peer struct {
	url string
	v   note.Verifier
	id  string
}

// ClientOptions configure a Client.
type ClientOptions struct {
	Peers   []Peer
	Store   *Store
	Journal Journal
	// HTTP is the client for the witnesses; nil is a client whose requests end with their context.
	HTTP *http.Client
	// Logger receives one event per cosignature and per refusal; nil is silent.
	Logger *slog.Logger
}

// NewClient checks the witnesses' keys and returns a client.
func NewClient(opts ClientOptions) (*Client, error) {
	c := &Client{store: opts.Store, j: opts.Journal, http: opts.HTTP, log: opts.Logger}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.store == nil || c.j == nil {
		return nil, errors.New("witness: client without store or journal")
	}
	for _, p := range opts.Peers {
		v, err := cosig.Verifier(p.VKey)
		if err != nil {
			return nil, fmt.Errorf("witness: peer %s: %w", p.URL, err)
		}
		c.peers = append(c.peers, peer{url: strings.TrimSuffix(p.URL, "/"), v: v, id: IDOf(v)})
	}
	return c, nil
}

// IDOf names a witness key: "<name>+<key hash>", as cosig.Cosigners does.
func IDOf(v note.Verifier) string { return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash()) }

// Result is what each witness answered to a submission.
type Result struct {
	Witness string // id
	Err     error  // nil: cosigned and stored
}

// Submit sends cp to every witness and stores and journals each valid cosignature. It returns one result per
// witness and the errors joined (nil when every witness cosigned). A witness that already cosigned cp is asked
// again (it answers with a fresh timestamp; the stored cosignature is kept, and not journaled twice).
func (c *Client) Submit(ctx context.Context, cp *format.Checkpoint) ([]Result, error) {
	var results []Result
	var errs []error
	for _, p := range c.peers {
		err := c.submit(ctx, p, cp)
		if err != nil {
			err = fmt.Errorf("witness %s (%s): checkpoint %d: %w", p.id, p.url, cp.Size, err)
			errs = append(errs, err)
			c.log.WarnContext(ctx, "witness: not cosigned", slog.String("witness", p.id), slog.Uint64("size", cp.Size), slog.Any("error", err))
		}
		results = append(results, Result{Witness: p.id, Err: err})
	}
	return results, errors.Join(errs...)
}

func (c *Client) submit(ctx context.Context, p peer, cp *format.Checkpoint) error {
	old, err := c.store.LastSize(p.id)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if old > cp.Size {
			return fmt.Errorf("%w: it cosigned size %d", ErrAhead, old)
		}
		req := cosig.Request{OldSize: old, Checkpoint: cp.Note}
		if old > 0 && old < cp.Size {
			if req.Proof, err = c.j.ConsistencyProof(ctx, old, cp.Size); err != nil {
				return err
			}
		}
		status, body, err := c.post(ctx, p.url+AddCheckpointPath, req.Marshal())
		if err != nil {
			return err
		}
		switch {
		case status == http.StatusOK:
			return c.accept(ctx, p, cp, body)
		case status == http.StatusConflict && attempt == 0:
			if old, err = cosig.ParseConflict(body); err != nil {
				return err
			}
			continue
		case status == http.StatusConflict:
			return fmt.Errorf("%w: 409 twice (last answer %q)", ErrRefused, truncate(string(body)))
		default:
			return fmt.Errorf("%w: HTTP %d (from size %d): %s", ErrRefused, status, old, truncate(strings.TrimSpace(string(body))))
		}
	}
}

// maxAnswer bounds a witness's answer.
const maxAnswer = 16 << 10

func (c *Client) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(answer) > maxAnswer {
		return 0, nil, fmt.Errorf("answer longer than %d bytes", maxAnswer)
	}
	return resp.StatusCode, answer, nil
}

// accept checks the witness's answer (its cosignature on cp), stores it and journals it.
func (c *Client) accept(ctx context.Context, p peer, cp *format.Checkpoint, body []byte) error {
	sigs, err := cosig.ParseSignatures(body)
	if err != nil {
		return err
	}
	var mine []cosig.Signature
	for _, s := range sigs {
		if s.Name == p.v.Name() && s.KeyHash == p.v.KeyHash() {
			mine = append(mine, s)
		}
	}
	if len(mine) != 1 {
		return fmt.Errorf("%w: the answer carries %d cosignatures by %s, want 1", cosig.ErrFormat, len(mine), p.id)
	}
	if _, err := note.Open(cosig.Append(cp.Note, mine), note.VerifierList(p.v)); err != nil {
		return fmt.Errorf("the cosignature does not verify: %w", err)
	}
	// Journaled first, stored second: a crash between the two journals it again on the next submission (at least
	// once), never leaves a stored cosignature unjournaled. A checkpoint cosigned again is journaled once.
	had, err := c.store.Has(cp.Size, p.id)
	if err != nil {
		return err
	}
	if !had {
		_, err = c.j.Append(ctx, format.Entry{Type: TypeCosignature, Fields: map[string]any{
			"witness": p.id, "tree_size": int64(cp.Size), "cosignature": strings.TrimSuffix(mine[0].Line, "\n"),
		}})
		if err != nil {
			return fmt.Errorf("journal the cosignature: %w", err)
		}
	}
	if err := c.store.Put(cp.Size, cp.Note, p.id, mine[0]); err != nil {
		return err
	}
	c.log.InfoContext(ctx, "witness: cosigned", slog.String("witness", p.id), slog.Uint64("size", cp.Size))
	return nil
}

// Witnesses is the number of configured witnesses.
func (c *Client) Witnesses() int { return len(c.peers) }

// Proof returns a delivery's proofs/witness for its checkpoint cp: the stored checkpoint of the smallest size ≥
// cp.Size among those with the most cosignatures, with the consistency proof from cp.Size. It returns nil (and no
// error) when no checkpoint of that size or later is cosigned yet.
func (c *Client) Proof(ctx context.Context, cp *format.Checkpoint) ([]byte, error) {
	sizes, err := c.store.Sizes()
	if err != nil {
		return nil, err
	}
	var best *Cosigned
	for _, n := range sizes {
		if n < cp.Size {
			continue
		}
		got, err := c.store.Get(n)
		if err != nil {
			return nil, err
		}
		if best == nil || len(got.Witnesses) > len(best.Witnesses) {
			best = got
		}
	}
	if best == nil {
		return nil, nil
	}
	req := cosig.Request{OldSize: cp.Size, Checkpoint: best.Note}
	if best.Size > cp.Size && cp.Size > 0 {
		if req.Proof, err = c.j.ConsistencyProof(ctx, cp.Size, best.Size); err != nil {
			return nil, err
		}
	}
	return req.Marshal(), nil
}

// Cosign is the hook a delivery calls once its checkpoint is signed: it submits cp to the witnesses (each within
// timeout) and returns the delivery's proofs/witness, nil when no witness could cosign it (the background loop
// will; the delivery then carries none, like a time-stamp that could not be had).
func (c *Client) Cosign(ctx context.Context, cp *format.Checkpoint, timeout time.Duration) ([]byte, error) {
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, _ = c.Submit(sctx, cp) // refusals are logged; what was cosigned is in the store
	return c.Proof(ctx, cp)
}

// DeliveryHook returns bundle.WriteOptions.Witness for deliveries of this journal: it reads the delivery's
// checkpoint note (signed by the journal's key in force) and calls Cosign with timeout.
func (c *Client) DeliveryHook(timeout time.Duration) func(ctx context.Context, checkpoint []byte) ([]byte, error) {
	return func(ctx context.Context, checkpoint []byte) ([]byte, error) {
		v, err := format.NewNoteVerifier(c.j.VerifierKey())
		if err != nil {
			return nil, err
		}
		cp, err := format.ParseCheckpoint(checkpoint, v)
		if err != nil {
			return nil, err
		}
		return c.Cosign(ctx, cp, timeout)
	}
}
