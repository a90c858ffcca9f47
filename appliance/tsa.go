package appliance

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/journal"
)

// LeafTimestamp records an RFC 3161 time-stamp token over a checkpoint: the token itself (it holds no personal
// data, and a few kilobytes fit a leaf), the checkpoint's size and the token's time.
const LeafTimestamp = "timestamp"

// tsaStampTimeout bounds a delivery's wait for the TSA; past it the request is queued and the delivery goes out
// without a token, which the journal receives when the TSA answers.
const tsaStampTimeout = 20 * time.Second

// openTSA sets up the time-stamping authority when one is configured: its client, trusted by the roots in
// cfg.TSACA, and a durable queue of pending requests in DataDir/tsa-queue.
func openTSA(a *Appliance) error {
	if a.cfg.TSAURL == "" {
		return nil
	}
	pemData, err := os.ReadFile(a.cfg.TSACA)
	if err != nil {
		return fmt.Errorf("appliance: tsa_ca: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		return fmt.Errorf("appliance: tsa_ca %s: no PEM certificate", a.cfg.TSACA)
	}
	a.tsa = &tsa.Client{URL: a.cfg.TSAURL, Roots: roots}
	q, err := tsa.OpenQueue(filepath.Join(a.cfg.DataDir, "tsa-queue"), a.tsa)
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	q.Logger = a.log
	q.OnToken = func(id string, tok *tsa.Token) {
		if err := (reporter{a}).journalToken(context.Background(), id, tok); err != nil {
			a.log.Error("time-stamp token not journaled", slog.String("id", id), slog.Any("error", err))
		}
	}
	a.tsaQueue = q
	return nil
}

// stampCheckpoint is the bundle's time-stamp hook: a token over the checkpoint note from the TSA, journaled; when
// the TSA cannot be reached in time the request is queued and no token is returned.
func (r reporter) stampCheckpoint(ctx context.Context, note []byte) ([]byte, error) {
	digest := sha256.Sum256(note)
	id := "checkpoint-" + hex.EncodeToString(digest[:8])
	sctx, cancel := context.WithTimeout(ctx, tsaStampTimeout)
	defer cancel()
	tok, err := r.a.tsa.Timestamp(sctx, digest[:])
	if err != nil {
		r.a.log.WarnContext(ctx, "TSA unreachable: request queued", slog.String("id", id), slog.Any("error", err))
		if qerr := r.a.tsaQueue.Enqueue(ctx, id, digest[:]); qerr != nil {
			return nil, fmt.Errorf("time-stamp: %w; and it could not be queued: %w", err, qerr)
		}
		return nil, nil
	}
	if err := r.journalToken(ctx, id, tok); err != nil {
		return nil, err
	}
	return tok.DER, nil
}

// journalToken records a token in the journal.
func (r reporter) journalToken(ctx context.Context, id string, tok *tsa.Token) error {
	_, err := r.a.record(ctx, journal.Entry{Type: LeafTimestamp, Fields: map[string]any{
		"id": id, "gen_time": tok.GenTime.UTC().Format(time.RFC3339Nano), "tsa": r.a.cfg.TSAURL,
		"token": base64.StdEncoding.EncodeToString(tok.DER),
	}})
	return err
}

// RunTSAQueue retries queued time-stamp requests until ctx ends; each token, once granted and verified, is
// journaled. It returns at once when no TSA is configured.
func (a *Appliance) RunTSAQueue(ctx context.Context) {
	if a.tsaQueue == nil {
		return
	}
	if err := a.tsaQueue.Run(ctx); err != nil && ctx.Err() == nil {
		a.log.ErrorContext(ctx, "time-stamp queue stopped", slog.Any("error", err))
	}
}

// TimestampVerifier returns the bundle's check of a delivery's checkpoint token against the TSA roots in caPEM
// (the one of bundle/verifycmd).
func TimestampVerifier(caPEM []byte) (func(ctx context.Context, token, data []byte) (time.Time, error), error) {
	return verifycmd.TimestampVerifier(caPEM)
}

// stampSignature is the report's PAdES time-stamp hook (B-T): a token over the signature value, or none when the
// TSA cannot be reached in time; the delivery's checkpoint token is queued in that case anyway.
func (r reporter) stampSignature(ctx context.Context, signature []byte) ([]byte, error) {
	digest := sha256.Sum256(signature)
	return r.stamp(ctx, digest[:], "TSA unreachable: report signed without a time-stamp")
}

// stampDocument is the report's document time-stamp hook (B-LTA): a token over the digest of the signed file as
// pades computed it, or none when the TSA stopped answering, which leaves the report at B-T.
func (r reporter) stampDocument(ctx context.Context, digest []byte) ([]byte, error) {
	return r.stamp(ctx, digest, "TSA unreachable: report kept at PAdES B-T, without a document time-stamp")
}

// stamp asks the TSA for a token over digest within tsaStampTimeout; an unreachable TSA is logged, not an error.
func (r reporter) stamp(ctx context.Context, digest []byte, unreachable string) ([]byte, error) {
	sctx, cancel := context.WithTimeout(ctx, tsaStampTimeout)
	defer cancel()
	tok, err := r.a.tsa.Timestamp(sctx, digest)
	if err != nil {
		r.a.log.WarnContext(ctx, unreachable, slog.Any("error", err))
		return nil, nil
	}
	return tok.DER, nil
}
