package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/mirror"
	"github.com/attesta/attesta/tpm"
)

// LeafRestore records that the box was rebuilt from its mirror: where from, the tree it found (size and root, the
// last mirrored checkpoint, which the box's next checkpoints extend), the keys that signed it and the new signing
// key. TPM clock readings before it are another TPM's. It hands the journal from the key in force over the mirrored
// tree ("old_key") to the new TPM's ("signing_key"): a verifier follows it only to a key it pinned from outside
// (format.Restore, journal.VerifyOptions.Restored).
const LeafRestore = format.TypeRestore

// RestoreOptions says where a box is restored from.
type RestoreOptions struct {
	// From is the mirror, s3://BUCKET/PREFIX; Mirror in the config gives its endpoint and credentials.
	From string
	// Identities are the studio's offline recovery key(s) (age X25519 identities).
	Identities []age.Identity
	// VerifierKeys are the checkpoint keys to trust; empty, the mirror's own keys/ (with the tree's consistency).
	VerifierKeys []string
	// Witnessed is the last witnessed (or otherwise kept) checkpoint note, which the mirror must contain.
	Witnessed []byte
	// Witnesses and MinWitnesses: the mirror must hold a checkpoint cosigned by MinWitnesses of these witness keys,
	// and contain it (mirror.FetchOptions).
	Witnesses    []string
	MinWitnesses int
}

// RestoreResult is what a restore did.
type RestoreResult struct {
	Origin       string
	LastMirrored *journal.Checkpoint // the mirror's newest checkpoint, verified
	Witnessed    *journal.Checkpoint // the newest checkpoint cosigned by the witnesses required, when some were
	First        *journal.Checkpoint // the restored box's first checkpoint, over the restore leaf
	// SigningKey is the new TPM's checkpoint key, to which the restore leaf hands the journal over: recipients who
	// pinned an earlier key accept it only pinned from outside (verify --restored-key) or certified by the authority.
	SigningKey string
	Report     mirror.RebuildReport
	TileReads  int
}

// Restore rebuilds a box in cfg.DataDir, which must hold no journal, from its mirror: it verifies the mirror (every
// tile, every checkpoint, against opts.Witnessed when given), takes the appliance's identity from the journal's
// origin, provisions the new TPM, rebuilds the journal leaf for leaf and the blob store with each case key unwrapped
// from escrow and sealed by the new TPM, journals the restore and signs the new box's first checkpoint, which extends
// the last mirrored one. The box then opens as usual (its start-up self-test included) and certifies on.
func Restore(ctx context.Context, cfg Config, opts RestoreOptions) (*RestoreResult, error) {
	cfg = cfg.withDefaults()
	jpath := filepath.Join(cfg.DataDir, "journal.db")
	if _, err := os.Stat(jpath); err == nil {
		return nil, fmt.Errorf("appliance: restore: %s already holds a journal; restore into a new data directory", cfg.DataDir)
	}
	mc := cfg.Mirror
	mc.To = opts.From
	b, err := mc.bucket(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := mirror.Fetch(ctx, b, mirror.FetchOptions{VerifierKeys: opts.VerifierKeys, Witnessed: opts.Witnessed,
		Witnesses: opts.Witnesses, MinWitnesses: opts.MinWitnesses})
	if err != nil {
		return nil, fmt.Errorf("appliance: restore from %s: %w", opts.From, err)
	}
	id, ok := strings.CutPrefix(snap.Origin, "attesta/")
	if !ok || !validID.MatchString(id) {
		return nil, fmt.Errorf("appliance: restore from %s: origin %q is not an appliance's", opts.From, snap.Origin)
	}
	if err := durable.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("appliance: restore: %w", err)
	}
	if err := writeIdentity(cfg.DataDir, identity{ID: id, Created: time.Now().UTC()}); err != nil {
		return nil, err
	}
	res := &RestoreResult{Origin: snap.Origin, LastMirrored: snap.Latest, Witnessed: snap.Witnessed, TileReads: snap.TileReads}
	if err := rebuild(ctx, cfg, b, snap, opts, res); err != nil {
		return nil, err
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("appliance: restore: the restored box does not open: %w", err)
	}
	return res, a.Close()
}

