package bundle

import (
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/witness/cosig"
)

// witnessFile is a delivery's witnessed checkpoint (witness/cosig): an add-checkpoint body whose old size is
// proofs/checkpoint's, whose note carries the witnesses' cosignatures, and whose proof shows that note's tree
// consistent with proofs/checkpoint's (empty when it is the same checkpoint).
const witnessFile = "proofs/witness"

// witness checks proofs/witness against VerifyOptions.Witnesses: at least MinWitnesses of them cosigned
// proofs/checkpoint or a later checkpoint consistent with it. Without witness keys the file is only noted.
func (v *verifier) witness() {
	need := v.opts.MinWitnesses
	if !v.has(witnessFile) {
		if need > 0 {
			v.fail(CheckWitness, witnessFile, "witness.missing", need)
		} else {
			v.skip(CheckWitness, "", "witness.none")
		}
		return
	}
	v.seen[witnessFile] = true
	if len(v.opts.Witnesses) == 0 {
		v.skip(CheckWitness, witnessFile, "witness.present-not-checked")
		return
	}
	data, ok := v.read(CheckWitness, witnessFile, maxSmallFile)
	if !ok || v.cp == nil {
		return
	}
	logV, err := format.NewNoteVerifier(v.key)
	if err != nil {
		v.failErr(CheckWitness, vkeyFile, "signature.invalid-verifier-key", err)
		return
	}
	var ws []note.Verifier
	for _, k := range v.opts.Witnesses {
		w, err := cosig.Verifier(k)
		if err != nil {
			v.failErr(CheckWitness, "", "witness.invalid-key", err)
			return
		}
		ws = append(ws, w)
	}
	w, err := cosig.Check(data, v.cp, logV, ws)
	if err != nil {
		v.failErr(CheckWitness, witnessFile, "witness.invalid", err)
		return
	}
	names := strings.Join(w.Witnesses, ", ")
	if len(w.Witnesses) < max(need, 1) {
		v.fail(CheckWitness, witnessFile, "witness.too-few", len(w.Witnesses), max(need, 1), names)
		return
	}
	v.pass(CheckWitness, witnessFile, "witness.ok", len(w.Witnesses), w.Checkpoint.Size, names)
}
