package appliance

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/attesta/attesta/journal"
)

// VerifyJournal recomputes and checks the whole journal: every leaf, stored hash and checkpoint, against the key
// in the TPM (not the one recorded in the file; after rotations, the chain of keys from the journal's first key
// must end at the TPM's), every artifact blob against its leaf, and, when latest is given, that the journal has
// not been rolled back behind that checkpoint.
func (a *Appliance) VerifyJournal(ctx context.Context, latest []byte) (*journal.VerifyReport, error) {
	v, err := a.NoteVerifier()
	if err != nil {
		return nil, err
	}
	first, err := firstKeyVerifier(ctx, a.journal, v)
	if err != nil {
		return nil, err
	}
	rep, err := a.journal.Verify(ctx, journal.VerifyOptions{Verifier: first, Latest: latest, Blobs: a.blobs})
	if err == nil {
		err = chainEndsAt(rep, v)
	}
	if err == nil {
		err = checkRotationCertifications(ctx, a.journal, rep, a.ident)
	}
	return rep, err
}

// VerifyJournalFile checks a journal file offline, without a TPM: everything VerifyJournal checks except the
// blobs, whose case keys only the appliance's TPM can unwrap. vkey pins the checkpoint key (as printed in a
// report); empty means the key recorded in the file, which proves consistency but not origin: the report says so.
func VerifyJournalFile(ctx context.Context, path, vkey string, latest []byte) (rep *journal.VerifyReport, pinned bool, err error) {
	j, err := journal.Open(ctx, path, journal.Options{})
	if err != nil {
		return nil, false, err
	}
	defer j.Close()
	pinned = vkey != ""
	var mismatch error
	if !pinned {
		vkey = j.VerifierKey()
	} else if keys, _ := j.Keys(ctx); !slices.Contains(keys, vkey) {
		// Reported alongside the checkpoint failures it causes, since it explains them.
		mismatch = fmt.Errorf("journal %s: the key recorded in the file is not the pinned key", path)
	}
	v, err := journal.NewNoteVerifier(vkey)
	if err != nil {
		return nil, pinned, fmt.Errorf("verifier key: %w", err)
	}
	rep, err = j.Verify(ctx, journal.VerifyOptions{Verifier: v, Latest: latest})
	return rep, pinned, errors.Join(mismatch, err)
}
