package cosig

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// ErrNotWitnessed reports a witnessed checkpoint that does not stand for the checkpoint it is checked against:
// another origin, a smaller tree, another root at the same size, a consistency proof that fails, or a witness's
// cosignature that does not verify.
var ErrNotWitnessed = errors.New("cosig: not witnessed")

// Witnessed is a checkpoint and the witnesses that cosigned it.
type Witnessed struct {
	Checkpoint *format.Checkpoint // the cosigned checkpoint: cp itself, or a later one consistent with it
	Witnesses  []string           // the witnesses (name+key hash) whose cosignature verified, each once
}

// Check reads a delivery's proofs/witness (a [Request] body) and checks it against cp, the delivery's checkpoint,
// already verified: its old size is cp's size; its note is signed by logV (the key in force for cp); the
// checkpoint it carries is cp (same size and root, empty proof) or a later checkpoint of the same origin whose
// consistency with cp the proof shows. It returns the checkpoint and which of witnesses cosigned it. A witness's
// line that does not verify under its key is an error, not a missing cosignature. Errors wrap ErrFormat or
// ErrNotWitnessed.
func Check(file []byte, cp *format.Checkpoint, logV note.Verifier, witnesses []note.Verifier) (*Witnessed, error) {
	req, err := ParseRequest(file)
	if err != nil {
		return nil, err
	}
	if req.OldSize != cp.Size {
		return nil, fmt.Errorf("%w: the proof starts at size %d, the delivery's checkpoint has size %d", ErrNotWitnessed, req.OldSize, cp.Size)
	}
	wcp, err := format.ParseCheckpoint(req.Checkpoint, logV)
	if err != nil {
		return nil, fmt.Errorf("%w: the witnessed checkpoint: %w", ErrNotWitnessed, err)
	}
	switch {
	case wcp.Origin != cp.Origin:
		return nil, fmt.Errorf("%w: the witnessed checkpoint is of %q, not %q", ErrNotWitnessed, wcp.Origin, cp.Origin)
	case wcp.Size < cp.Size:
		return nil, fmt.Errorf("%w: the witnessed checkpoint has size %d, smaller than the delivery's %d", ErrNotWitnessed, wcp.Size, cp.Size)
	case wcp.Size == cp.Size && (wcp.Root != cp.Root || len(req.Proof) > 0):
		return nil, fmt.Errorf("%w: the witnessed checkpoint of size %d has another root than the delivery's, or a proof", ErrNotWitnessed, cp.Size)
	case wcp.Size > cp.Size:
		if cp.Size == 0 {
			break // every tree is consistent with the empty one
		}
		if err := tlog.CheckTree(req.Proof, int64(wcp.Size), wcp.Root, int64(cp.Size), cp.Root); err != nil {
			return nil, fmt.Errorf("%w: consistency %d→%d: %v", ErrNotWitnessed, cp.Size, wcp.Size, err)
		}
	}
	ids, err := Cosigners(req.Checkpoint, witnesses)
	if err != nil {
		return nil, err
	}
	return &Witnessed{Checkpoint: wcp, Witnesses: ids}, nil
}

// Cosigners returns which of witnesses cosigned the note (each key once, as "<name>+<key hash>"): a restore or an
// auditor holding a cosigned checkpoint counts its witnesses with it. A line by one of witnesses that does not
// verify is an error wrapping ErrNotWitnessed, not a missing cosignature.
func Cosigners(noteText []byte, witnesses []note.Verifier) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, v := range witnesses {
		id := fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
		if seen[id] {
			continue
		}
		seen[id] = true
		_, err := note.Open(noteText, note.VerifierList(v))
		var unv *note.UnverifiedNoteError
		switch {
		case err == nil:
			ids = append(ids, id)
		case errors.As(err, &unv):
		default:
			return nil, fmt.Errorf("%w: cosignature by %s: %v", ErrNotWitnessed, id, err)
		}
	}
	return ids, nil
}
