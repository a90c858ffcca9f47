package format

// Key epochs: the leaf that hands the log to a new TPM's key when the key in force was lost with its TPM.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// TypeEpoch is the leaf type that starts a new key epoch: the journal continues under a key of another TPM.
const TypeEpoch = "key-epoch"

// EpochFormat is the "format" field of an epoch leaf and the first line of the statement it signs.
const EpochFormat = "attesta.epoch/v1"

// epochFields are the fields of an epoch leaf of format EpochFormat, no more and no fewer.
var epochFields = []string{"authority_chain", "authority_sig", "format", "new_key", "new_sig", "old_key", "prev_root"}

// ErrUnanchoredEpoch is wrapped when an epoch record is judged without the authority's roots: only the authority
// can vouch that a key of another TPM continues the journal.
var ErrUnanchoredEpoch = errors.New("key epoch not backed by a trusted authority")

// Epoch is a leaf of type [TypeEpoch]. When an appliance's TPM is replaced (a motherboard swap) or cleared, its
// signing key is gone and cannot sign a [Rotation]. The new TPM's key (NewKey) signs the statement instead, and the
// registration authority countersigns it with its issuing CA's key after it enrolled the new TPM and its operator
// retired the old enrollment: the countersignature is what links the new key to the history signed by OldKey.
// Verifiers accept the hand-over only when AuthorityChain leads to an authority root they trust ([Epoch.Check]).
type Epoch struct {
	Seq      uint64    // the leaf's index, which is also the size of the tree before it
	Time     time.Time // the leaf's "time"
	PrevRoot tlog.Hash // the root of the tree of the Seq leaves before this one
	OldKey   string    // verifier key text of the key in force before the leaf, lost with its TPM
	NewKey   string    // verifier key text of the new TPM's key, under the same origin
	NewSig   []byte    // ASN.1 DER ECDSA by NewKey over SHA-256 of Statement()
	// AuthoritySig is the ECDSA (ASN.1 DER) signature over SHA-256 of Statement() by the key of
	// AuthorityChain[0], a CA certificate of the authority; AuthorityChain is DER certificates, each signed by the
	// next (the root itself need not be included). Both empty until the authority countersigned.
	AuthoritySig   []byte
	AuthorityChain [][]byte
}

// Statement returns the bytes the new key and the authority sign: seven lines, each ending in '\n':
//
//	attesta.epoch/v1
//	<origin, the key name of both keys>
//	<tree size before the leaf = the leaf's index, decimal>
//	<base64 of the root of that tree>
//	<the leaf's time, TimeLayout>
//	<old verifier key>
//	<new verifier key>
func (e *Epoch) Statement() []byte {
	return []byte(handOverLines(EpochFormat, e.Seq, e.PrevRoot, e.Time, e.OldKey, e.NewKey))
}

// NewEpoch builds the epoch record at index seq of a log of origin whose tree of seq leaves has root prevRoot,
// from the lost key oldKey (a verifier key text) to newKey (ECDSA P-256, in the new TPM), at time t, signed by
// newKey. The authority countersigns it next ([Epoch.Countersign]).
func NewEpoch(origin string, seq uint64, prevRoot tlog.Hash, t time.Time, oldKey string, newKey crypto.Signer) (*Epoch, error) {
	pub, ok := newKey.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("journal: epoch at leaf %d: key is %T, want ECDSA P-256", seq, newKey.Public())
	}
	e := &Epoch{Seq: seq, Time: t.UTC(), PrevRoot: prevRoot, OldKey: oldKey}
	var err error
	if e.NewKey, err = VerifierKey(origin, pub); err != nil {
		return nil, fmt.Errorf("journal: epoch at leaf %d: %w", seq, err)
	}
	if keyName(oldKey) != origin {
		return nil, fmt.Errorf("journal: epoch at leaf %d: the old key is named %q, the log %q", seq, keyName(oldKey), origin)
	}
	d := sha256.Sum256(e.Statement())
	if e.NewSig, err = newKey.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
		return nil, fmt.Errorf("journal: epoch at leaf %d: sign with the new key: %w", seq, err)
	}
	if err := e.CheckNewKey(); err != nil {
		return nil, err
	}
	return e, nil
}

// Countersign adds the authority's signature by key, whose certificate is chain[0] (a CA certificate; the
// chain's other certificates are its issuers).
func (e *Epoch) Countersign(key crypto.Signer, chain []*x509.Certificate) error {
	if len(chain) == 0 || !chain[0].IsCA {
		return fmt.Errorf("journal: epoch at leaf %d: the countersigning certificate must be a CA's", e.Seq)
	}
	d := sha256.Sum256(e.Statement())
	sig, err := key.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("journal: epoch at leaf %d: countersign: %w", e.Seq, err)
	}
	e.AuthoritySig, e.AuthorityChain = sig, nil
	for _, c := range chain {
		e.AuthorityChain = append(e.AuthorityChain, c.Raw)
	}
	_, err = e.CheckSignatures(e.OldKey)
	return err
}

