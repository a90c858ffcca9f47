package tpm

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// ProvisionOptions configures a first provisioning. Once provisioned, the
// stored choices win; asking for different ones fails with ErrStateMismatch.
type ProvisionOptions struct {
	// PCRs the signing key's literal policy covers (and quotes cover). Without ImageKey it must contain AppPCR.
	// Default: DefaultPCRSelection().
	PCRs PCRSelection
	// ImageKey, when set, is the image key (ECDSA P-256, its private half held by the image build): a new signing
	// key is created under the authorized policy (PolicyAuthorize(ImageKey) and PolicyNV(tamper == 0), see the
	// package doc), and signs only with a signed policy of that key in force (Policy, or SetPolicy). A key already
	// provisioned under the literal PCR policy stays in force until it is rotated (NewSigningKey), which moves it
	// to the image key.
	ImageKey *ecdsa.PublicKey
	// Policies are the signed policies at hand (an A/B box has one per slot): the one put in force is chosen as
	// by ChoosePolicy.
	Policies []*SignedPolicy
	// OwnerAuth is the owner hierarchy's authorization, which defines the NV indices; empty on a TPM whose owner
	// hierarchy has none.
	OwnerAuth []byte
}

// Certification is a TPM-signed attestation of a key.
type Certification struct {
	Msg    []byte // marshalled TPMS_ATTEST, no size prefix
	Sig    []byte // marshalled TPMT_SIGNATURE (tpm2-tools "tss" format)
	SigDER []byte // the same ECDSA signature as ASN.1 DER (openssl)
}

// Identity is what provisioning established.
type Identity struct {
	// SigningKey is the public half of the TPM-resident signing key.
	SigningKey *ecdsa.PublicKey
	// SigningKeyTPMT is the key's marshalled TPMT_PUBLIC; its Name (nameAlg
	// || SHA-256(TPMT_PUBLIC)) is what Certify attests.
	SigningKeyTPMT []byte
	// AK is the attestation key's public key, AKTPMT its TPMT_PUBLIC.
	AK     *ecdsa.PublicKey
	AKTPMT []byte
	// EKCerts lists the EK certificates in NV; EKCert is the first one that
	// parsed, nil when there is none (the simulator has none).
	EKCerts []EKCert
	EKCert  *x509.Certificate
	// AKGeneration counts the rotations of the AK (RotateAK); PreviousAKTPMT are the TPMT_PUBLIC of the AKs
	// this TPM used before, oldest first, each of which certified its successor.
	AKGeneration   uint32
	PreviousAKTPMT [][]byte
	// Certify and CertifyCreation: the AK's statements about the signing
	// key, made at provisioning (or at the AK's last rotation).
	Certify         Certification
	CertifyCreation Certification
	// CreationData (TPMS_CREATION_DATA), CreationHash and CreationTicket
	// (TPMT_TK_CREATION) as returned by TPM2_Create.
	CreationData   []byte
	CreationHash   []byte
	CreationTicket []byte
	// PCRSelection is the policy's selection and PCRValues the values, in
	// selection order, that the policy requires.
	PCRSelection  PCRSelection
	PCRValues     [][]byte
	ProvisionedAt time.Time
	// ImagePolicyKey is the image key the signing key's authorized policy names; nil for a key under the literal
	// PCR policy (PCRSelection = PCRValues).
	ImagePolicyKey *ecdsa.PublicKey
}

