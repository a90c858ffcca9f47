package tpm

// The authorized policy: the signing key's authPolicy is PolicyAuthorize(image key) then PolicyNV(tamper == 0); the
// image key approves, per image, PolicyPCR(PCRs of a genuine boot) then PolicyNV(counter ≤ policy version). See the
// package doc, "Authorized policy".

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// SignedPolicy is attest.SignedPolicy: one image's PCR policy signed by the image key.
type SignedPolicy = attest.SignedPolicy

var (
	// ErrTampered is wrapped by a [PolicyError] while the tamper index is set: the case was opened and no
	// administrator has cleared it ([TPM.ClearTamper]).
	ErrTampered = errors.New("tamper index set")
	// ErrPolicyRolledBack is wrapped by a [PolicyError] when the signed policy's version is below the lowest version
	// the TPM's counter accepts: an older image's policy after an update.
	ErrPolicyRolledBack = errors.New("signed policy older than the TPM accepts")
	// ErrNoPolicy is returned when a key under the image key signs without a signed policy in force.
	ErrNoPolicy = errors.New("no signed policy in force")
)

// PolicyError says why the signing key's authorized policy does not hold. It wraps [ErrKeyUnusable] and, as they
// apply, [ErrTampered], [ErrPolicyRolledBack] and [ErrPCRMismatch].
type PolicyError struct {
	Version uint64 // the signed policy's version
	// Tamper is the tamper index's value (0: not tampered).
	Tamper uint64
	// Lowest is the counter: the lowest policy version the TPM accepts.
	Lowest uint64
	// PCRs are the PCRs whose current value differs from the signed policy's.
	PCRs []attest.PCRMismatch
	// Missing names the NV indices of the policy that the TPM does not hold (deleted with the owner's
	// authorization); an opening of the case or Provision defines them again.
	Missing []string
}

func (e *PolicyError) Error() string {
	var why []string
	for _, m := range e.Missing {
		why = append(why, fmt.Sprintf("the %s is missing from the TPM (deleted with the owner's authorization)", m))
	}
	if e.Tamper != 0 {
		why = append(why, fmt.Sprintf("the tamper index is set (%#x): the case was opened; an administrator's unlock clears it", e.Tamper))
	}
	if e.Lowest > e.Version {
		why = append(why, fmt.Sprintf("signed policy version %d is below the lowest version the TPM accepts (%d): rollback refused", e.Version, e.Lowest))
	}
	for _, m := range e.PCRs {
		why = append(why, fmt.Sprintf("PCR %d differs from the signed policy version %d: expected %x, actual %x", m.PCR, e.Version, m.Expected, m.Actual))
	}
	return "signing key unusable: its authorized policy does not hold: " + strings.Join(why, "; ")
}

func (e *PolicyError) Unwrap() []error {
	errs := []error{ErrKeyUnusable}
	if e.Tamper != 0 {
		errs = append(errs, ErrTampered)
	}
	if e.Lowest > e.Version {
		errs = append(errs, ErrPolicyRolledBack)
	}
	if len(e.PCRs) > 0 {
		errs = append(errs, ErrPCRMismatch)
	}
	return errs
}

// SetPolicy puts a signed policy in force for the signing key (an image update brings a new one): its signature
// must be the image key's. It does not touch the TPM: whether the policy holds shows at the next signature.
func (t *TPM) SetPolicy(ctx context.Context, p *SignedPolicy) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	return t.setPolicy(p)
}

func (t *TPM) setPolicy(p *SignedPolicy) error {
	if err := t.checkPolicy(p); err != nil {
		return err
	}
	t.policy = p
	return nil
}

// checkPolicy checks the image key's signature on p: the key of the signing key in force, else the configured one.
func (t *TPM) checkPolicy(p *SignedPolicy) error {
	key := t.imageKey
	if t.id != nil && t.id.ImagePolicyKey != nil {
		key = t.id.ImagePolicyKey
	}
	if key == nil {
		return fmt.Errorf("tpm: signed policy: no image key configured")
	}
	if err := p.Verify(key); err != nil {
		return fmt.Errorf("tpm: signed policy: %w", err)
	}
	return nil
}

// ChoosePolicy puts in force, among signed policies of the image key (those of other keys are refused), the one of
// the highest version whose PCR values the TPM holds now (on an A/B box, the policy of the slot that booted), or, when
// none matches, the highest version, whose signature then fails naming the PCRs that differ.
func (t *TPM) ChoosePolicy(ctx context.Context, ps []*SignedPolicy) (*SignedPolicy, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	return t.choosePolicy(ps)
}

func (t *TPM) choosePolicy(ps []*SignedPolicy) (*SignedPolicy, error) {
	for _, p := range ps {
		if err := t.checkPolicy(p); err != nil {
			return nil, err
		}
	}
	var best, newest *SignedPolicy
	for _, p := range ps {
		if newest == nil || p.Version > newest.Version {
			newest = p
		}
		vals, err := readPCRs(t.tr, p.Selection)
		if err != nil {
			return nil, fmt.Errorf("tpm: choose signed policy: read PCRs %s: %w", p.Selection, err)
		}
		if len(p.Diff(p.Selection, vals)) == 0 && (best == nil || p.Version > best.Version) {
			best = p
		}
	}
	if best == nil {
		best = newest
	}
	t.policy = best
	return best, nil
}

// Policy returns the signed policy in force, nil when there is none.
func (t *TPM) Policy() *SignedPolicy {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.policy
}