func (e *Epoch) fail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("journal: epoch leaf %d: %w: %s", e.Seq, sentinel, fmt.Sprintf(format, args...))
}

// CheckNewKey checks the keys (valid, distinct, of the same origin) and the new key's signature: all of an epoch
// request but the countersignature.
func (e *Epoch) CheckNewKey() error {
	_, newPub, err := checkHandOverKeys(e.OldKey, e.NewKey, "an epoch", e.fail)
	if err != nil {
		return err
	}
	d := sha256.Sum256(e.Statement())
	if !ecdsa.VerifyASN1(newPub, d[:], e.NewSig) {
		return e.fail(ErrBadSignature, "the new key's signature (%s) does not verify", keyLabelOf(e.NewKey))
	}
	return nil
}

// CheckSignatures checks the epoch against the key in force before it (inForce), everything but the anchor of
// the authority's chain: OldKey is inForce, NewKey a valid key of the same origin, its signature valid, the
// countersigning certificate a CA certificate whose key signed the statement, and each certificate of the chain
// signed by the next. It returns the countersigning certificate. The journal uses it to check its own records;
// a recipient uses [Epoch.Check].
func (e *Epoch) CheckSignatures(inForce string) (*x509.Certificate, error) {
	if e.OldKey != inForce {
		return nil, e.fail(ErrBadSignature, "it hands over from key %s, but the key in force is %s", keyLabelOf(e.OldKey), keyLabelOf(inForce))
	}
	if err := e.CheckNewKey(); err != nil {
		return nil, err
	}
	if len(e.AuthoritySig) == 0 || len(e.AuthorityChain) == 0 {
		return nil, e.fail(ErrUnanchoredEpoch, "not countersigned by an authority")
	}
	chain := make([]*x509.Certificate, len(e.AuthorityChain))
	for i, der := range e.AuthorityChain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, e.fail(ErrInvalidLeaf, "field \"authority_chain\": certificate %d: %v", i+1, err)
		}
		chain[i] = c
		if i > 0 {
			if err := chain[i-1].CheckSignatureFrom(c); err != nil {
				return nil, e.fail(ErrBadSignature, "authority certificate %d is not signed by certificate %d: %v", i, i+1, err)
			}
		}
	}
	signer := chain[0]
	if !signer.IsCA || signer.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, e.fail(ErrUnanchoredEpoch, "countersigned by %q, which is not a certification authority", signer.Subject.CommonName)
	}
	pub, ok := signer.PublicKey.(*ecdsa.PublicKey)
	d := sha256.Sum256(e.Statement())
	if !ok || !ecdsa.VerifyASN1(pub, d[:], e.AuthoritySig) {
		return nil, e.fail(ErrBadSignature, "the countersignature of %q does not verify", signer.Subject.CommonName)
	}
	return signer, nil
}