// Provision loads the persisted signing key, or creates and certifies one
// when stateDir holds none. It is idempotent and leaves the signing key
// loaded for Signer.
func (t *TPM) Provision(ctx context.Context, opts ProvisionOptions) (*Identity, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id != nil {
		if err := checkSameSelection(t.id.PCRSelection.String(), opts); err != nil {
			return nil, fmt.Errorf("tpm: provision: %w", err)
		}
		return t.id, nil
	}
	rec, blob, err := readState(t.stateDir)
	if err != nil {
		return nil, fmt.Errorf("tpm: provision: %w", err)
	}
	t.imageKey, t.ownerAuth = opts.ImageKey, opts.OwnerAuth
	ekCerts := readEKCerts(t.tr)
	if rec == nil {
		rec, blob, err = t.create(ctx, opts)
	} else {
		err = checkSameSelection(rec.PCRSelection, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("tpm: provision: %w", err)
	}
	id, key, err := t.load(rec, blob)
	if err != nil {
		return nil, fmt.Errorf("tpm: provision: %w", err)
	}
	id.EKCerts = ekCerts
	for _, c := range ekCerts {
		if c.Cert != nil {
			id.EKCert = c.Cert
			break
		}
	}
	t.id, t.sig, t.akGen = id, key, id.AKGeneration
	if id.ImagePolicyKey != nil {
		// The simulator starts each Open with empty NV; a real TPM keeps the indices (this is then a read).
		if err := ensureNV(t.tr, t.ownerAuth); err != nil {
			return nil, fmt.Errorf("tpm: provision: %w", err)
		}
	}
	if len(opts.Policies) > 0 {
		if _, err := t.choosePolicy(opts.Policies); err != nil {
			return nil, fmt.Errorf("tpm: provision: %w", err)
		}
	}
	return id, nil
}

func checkSameSelection(provisioned string, opts ProvisionOptions) error {
	if opts.PCRs == nil {
		return nil
	}
	want, err := opts.PCRs.Normalize()
	if err != nil {
		return err
	}
	if want.String() != provisioned {
		return fmt.Errorf("%w: provisioned for %s, asked for %s", ErrStateMismatch, provisioned, want)
	}
	return nil
}

// create makes, certifies and persists a new signing key.
func (t *TPM) create(ctx context.Context, opts ProvisionOptions) (*provisionRecord, []byte, error) {
	sel := opts.PCRs
	if sel == nil {
		sel = DefaultPCRSelection()
	}
	sel, err := sel.Normalize()
	if err != nil {
		return nil, nil, err
	}
	if !sel.Contains(AppPCR) && t.imageKey == nil {
		// Under the literal policy the application PCR is what a tamper event changes; under an image key the
		// tamper index is, and the selection only says what quotes cover.
		return nil, nil, fmt.Errorf("PCR selection %s lacks the application PCR %d", sel, AppPCR)
	}
	vals, err := readPCRs(t.tr, sel)
	if err != nil {
		return nil, nil, fmt.Errorf("read PCRs %s: %w", sel, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	rec, blob, key, err := t.makeSigningKey(sel, vals)
	if err != nil {
		return nil, nil, err
	}
	flush(t.tr, key.handle)
	if err := writeState(t.stateDir, rec, blob); err != nil {
		return nil, nil, err
	}
	return rec, blob, nil
}

// makeSigningKey creates a signing key bound to the authorized policy of the image key when one is configured (or,
// for a successor, when the key in force has one: a rotation never falls back to the literal policy), else to the
// literal PCR policy (sel, vals); has the AK certify it (TPM2_Certify and TPM2_CertifyCreation), and returns its
// record and blob, unsaved, with the key left loaded: the caller flushes it.
func (t *TPM) makeSigningKey(sel PCRSelection, vals [][]byte) (*provisionRecord, []byte, *object, error) {
	var policy, imageKey []byte
	var err error
	ik := t.imageKey
	if ik == nil && t.id != nil {
		ik = t.id.ImagePolicyKey
	}
	if ik != nil {
		if err := ensureNV(t.tr, t.ownerAuth); err != nil {
			return nil, nil, nil, err
		}
		if imageKey, err = marshalImageKey(ik); err == nil {
			policy, err = attest.AuthorizedKeyPolicy(ik)
		}
	} else {
		policy, err = pcrPolicyDigest(sel, vals)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("compute the key's policy: %w", err)
	}
	created, key, err := createSigningKey(t.tr, sel, policy)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, blob, err := t.certifyNew(sel, vals, created, key)
	if err != nil {
		flush(t.tr, key.handle)
		return nil, nil, nil, err
	}
	if imageKey != nil {
		rec.Format, rec.ImagePolicyKey = provisionFmtV2, imageKey
	}
	return rec, blob, key, nil
}

func (t *TPM) certifyNew(sel PCRSelection, vals [][]byte, created *tpm2.CreateResponse, key *object) (*provisionRecord, []byte, error) {
	ak, err := createAK(t.tr, t.akGen)
	if err != nil {
		return nil, nil, err
	}
	defer flush(t.tr, ak.handle)

	rec := &provisionRecord{
		Format:           provisionFmt,
		ProvisionedAt:    time.Now().UTC().Truncate(time.Second),
		PCRSelection:     sel.String(),
		SigningKeyPublic: created.OutPublic.Bytes(),
		AKPublic:         tpm2.Marshal(ak.pub),
		CreationData:     created.CreationData.Bytes(),
		CreationHash:     created.CreationHash.Buffer,
		CreationTicket:   tpm2.Marshal(created.CreationTicket),
		AKGeneration:     t.akGen,
		PreviousAKs:      t.previousAKs(),
	}
	for _, v := range vals {
		rec.PCRValues = append(rec.PCRValues, v)
	}
	cert, err := certify(t.tr, ak, key, nil)
	if err != nil {
		return nil, nil, err
	}
	rec.Certify = certificationRecord{Msg: cert.Msg, Sig: cert.Sig}
	cc, err := tpm2.CertifyCreation{
		SignHandle:     ak.authHandle(tpm2.PasswordAuth(nil)),
		ObjectHandle:   key.named(),
		CreationHash:   created.CreationHash,
		InScheme:       tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
		CreationTicket: created.CreationTicket,
	}.Execute(t.tr)
	if err != nil {
		return nil, nil, fmt.Errorf("certify creation of signing key: %w", err)
	}
	rec.CertifyCreation = certificationRecord{Msg: cc.CertifyInfo.Bytes(), Sig: tpm2.Marshal(cc.Signature)}

	blob := encodeBlob(magicSigningKey, &keyBlob{public: rec.SigningKeyPublic, private: created.OutPrivate})
	return rec, blob, nil
}

// createSigningKey creates the policy-bound signing key under the SRK and
// loads it; the SRK is flushed before returning.
func createSigningKey(tr transport.TPM, sel PCRSelection, policy []byte) (*tpm2.CreateResponse, *object, error) {
	srk, err := createSRK(tr)
	if err != nil {
		return nil, nil, err
	}
	defer flush(tr, srk.handle)
	created, err := tpm2.Create{
		ParentHandle: srk.authHandle(tpm2.PasswordAuth(nil)),
		InPublic:     tpm2.New2B(eccSigningTemplate(false, policy)),
		CreationPCR:  sel.TPML(),
	}.Execute(tr)
	if err != nil {
		return nil, nil, fmt.Errorf("create signing key: %w", err)
	}
	loaded, err := tpm2.Load{
		ParentHandle: srk.authHandle(tpm2.PasswordAuth(nil)),
		InPrivate:    created.OutPrivate,
		InPublic:     created.OutPublic,
	}.Execute(tr)
	if err != nil {
		return nil, nil, fmt.Errorf("load new signing key: %w", err)
	}
	pub, err := created.OutPublic.Contents()
	if err != nil {
		flush(tr, loaded.ObjectHandle)
		return nil, nil, err
	}
	return created, &object{handle: loaded.ObjectHandle, name: loaded.Name, pub: *pub}, nil
}

// certify has the AK certify key with qualifying data.
func certify(tr transport.TPM, ak, key *object, qualifying []byte) (*Certification, error) {
	rsp, err := tpm2.Certify{
		ObjectHandle:   key.authHandle(tpm2.PasswordAuth(nil)),
		SignHandle:     ak.authHandle(tpm2.PasswordAuth(nil)),
		QualifyingData: tpm2.TPM2BData{Buffer: qualifying},
		InScheme:       tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
	}.Execute(tr)
	if err != nil {
		return nil, fmt.Errorf("certify signing key: %w", err)
	}
	return newCertification(rsp.CertifyInfo.Bytes(), &rsp.Signature)
}

func newCertification(msg []byte, sig *tpm2.TPMTSignature) (*Certification, error) {
	der, err := attest.SignatureDER(sig)
	if err != nil {
		return nil, err
	}
	return &Certification{Msg: msg, Sig: tpm2.Marshal(sig), SigDER: der}, nil
}

// load checks a persisted provisioning against itself and against this
// TPM, and loads the signing key.
func (t *TPM) load(rec *provisionRecord, blob []byte) (*Identity, *loadedKey, error) {
	id, err := identityFromRecord(t.stateDir, rec, blob)
	if err != nil {
		return nil, nil, err
	}
	ak, err := createAK(t.tr, rec.AKGeneration)
	if err != nil {
		return nil, nil, err
	}
	akPub := tpm2.Marshal(ak.pub)
	flush(t.tr, ak.handle)
	if !bytes.Equal(akPub, id.AKTPMT) {
		return nil, nil, fmt.Errorf("%w: attestation key differs from the one recorded in %s", ErrStateMismatch, filepath.Join(t.stateDir, ProvisionFile))
	}
	kb, _, err := decodeBlob(magicSigningKey, blob)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(t.stateDir, SigningKeyFile), err)
	}
	obj, err := loadUnderSRK(t.tr, kb)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrStateMismatch, filepath.Join(t.stateDir, SigningKeyFile), err)
	}
	key, err := newLoadedKey(obj, id)
	if err != nil {
		flush(t.tr, obj.handle)
		return nil, nil, err
	}
	return id, key, nil
}