// signAuthorized signs under the authorized policy: the TPM checks the image key's signature over the approved
// policy (TPM2_VerifySignature, whose ticket PolicyAuthorize needs), then the session asserts the current PCRs and
// the counter, has the approval replace them (PolicyAuthorize), and asserts the tamper index.
func signAuthorized(tr transport.TPM, key *loadedKey, pol *SignedPolicy, digest []byte) (*tpm2.TPMTSignature, error) {
	if pol == nil {
		return nil, fmt.Errorf("%w: %w (the image's signed policy file was not loaded)", ErrKeyUnusable, ErrNoPolicy)
	}
	ticket, keyName, err := verifyApproval(tr, key.imageKey, pol)
	if err != nil {
		return nil, err
	}
	sess := tpm2.Policy(tpm2.TPMAlgSHA256, 16, func(tr transport.TPM, h tpm2.TPMISHPolicy, _ tpm2.TPM2BNonce) error {
		if _, err := (tpm2.PolicyPCR{PolicySession: h, Pcrs: pol.Selection.TPML()}).Execute(tr); err != nil {
			return fmt.Errorf("PolicyPCR: %w", err)
		}
		if err := assertNV(tr, h, attest.CounterAssertion(pol.Version)); err != nil {
			return fmt.Errorf("PolicyNV(counter): %w", err)
		}
		if _, err := (tpm2.PolicyAuthorize{
			PolicySession:  h,
			ApprovedPolicy: tpm2.TPM2BDigest{Buffer: pol.Approved},
			PolicyRef:      tpm2.TPM2BDigest{Buffer: []byte(attest.PolicyRef)},
			KeySign:        keyName,
			CheckTicket:    *ticket,
		}).Execute(tr); err != nil {
			return fmt.Errorf("PolicyAuthorize: %w", err)
		}
		if err := assertNV(tr, h, attest.TamperAssertion()); err != nil {
			return fmt.Errorf("PolicyNV(tamper): %w", err)
		}
		return nil
	})
	sig, err := signInSession(tr, key, sess, digest)
	if err == nil {
		return sig, nil
	}
	if perr := diagnose(tr, pol); perr != nil {
		return nil, fmt.Errorf("%w (%w)", perr, err)
	}
	if errors.Is(err, tpm2.TPMRCPolicyFail) || errors.Is(err, tpm2.TPMRCValue) || errors.Is(err, tpm2.TPMRCPolicy) {
		return nil, fmt.Errorf("%w: %w", ErrKeyUnusable, err)
	}
	return nil, err
}

// assertNV runs a PolicyNV of package attest in session h, authorised by the index's empty auth value.
func assertNV(tr transport.TPM, h tpm2.TPMISHPolicy, a tpm2.PolicyNV) error {
	idx := a.NVIndex.(tpm2.NamedHandle)
	a.AuthHandle = tpm2.AuthHandle{Handle: idx.Handle, Name: idx.Name, Auth: tpm2.PasswordAuth(nil)}
	a.PolicySession = h
	_, err := a.Execute(tr)
	return err
}

// verifyApproval has the TPM check the image key's signature over the approved policy and returns the ticket and
// the image key's Name. The key is loaded from its public part in the owner hierarchy (a NULL-hierarchy ticket is
// refused by PolicyAuthorize) and flushed at once.
func verifyApproval(tr transport.TPM, imageKey *tpm2.TPMTPublic, pol *SignedPolicy) (*tpm2.TPMTTKVerified, tpm2.TPM2BName, error) {
	sig, err := pol.TPMSignature()
	if err != nil {
		return nil, tpm2.TPM2BName{}, err
	}
	le, err := tpm2.LoadExternal{InPublic: tpm2.New2B(*imageKey), Hierarchy: tpm2.TPMRHOwner}.Execute(tr)
	if err != nil {
		return nil, tpm2.TPM2BName{}, fmt.Errorf("load the image key: %w", err)
	}
	defer flush(tr, le.ObjectHandle)
	vs, err := tpm2.VerifySignature{
		KeyHandle: tpm2.NamedHandle{Handle: le.ObjectHandle, Name: le.Name},
		Digest:    tpm2.TPM2BDigest{Buffer: attest.ApprovalDigest(pol.Approved)},
		Signature: sig,
	}.Execute(tr)
	if err != nil {
		return nil, tpm2.TPM2BName{}, fmt.Errorf("%w: the TPM refuses the image key's signature on policy version %d: %w", ErrKeyUnusable, pol.Version, err)
	}
	return &vs.Validation, le.Name, nil
}

// diagnose finds why the authorized policy fails: the tamper index, the counter, the PCRs. It returns nil when it
// finds nothing.
func diagnose(tr transport.TPM, pol *SignedPolicy) *PolicyError {
	e := &PolicyError{Version: pol.Version}
	for _, nv := range []struct {
		idx  tpm2.TPMHandle
		what string
		into *uint64
	}{{attest.TamperNVIndex, "tamper index", &e.Tamper}, {attest.CounterNVIndex, "policy counter", &e.Lowest}} {
		v, err := readNV64(tr, nv.idx)
		if errors.Is(err, tpm2.TPMRCHandle) {
			e.Missing = append(e.Missing, fmt.Sprintf("%s (NV %#x)", nv.what, uint32(nv.idx)))
		}
		*nv.into = v
	}
	if vals, err := readPCRs(tr, pol.Selection); err == nil {
		e.PCRs = pol.Diff(pol.Selection, vals)
	}
	if e.Tamper == 0 && e.Lowest <= e.Version && len(e.PCRs) == 0 && len(e.Missing) == 0 {
		return nil
	}
	return e
}

// marshalImageKey encodes the image key for provision.json (SubjectPublicKeyInfo, DER).
func marshalImageKey(k *ecdsa.PublicKey) ([]byte, error) { return x509.MarshalPKIXPublicKey(k) }

func parseImageKeyDER(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("image key is %T, want ECDSA", k)
	}
	if _, err := attest.ImageKeyPublic(pub); err != nil {
		return nil, err
	}
	return pub, nil
}
