package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/witness"
	"github.com/attesta/attesta/witness/cosig"
)

// WitnessConfig is a witness of the journal's checkpoints (C2SP tlog-witness): where it listens, and its
// cosignature verifier key.
type WitnessConfig struct {
	URL  string `json:"url"`
	VKey string `json:"vkey"`
}

// WitnessRoleConfig makes serve a witness for the peer appliances of the studio: it listens on Listen (its own
// address, reachable by the peers; the touch UI's stays local) and cosigns the checkpoints of the logs whose
// verifier keys (each peer's proofs/vkey) are in Peers. Its key is made on first start in DataDir/witness-role/
// and its verifier key written to DataDir/witness-role/witness.vkey, for the peers' configurations.
type WitnessRoleConfig struct {
	Listen string   `json:"listen"`
	Name   string   `json:"name"`
	Peers  []string `json:"peers"`
}

// validateWitnesses checks the witnesses of a configuration file: each with an http(s) URL and a cosignature key;
// a witness role with a listen address, a name and peers' keys that parse.
func (c Config) validateWitnesses() error {
	for i, w := range c.Witnesses {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("witnesses[%d]: url %q: want http(s)://host[:port][/path]", i, w.URL)
		}
		if _, err := cosig.Verifier(w.VKey); err != nil {
			return fmt.Errorf("witnesses[%d]: vkey: %w", i, err)
		}
	}
	r := c.WitnessRole
	if r.Listen == "" && r.Name == "" && len(r.Peers) == 0 {
		return nil
	}
	switch {
	case r.Listen == "":
		return errors.New("witness_role: listen missing")
	case r.Name == "":
		return errors.New("witness_role: name missing (the witness's key name, e.g. witness.studio.example/box-1)")
	case len(r.Peers) == 0:
		return errors.New("witness_role: no peers to witness")
	}
	for i, k := range r.Peers {
		if _, err := fnote.NewVerifier(strings.TrimSpace(k)); err != nil {
			return fmt.Errorf("witness_role: peers[%d]: %w", i, err)
		}
	}
	return nil
}

// witnessTimeout bounds a delivery's wait for the witnesses; past it the delivery goes out with what it has, and
// the background submission goes on.
const witnessTimeout = 20 * time.Second

// witnessEvery is how often serve submits the newest checkpoint, when it is new, to the witnesses.
const witnessEvery = time.Minute

// witnessJournal is the appliance's journal as the witness client uses it: cosignatures are recorded as every
// other leaf.
type witnessJournal struct{ a *Appliance }

func (w witnessJournal) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error) {
	return w.a.journal.ConsistencyProof(ctx, oldSize, newSize)
}
func (w witnessJournal) Append(ctx context.Context, e journal.Entry) (journal.Leaf, error) {
	return w.a.record(ctx, e)
}
func (w witnessJournal) VerifierKey() string { return w.a.journal.VerifierKey() }

// openWitnesses sets up the witness client when witnesses are configured, its cosignatures kept in
// DataDir/witness/cosignatures; nil when none is.
func openWitnesses(a *Appliance) (*witness.Client, error) {
	if len(a.cfg.Witnesses) == 0 {
		return nil, nil
	}
	st, err := witness.OpenStore(filepath.Join(a.cfg.DataDir, "witness", "cosignatures"))
	if err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	var peers []witness.Peer
	for _, w := range a.cfg.Witnesses {
		peers = append(peers, witness.Peer{URL: w.URL, VKey: w.VKey})
	}
	c, err := witness.NewClient(witness.ClientOptions{Peers: peers, Store: st, Journal: witnessJournal{a}, Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("appliance: witnesses: %w", err)
	}
	return c, nil
}

// runWitnesses submits, every witnessEvery until ctx ends, the newest checkpoint to the witnesses when it is newer
// than the last one submitted. A witness that has cosigned a larger tree than the journal holds (witness.ErrAhead)
// means the journal was rolled back or another box signs as this one: certification is locked.
func (o *Offsite) runWitnesses(ctx context.Context) {
	a := o.a
	if o.witnesses == nil {
		return
	}
	var last uint64
	for {
		cp, err := a.journal.Latest(ctx)
		if err == nil && cp.Size > last {
			_, err = o.witnesses.Submit(ctx, cp)
			if errors.Is(err, witness.ErrAhead) {
				_ = a.lockCertification(ctx, "a witness has cosigned a larger journal than this one: rolled back or forked")
			}
			last = cp.Size // a refusal is logged; the next checkpoint is submitted afresh
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, journal.ErrNoCheckpoint) {
			a.log.WarnContext(ctx, "witnesses", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(witnessEvery):
		}
	}
}

// witnessRole opens the witness role's state when serve is configured to witness its peers.
func witnessRole(cfg Config, log *slog.Logger) (http.Handler, error) {
	r := cfg.WitnessRole
	if r.Listen == "" && r.Name == "" && len(r.Peers) == 0 {
		return nil, nil
	}
	if err := (Config{WitnessRole: r}).validateWitnesses(); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	s, err := witness.NewServer(witness.ServerOptions{Dir: filepath.Join(cfg.DataDir, "witness-role"), Name: r.Name, Logs: r.Peers, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("appliance: witness_role: %w", err)
	}
	if err := s.WriteVerifierKey(filepath.Join(cfg.DataDir, "witness-role", "witness.vkey")); err != nil {
		return nil, fmt.Errorf("appliance: witness_role: %w", err)
	}
	return s, nil
}