// newLoadedKey describes the loaded signing key of id.
func newLoadedKey(obj *object, id *Identity) (*loadedKey, error) {
	k := &loadedKey{handle: obj.handle, name: obj.name, pub: obj.pub, sel: id.PCRSelection.TPML()}
	if id.ImagePolicyKey != nil {
		pub, err := attest.ImageKeyPublic(id.ImagePolicyKey)
		if err != nil {
			return nil, err
		}
		k.imageKey = &pub
	}
	return k, nil
}

// identityFromRecord decodes and cross-checks provision.json and the blob.
func identityFromRecord(dir string, rec *provisionRecord, blob []byte) (*Identity, error) {
	recPath := filepath.Join(dir, ProvisionFile)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrCorruptState, recPath, fmt.Sprintf(format, args...))
	}
	kb, pub, err := decodeBlob(magicSigningKey, blob)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorruptState, filepath.Join(dir, SigningKeyFile), err)
	}
	if !bytes.Equal(kb.public, rec.SigningKeyPublic) {
		return nil, bad("signing key public area differs from %s", SigningKeyFile)
	}
	sel, err := ParsePCRSelection(rec.PCRSelection)
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(rec.PCRValues) != len(sel) {
		return nil, bad("%d PCR values for selection %s", len(rec.PCRValues), sel)
	}
	vals := make([][]byte, len(sel))
	for i, v := range rec.PCRValues {
		vals[i] = v
	}
	var imageKey *ecdsa.PublicKey
	var policy []byte
	if len(rec.ImagePolicyKey) > 0 {
		if imageKey, err = parseImageKeyDER(rec.ImagePolicyKey); err != nil {
			return nil, bad("image_policy_key: %v", err)
		}
		policy, err = attest.AuthorizedKeyPolicy(imageKey)
	} else {
		policy, err = pcrPolicyDigest(sel, vals)
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	if !bytes.Equal(policy, pub.AuthPolicy.Buffer) {
		if imageKey != nil {
			return nil, bad("signing key policy is not the authorized policy of the recorded image key")
		}
		return nil, bad("signing key policy does not match the recorded PCR values")
	}
	sk, err := attest.PublicKey(pub)
	if err != nil {
		return nil, bad("signing key: %v", err)
	}
	akPub, err := tpm2.Unmarshal[tpm2.TPMTPublic](rec.AKPublic)
	if err != nil {
		return nil, bad("attestation key: %v", err)
	}
	ak, err := attest.PublicKey(akPub)
	if err != nil {
		return nil, bad("attestation key: %v", err)
	}
	id := &Identity{
		SigningKey: sk, SigningKeyTPMT: rec.SigningKeyPublic, AK: ak, AKTPMT: rec.AKPublic,
		CreationData: rec.CreationData, CreationHash: rec.CreationHash, CreationTicket: rec.CreationTicket,
		PCRSelection: sel, PCRValues: vals, ProvisionedAt: rec.ProvisionedAt, AKGeneration: rec.AKGeneration,
		ImagePolicyKey: imageKey,
	}
	for _, p := range rec.PreviousAKs {
		id.PreviousAKTPMT = append(id.PreviousAKTPMT, p)
	}
	for _, c := range []struct {
		in  certificationRecord
		out *Certification
	}{{rec.Certify, &id.Certify}, {rec.CertifyCreation, &id.CertifyCreation}} {
		sig, err := tpm2.Unmarshal[tpm2.TPMTSignature](c.in.Sig)
		if err != nil {
			return nil, bad("certification signature: %v", err)
		}
		cert, err := newCertification(c.in.Msg, sig)
		if err != nil {
			return nil, bad("certification signature: %v", err)
		}
		*c.out = *cert
	}
	if err := VerifyCertification(ak, id.Certify.Msg, id.Certify.Sig, id.SigningKeyTPMT); err != nil {
		return nil, bad("certify: %v", err)
	}
	if err := VerifyCertification(ak, id.CertifyCreation.Msg, id.CertifyCreation.Sig, id.SigningKeyTPMT); err != nil {
		return nil, bad("certify creation: %v", err)
	}
	return id, nil
}
