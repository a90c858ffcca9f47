package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm"
)

// RotateKey rotates the signing key (which signs the journal's checkpoints, the reports and the manifests): the
// TPM creates a successor under the same PCR policy (under the image key's signed policies when [Config].ImageKey is
// set: how a box moves to them) and the AK certifies it; the journal records the rotation leaf,
// signed by both keys and carrying that certification, and signs its checkpoints with the new key from then on;
// the TPM then puts the new key in force. Deliveries made after it carry proofs/keychain, so that a verifier
// pinned on the first key follows the chain. The authority's certificate is for the old key: until the new key is
// enrolled (InstallCertificate), reports carry a self-signed certificate. Refused while certification is locked.
func RotateKey(ctx context.Context, a *Appliance) (*format.Rotation, error) {
	if err := a.CheckCertify(); err != nil {
		return nil, fmt.Errorf("appliance: rotate key: %w", err)
	}
	p, err := a.tpm.NewSigningKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("appliance: rotate key: %w", err)
	}
	rot, _, err := a.journal.Rotate(ctx, p, p.Identity().CertificationText())
	if rot == nil {
		return nil, errors.Join(fmt.Errorf("appliance: rotate key: %w", err), a.tpm.DiscardKey(p))
	}
	if err != nil {
		a.log.WarnContext(ctx, "key rotated without a checkpoint by the new key", slog.Any("error", err))
	}
	if err := a.tpm.CommitKey(ctx, p); err != nil {
		return rot, fmt.Errorf("appliance: rotate key: the journal hands over to the new key but the TPM kept the old one (the next start finishes it): %w", err)
	}
	a.mu.Lock()
	a.ident = p.Identity()
	a.mu.Unlock()
	a.log.InfoContext(ctx, "signing key rotated", slog.Uint64("leaf", rot.Seq), slog.String("new_key", rot.NewKey))
	return rot, nil
}

// finishRotation is called at start when the journal refuses the TPM's key: if a rotation stopped between the
// journal's leaf and the TPM's commit, the pending key is the journal's, and it is put in force. It reports
// whether it did.
func finishRotation(ctx context.Context, a *Appliance, journalKey string) (bool, error) {
	p, err := a.tpm.PendingSigningKey(ctx)
	if err != nil || p == nil {
		return false, err
	}
	vkey, err := journal.VerifierKey(a.Origin(), p.Identity().SigningKey)
	if err != nil {
		return false, err
	}
	if vkey != journalKey {
		return false, a.tpm.DiscardKey(p)
	}
	if err := a.tpm.CommitKey(ctx, p); err != nil {
		return false, err
	}
	a.ident = p.Identity()
	a.log.InfoContext(ctx, "interrupted key rotation finished", slog.String("key", vkey))
	return true, nil
}

// openJournal opens the journal with the TPM's signing key. When the journal refuses it because a rotation stopped
// before the TPM's commit, it finishes the rotation and opens the journal again; a key left pending by a rotation
// that never reached the journal is discarded.
func openJournal(ctx context.Context, a *Appliance, opts journal.Options) (*journal.Journal, error) {
	path := filepath.Join(a.cfg.DataDir, "journal.db")
	j, err := journal.Open(ctx, path, opts)
	if errors.Is(err, journal.ErrKeyMismatch) {
		ro, rerr := journal.Open(ctx, path, journal.Options{Origin: opts.Origin})
		if rerr != nil {
			return nil, err
		}
		recorded := ro.VerifierKey()
		ro.Close()
		done, ferr := finishRotation(ctx, a, recorded)
		if ferr != nil || !done {
			return nil, errors.Join(fmt.Errorf("%w (if the TPM was replaced or cleared, its key is lost: start a new key epoch with attesta keys epoch)", err), ferr)
		}
		signer, serr := a.tpm.Signer(ctx)
		if serr != nil {
			return nil, serr
		}
		opts.Signer = signer
		return journal.Open(ctx, path, opts)
	}
	if err != nil {
		return nil, err
	}
	if p, perr := a.tpm.PendingSigningKey(ctx); perr == nil && p != nil {
		a.log.WarnContext(ctx, "discarding a key left pending by a rotation that the journal never recorded")
		a.tpm.DiscardKey(p)
	}
	return j, nil
}

