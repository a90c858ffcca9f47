package bundle

import "github.com/attesta/attesta/journal/format"

// Proof is a c2sp.org/tlog-proof@v1 ([format.Proof]): an entry's index, its RFC 6962 inclusion proof and the
// signed checkpoint the proof leads to.
type Proof = format.Proof

// ProofHeader is the first line of a tlog-proof.
const ProofHeader = format.ProofHeader

// MaxProofSize bounds a tlog-proof file.
const MaxProofSize = format.MaxProofSize

// ParseProof reads a tlog-proof strictly ([format.ParseProof]); errors wrap ErrProof.
func ParseProof(data []byte) (*Proof, error) { return format.ParseProof(data) }