// writeIdentity writes the appliance identity of a restored box (the mirrored box's id, so that the origin goes on).
func writeIdentity(dataDir string, id identity) error {
	path := filepath.Join(dataDir, "appliance.json")
	if have, err := loadIdentity(dataDir); err == nil {
		if have.ID != id.ID {
			return fmt.Errorf("appliance: restore: %s is appliance %s, the mirror is of %s", path, have.ID, id.ID)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := durable.WriteNewJSON(path, id, 0o600); err != nil {
		return fmt.Errorf("appliance: restore: %w", err)
	}
	return nil
}

// rebuild provisions the new TPM and fills the new journal and blob store, then journals the restore.
func rebuild(ctx context.Context, cfg Config, b *mirror.Bucket, snap *mirror.Snapshot, opts RestoreOptions, res *RestoreResult) error {
	a := &Appliance{cfg: cfg, log: cfg.Logger}
	if a.log == nil {
		var err error
		if a.log, a.logFile, err = openLogFile(cfg.DataDir); err != nil {
			return err
		}
		defer a.logFile.Close()
	}
	sel, err := tpm.ParsePCRSelection(cfg.PCRs)
	if err != nil {
		return fmt.Errorf("appliance: pcrs %q: %w", cfg.PCRs, err)
	}
	a.sel = sel
	if err := openTPM(ctx, a); err != nil {
		return err
	}
	defer a.tpm.Close()
	signer, err := a.tpm.Signer(ctx)
	if err != nil {
		return fmt.Errorf("appliance: restore: signer: %w", err)
	}
	j, err := journal.Open(ctx, filepath.Join(cfg.DataDir, "journal.db"), journal.Options{Origin: snap.Origin, Signer: signer, Logger: a.log})
	if err != nil {
		return fmt.Errorf("appliance: restore: %w", err)
	}
	defer j.Close()
	blobs, err := blob.Open(filepath.Join(cfg.DataDir, "blobs"), a.tpm.KeyWrapper(), blob.WithLogger(a.log))
	if err != nil {
		return fmt.Errorf("appliance: restore: %w", err)
	}
	defer blobs.Close()
	rep, err := snap.Rebuild(ctx, b, j, blobs, opts.Identities)
	if err != nil {
		return fmt.Errorf("appliance: restore: %w", err)
	}
	res.Report = *rep
	oldKey, err := keyOfNote(snap.Latest.Note, snap.Keys)
	if err != nil {
		return fmt.Errorf("appliance: restore: %w", err)
	}
	e, err := j.RestoreEntry(ctx, oldKey, map[string]any{
		"from":               opts.From,
		"keys":               snap.Keys,
		"signing_key_sha256": KeyDigest(a.ident.SigningKey),
		"witnessed":          opts.Witnessed != nil || snap.Witnessed != nil,
		"cases":              rep.Cases,
		"blobs":              rep.Blobs,
	})
	if err == nil {
		_, err = j.AppendRestore(ctx, e)
	}
	if err != nil {
		return fmt.Errorf("appliance: restore: journal the restore: %w", err)
	}
	res.SigningKey = j.VerifierKey()
	if res.First, err = j.Checkpoint(ctx); err != nil {
		return fmt.Errorf("appliance: restore: first checkpoint: %w", err)
	}
	return nil
}

// keyOfNote returns the one of keys that signed the checkpoint note text: the key in force over the mirrored tree.
func keyOfNote(text []byte, keys []string) (string, error) {
	for _, k := range keys {
		v, err := journal.NewNoteVerifier(k)
		if err != nil {
			return "", err
		}
		if _, err := journal.ParseCheckpoint(text, v); err == nil {
			return k, nil
		}
	}
	return "", fmt.Errorf("the mirrored checkpoint is signed by none of the keys %q", keys)
}