// Check is CheckSignatures and, at the epoch's time, the countersigning certificate's chain to one of roots (the
// authority roots the verifier trusts). Without roots it fails with ErrUnanchoredEpoch.
func (e *Epoch) Check(inForce string, roots *x509.CertPool) error {
	signer, err := e.CheckSignatures(inForce)
	if err != nil {
		return err
	}
	if roots == nil {
		return e.fail(ErrUnanchoredEpoch, "the hand-over to a new TPM's key is countersigned by %q: it is accepted only against the authority's root", signer.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, der := range e.AuthorityChain[1:] {
		c, _ := x509.ParseCertificate(der)
		inter.AddCert(c)
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: e.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return e.fail(ErrUnanchoredEpoch, "countersigned by %q, which does not chain to the authority's root: %v", signer.Subject.CommonName, err)
	}
	return nil
}

// Entry returns the journal entry of the epoch (its Seq is assigned by the journal and must equal e.Seq).
func (e *Epoch) Entry() Entry {
	chain := ""
	for i, der := range e.AuthorityChain {
		if i > 0 {
			chain += " "
		}
		chain += base64.StdEncoding.EncodeToString(der)
	}
	return Entry{Type: TypeEpoch, Time: e.Time, Fields: map[string]any{
		"format":          EpochFormat,
		"prev_root":       base64.StdEncoding.EncodeToString(e.PrevRoot[:]),
		"old_key":         e.OldKey,
		"new_key":         e.NewKey,
		"new_sig":         base64.StdEncoding.EncodeToString(e.NewSig),
		"authority_sig":   base64.StdEncoding.EncodeToString(e.AuthoritySig),
		"authority_chain": chain,
	}}
}

// Marshal returns the epoch as the leaf it becomes at index Seq ([EncodeLeaf]): the file the appliance gives the
// authority (not yet countersigned) and the authority gives back.
func (e *Epoch) Marshal() ([]byte, error) {
	return EncodeLeaf(e.Seq, e.Entry())
}

// ParseEpoch reads an epoch file (a leaf, [Epoch.Marshal]) strictly; signatures are not checked.
func ParseEpoch(data []byte) (*Epoch, error) {
	seq, e, err := DecodeLeaf(data)
	if err != nil {
		return nil, fmt.Errorf("journal: epoch: %w", err)
	}
	return EpochOf(seq, e)
}

// EpochOf reads an epoch leaf at index seq strictly: type [TypeEpoch], "format" [EpochFormat], exactly the fields
// of that format, no case, base64 values that decode. It does not check the signatures: see [Epoch.Check].
// Errors wrap ErrInvalidLeaf and name the leaf and field at fault.
func EpochOf(seq uint64, e Entry) (*Epoch, error) {
	if e.Type != TypeEpoch {
		return nil, fmt.Errorf("journal: epoch leaf %d: %w: type %q, want %q", seq, ErrInvalidLeaf, e.Type, TypeEpoch)
	}
	if err := checkEpochFields(e); err != nil {
		return nil, fmt.Errorf("journal: epoch leaf %d: %w: %v", seq, ErrInvalidLeaf, err)
	}
	ep := &Epoch{Seq: seq, Time: e.Time, OldKey: e.Fields["old_key"].(string), NewKey: e.Fields["new_key"].(string)}
	root, _ := base64.StdEncoding.DecodeString(e.Fields["prev_root"].(string))
	copy(ep.PrevRoot[:], root)
	ep.NewSig, _ = base64.StdEncoding.DecodeString(e.Fields["new_sig"].(string))
	ep.AuthoritySig, _ = base64.StdEncoding.DecodeString(e.Fields["authority_sig"].(string))
	if chain := e.Fields["authority_chain"].(string); chain != "" {
		for _, s := range splitSpaces(chain) {
			der, _ := base64.StdEncoding.DecodeString(s)
			ep.AuthorityChain = append(ep.AuthorityChain, der)
		}
	}
	return ep, nil
}

// maxAuthorityChain bounds the certificates of an epoch's authority chain.
const maxAuthorityChain = 4

// checkEpochFields checks an epoch leaf's fields; EncodeLeaf and DecodeLeaf apply it to every such leaf.
func checkEpochFields(e Entry) error {
	if err := checkFieldSet(e, "epoch", EpochFormat, epochFields); err != nil {
		return err
	}
	for _, k := range epochFields {
		s, ok := e.Fields[k].(string)
		if !ok {
			return fmt.Errorf("epoch: field %q: want a string", k)
		}
		switch k {
		case "prev_root":
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != s {
				return fmt.Errorf("epoch: field %q: want the base64 of %d bytes", k, tlog.HashSize)
			}
		case "new_sig":
			if !isBase64(s, false) {
				return fmt.Errorf("epoch: field %q: want canonical base64 of a signature", k)
			}
		case "authority_sig":
			if !isBase64(s, true) {
				return fmt.Errorf("epoch: field %q: want canonical base64 of a signature, or nothing", k)
			}
		case "authority_chain":
			parts := splitSpaces(s)
			if len(parts) > maxAuthorityChain {
				return fmt.Errorf("epoch: field %q: more than %d certificates", k, maxAuthorityChain)
			}
			for i, p := range parts {
				if !isBase64(p, false) {
					return fmt.Errorf("epoch: field %q: certificate %d: want canonical base64, separated by one space", k, i+1)
				}
			}
			if (s == "") != (e.Fields["authority_sig"] == "") {
				return fmt.Errorf("epoch: fields \"authority_sig\" and %q: both or neither", k)
			}
		case "old_key", "new_key":
			if s == "" {
				return fmt.Errorf("epoch: field %q: want a verifier key", k)
			}
		}
	}
	return nil
}

// isBase64 reports whether s is canonical base64 of at least one byte, or, when emptyOK, empty.
func isBase64(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	raw, err := canonicalBase64(s)
	return err == nil && len(raw) > 0
}

// splitSpaces splits s at single spaces; "" gives nothing, and an empty part (two spaces, a space at either end)
// is kept as "", which isBase64 refuses.
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
