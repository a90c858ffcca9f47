package tpm

// Rotation of the attestation key: the TPM recreates its AK under the next generation's template; the old AK
// certifies the new one (both are in this TPM) and the new AK certifies the signing key again.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/tpm/attest"
)

// AKRotation is what RotateAK did: the AKs before and after (TPMT_PUBLIC) and the old AK's TPM2_Certify of the new
// one, which shows that both live in the same TPM.
type AKRotation struct {
	OldAKTPMT, NewAKTPMT []byte
	NewGeneration        uint32
	// Link is the old AK's TPM2_Certify of the new AK (qualifying data: SHA-256 of the old AK's TPMT_PUBLIC).
	Link Certification
	// Certify is the new AK's TPM2_Certify of the signing key.
	Certify Certification
}

// RotateAK replaces the attestation key by the next generation's (createAK): the old AK certifies the new AK, the
// new AK certifies the signing key (TPM2_Certify and TPM2_CertifyCreation), and the provisioning record is
// rewritten with the new AK, the old one kept among its predecessors and the old record copied to retired/<time>/
// first. From then on quotes, certifications and credential activations use the new AK; the authority must
// certify it again (a new enrollment: the same EK, activation of the new AK). It needs Provision.
func (t *TPM) RotateAK(ctx context.Context) (*AKRotation, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: %w", ErrNotProvisioned)
	}
	rot, rec, err := t.rotateAK()
	if err != nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: %w", err)
	}
	if err := retireRecord(t.stateDir, time.Now()); err != nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: retire the old record: %w", err)
	}
	blob, err := os.ReadFile(filepath.Join(t.stateDir, SigningKeyFile))
	if err != nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: %w", err)
	}
	id, err := identityFromRecord(t.stateDir, rec, blob)
	if err != nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: %w", err)
	}
	if err := writeState(t.stateDir, rec, blob); err != nil {
		return nil, fmt.Errorf("tpm: rotate attestation key: %w", err)
	}
	id.EKCerts, id.EKCert = t.id.EKCerts, t.id.EKCert
	t.id, t.akGen = id, rec.AKGeneration
	return rot, nil
}

// rotateAK makes the new AK's certifications and the new record, unsaved.
func (t *TPM) rotateAK() (*AKRotation, *provisionRecord, error) {
	oldAK, err := createAK(t.tr, t.akGen)
	if err != nil {
		return nil, nil, err
	}
	defer flush(t.tr, oldAK.handle)
	if !bytes.Equal(tpm2.Marshal(oldAK.pub), t.id.AKTPMT) {
		return nil, nil, fmt.Errorf("%w: the attestation key in force is not the recorded one", ErrStateMismatch)
	}
	gen := t.akGen + 1
	newAK, err := createAK(t.tr, gen)
	if err != nil {
		return nil, nil, err
	}
	defer flush(t.tr, newAK.handle)
	rot := &AKRotation{OldAKTPMT: t.id.AKTPMT, NewAKTPMT: tpm2.Marshal(newAK.pub), NewGeneration: gen}
	q := attestSum(rot.OldAKTPMT)
	link, err := certify(t.tr, oldAK, newAK, q)
	if err != nil {
		return nil, nil, fmt.Errorf("the old attestation key certifies the new one: %w", err)
	}
	rot.Link = *link
	key := &object{handle: t.sig.handle, name: t.sig.name, pub: t.sig.pub}
	cert, err := certify(t.tr, newAK, key, nil)
	if err != nil {
		return nil, nil, err
	}
	rot.Certify = *cert
	ticket, err := tpm2.Unmarshal[tpm2.TPMTTKCreation](t.id.CreationTicket)
	if err != nil {
		return nil, nil, fmt.Errorf("creation ticket: %w", err)
	}
	cc, err := tpm2.CertifyCreation{
		SignHandle:     newAK.authHandle(tpm2.PasswordAuth(nil)),
		ObjectHandle:   key.named(),
		CreationHash:   tpm2.TPM2BDigest{Buffer: t.id.CreationHash},
		InScheme:       tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
		CreationTicket: *ticket,
	}.Execute(t.tr)
	if err != nil {
		return nil, nil, fmt.Errorf("certify creation of signing key: %w", err)
	}
	rec := &provisionRecord{
		Format: provisionFmt, ProvisionedAt: t.id.ProvisionedAt, PCRSelection: t.id.PCRSelection.String(),
		SigningKeyPublic: t.id.SigningKeyTPMT, AKPublic: rot.NewAKTPMT,
		CreationData: t.id.CreationData, CreationHash: t.id.CreationHash, CreationTicket: t.id.CreationTicket,
		Certify:         certificationRecord{Msg: cert.Msg, Sig: cert.Sig},
		CertifyCreation: certificationRecord{Msg: cc.CertifyInfo.Bytes(), Sig: tpm2.Marshal(cc.Signature)},
		AKGeneration:    gen, PreviousAKs: append(t.previousAKs(), rot.OldAKTPMT),
	}
	for _, v := range t.id.PCRValues {
		rec.PCRValues = append(rec.PCRValues, v)
	}
	return rot, rec, nil
}

// previousAKs returns the AKs this TPM used before the one in force, for a new record.
func (t *TPM) previousAKs() []hexBytes {
	if t.id == nil {
		return nil
	}
	var out []hexBytes
	for _, p := range t.id.PreviousAKTPMT {
		out = append(out, p)
	}
	return out
}

// retireRecord copies provision.json to dir/retired/<UTC time>-ak/ before an AK rotation rewrites it.
func retireRecord(dir string, now time.Time) error {
	to := filepath.Join(dir, RetiredDir, now.UTC().Format("20060102T150405.000000000Z")+"-ak")
	if err := durable.MkdirAll(to, 0o700); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, ProvisionFile))
	if err != nil {
		return err
	}
	return durable.WriteNew(filepath.Join(to, ProvisionFile), data, 0o600)
}

// CheckAKLink checks an AK rotation's link: the old AK (oldTPMT) signed a TPM2_Certify of the new AK (newTPMT)
// with the SHA-256 of oldTPMT as qualifying data.
func CheckAKLink(oldTPMT, newTPMT, msg, sig []byte) error {
	old, err := attest.CertifiedKey(oldTPMT)
	if err != nil {
		return fmt.Errorf("old attestation key: %w", err)
	}
	if err := attest.VerifyCertification(old, msg, sig, newTPMT); err != nil {
		return fmt.Errorf("the old attestation key's certification of the new one: %w", err)
	}
	extra, err := attest.AttestExtraData(msg)
	if q := attestSum(oldTPMT); err != nil || !bytes.Equal(extra, q) {
		return fmt.Errorf("the certification of the new attestation key does not name the old one")
	}
	return nil
}

func attestSum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