// firstKeyVerifier returns the verifier of the journal's first key when its key was rotated (the chain is then
// followed from it, and chainEndsAt checks it ends at the TPM's key), else tpmKey.
func firstKeyVerifier(ctx context.Context, j *journal.Journal, tpmKey note.Verifier) (note.Verifier, error) {
	keys, err := j.Keys(ctx)
	if err != nil || len(keys) < 2 {
		return tpmKey, err
	}
	return journal.NewNoteVerifier(keys[0])
}

// pinnedByTPM is the key a restore leaf may hand the journal to when the box checks itself: its TPM's, which holds
// the key outside the journal file (a restore leaf naming any other key is refused).
func pinnedByTPM(tpmKey note.Verifier) []string {
	k, _ := format.VerifierKeyOf(tpmKey)
	return []string{k}
}

// chainEndsAt checks that the chain of keys a verification followed ends at the TPM's key.
func chainEndsAt(rep *journal.VerifyReport, tpmKey note.Verifier) error {
	want, _ := format.VerifierKeyOf(tpmKey)
	if got := rep.Keys[len(rep.Keys)-1]; got != want {
		return fmt.Errorf("appliance: verify journal: the journal's chain of keys ends at %s, not at the TPM's key %s: %w", got, want, journal.ErrKeyMismatch)
	}
	return nil
}

// checkRotationCertifications checks, for each rotation the verification followed, that its new key was certified
// by a TPM's attestation key (the leaf's "certification", tpm.CheckCertificationText): by this TPM's AK (or one of
// the AKs it rotated from) for the
// rotations since the last key epoch, by the AK of the TPM of their epoch before it (a replaced TPM's AK, whose
// link to this one is the epoch's countersignature, checked by the journal).
func checkRotationCertifications(ctx context.Context, j *journal.Journal, rep *journal.VerifyReport, id *tpm.Identity) error {
	type handOver struct {
		seq   uint64
		entry journal.Entry
	}
	var hs []handOver
	lastEpoch := -1
	for _, from := range rep.KeysFrom[1:] {
		data, err := j.LeafBytes(ctx, from-1)
		if err != nil {
			return err
		}
		seq, e, err := journal.DecodeLeaf(data)
		if err != nil {
			return err
		}
		if e.Type == format.TypeEpoch || e.Type == format.TypeRestore {
			lastEpoch = len(hs) // a restore, like an epoch, starts another TPM's history
		}
		hs = append(hs, handOver{seq, e})
	}
	for i, h := range hs {
		if h.entry.Type != format.TypeRotation {
			continue
		}
		rot, err := format.RotationOf(h.seq, h.entry)
		if err != nil {
			return err
		}
		pub, err := format.VerifierPublicKey(rot.NewKey)
		if err != nil {
			return err
		}
		ak, err := tpm.CheckCertificationText(rot.Certification, pub)
		if err == nil && i > lastEpoch && !knownAK(id, ak) {
			err = errors.New("certified by another attestation key than this TPM's")
		}
		if err != nil {
			return fmt.Errorf("appliance: verify journal: rotation leaf %d: the new key's certification: %w", h.seq, err)
		}
	}
	return nil
}

// RunKeyRotation rotates the signing key whenever it is cfg.RotateKeyEvery old, until ctx ends; it returns at once
// when no schedule is configured. The key's age is checked hourly (or every period, if shorter), so a schedule
// survives restarts: the age counts from the key's creation in the TPM.
func RunKeyRotation(ctx context.Context, a *Appliance) {
	period := time.Duration(a.cfg.RotateKeyEvery)
	if period <= 0 {
		return
	}
	every(ctx, min(period, time.Hour), func(ctx context.Context) {
		if _, err := rotateIfDue(ctx, a, period, time.Now()); err != nil {
			a.log.ErrorContext(ctx, "scheduled key rotation failed", slog.Any("error", err))
		}
	})
}

// rotateIfDue rotates the key when it is at least period old at now, and reports whether it did.
func rotateIfDue(ctx context.Context, a *Appliance, period time.Duration, now time.Time) (bool, error) {
	a.mu.Lock()
	born := a.ident.ProvisionedAt
	a.mu.Unlock()
	if now.Sub(born) < period {
		return false, nil
	}
	_, err := RotateKey(ctx, a)
	return err == nil, err
}
