package tpm

// The NV indices of the authorized policy: the anti-rollback counter the image key's approvals assert (its lowest
// accepted version), the tamper index the signing key's policy asserts clear, and the NV commands on both.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// PolicyCounter returns the lowest policy version the TPM accepts (the anti-rollback counter).
func (t *TPM) PolicyCounter(ctx context.Context) (uint64, error) {
	if err := t.lock(ctx); err != nil {
		return 0, err
	}
	defer t.mu.Unlock()
	v, err := readNV64(t.tr, attest.CounterNVIndex)
	if err != nil {
		return 0, fmt.Errorf("tpm: read policy counter: %w", err)
	}
	return v, nil
}

// maxCounterSteps bounds the increments of one AdvancePolicyCounter.
const maxCounterSteps = 64

// AdvancePolicyCounter moves the counter up to version, so that every signed policy below it is refused from then
// on. It is the last step of an update, once the new image booted well (its policy holds). It refuses to go past the
// version of the policy in force, which would lock the key out. The counter only goes up: a version at or below it
// changes nothing.
func (t *TPM) AdvancePolicyCounter(ctx context.Context, version uint64) (uint64, error) {
	if err := t.lock(ctx); err != nil {
		return 0, err
	}
	defer t.mu.Unlock()
	if t.policy == nil || version > t.policy.Version {
		have := "none"
		if t.policy != nil {
			have = fmt.Sprintf("version %d", t.policy.Version)
		}
		return 0, fmt.Errorf("tpm: advance policy counter to %d: the signed policy in force is %s: the key would be locked out", version, have)
	}
	for steps := 0; ; steps++ {
		v, err := readNV64(t.tr, attest.CounterNVIndex)
		if err != nil {
			return 0, fmt.Errorf("tpm: advance policy counter: %w", err)
		}
		if v >= version {
			return v, nil
		}
		if steps == 0 && version-v > maxCounterSteps {
			return v, fmt.Errorf("tpm: advance policy counter from %d to %d: more than %d increments (each wears the TPM's NV): policy versions are release numbers that go up by one", v, version, maxCounterSteps)
		}
		if err := incrementCounter(t.tr); err != nil {
			return 0, fmt.Errorf("tpm: advance policy counter: %w", err)
		}
	}
}

// Tamper records a case intrusion in the TPM: it sets a bit of the tamper index, which only an administrator's
// [TPM.ClearTamper] clears and which survives restarts; a key under the literal PCR policy (before the image key)
// is locked by extending the application PCR as well, until the next reset.
func (t *TPM) Tamper(ctx context.Context, event []byte) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	var errs []error
	authorized := t.sig != nil && t.sig.imageKey != nil
	nv, err := nvDefined(t.tr, attest.TamperNVIndex)
	if err == nil && !nv && authorized {
		// Someone deleted the index: define it again so that the opening is recorded all the same.
		err, nv = ensureNV(t.tr, t.ownerAuth), true
	}
	if err == nil && nv {
		err = setBits(t.tr, attest.TamperNVIndex, 1)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("tpm: tamper: set the tamper index: %w", err))
	}
	if !authorized {
		errs = append(errs, extendAppPCR(t.tr, event))
	}
	return errors.Join(errs...)
}

// Tampered reports whether the tamper index is set.
func (t *TPM) Tampered(ctx context.Context) (bool, error) {
	if err := t.lock(ctx); err != nil {
		return false, err
	}
	defer t.mu.Unlock()
	if ok, err := nvDefined(t.tr, attest.TamperNVIndex); err != nil || !ok {
		return false, err
	}
	v, err := readNV64(t.tr, attest.TamperNVIndex)
	if err != nil {
		return false, fmt.Errorf("tpm: read tamper index: %w", err)
	}
	return v != 0, nil
}

// ClearTamper clears the tamper index: no command clears a bit, so the index is deleted, which needs the owner
// hierarchy's authorization (ownerAuth: [OwnerAuth] of the administrator's unlock secret once the owner is locked,
// [TPM.LockOwner]; empty before), and defined again with all bits clear. A refused authorization is [ErrOwnerAuth]
// and changes nothing. The caller journals the administrator's unlock first ([TPM.CheckOwnerAuth] tells it
// beforehand whether the clear can succeed).
func (t *TPM) ClearTamper(ctx context.Context, ownerAuth []byte) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	if err := checkOwnerAuth(t.tr, ownerAuth); err != nil {
		return fmt.Errorf("tpm: clear tamper: %w", err)
	}
	_, name, err := readNVPublic(t.tr, attest.TamperNVIndex)
	if err != nil {
		return fmt.Errorf("tpm: clear tamper: %w", err)
	}
	if tamperCleared(t.tr) {
		return nil
	}
	_, err = tpm2.NVUndefineSpace{
		AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(ownerAuth)},
		NVIndex:    tpm2.NamedHandle{Handle: attest.TamperNVIndex, Name: name},
	}.Execute(t.tr)
	if isAuthFailure(err) {
		err = fmt.Errorf("%w: %w", ErrOwnerAuth, err)
	}
	if err != nil {
		return fmt.Errorf("tpm: clear tamper: delete the tamper index (owner authorization): %w", err)
	}
	if err := ensureNV(t.tr, ownerAuth); err != nil {
		return fmt.Errorf("tpm: clear tamper: %w", err)
	}
	return nil
}

// ensureNV defines the counter and the tamper index when missing and writes them once, so that their Names are
// the written ones the policies hold: the counter's first increment sets it to the highest value any counter of
// this TPM ever held, plus one (1 on a new TPM); the tamper index starts with no bit set.
func ensureNV(tr transport.TPM, ownerAuth []byte) error {
	for _, want := range []tpm2.TPMSNVPublic{attest.CounterNVPublic(), attest.TamperNVPublic()} {
		pub, _, err := readNVPublic(tr, want.NVIndex)
		if errors.Is(err, tpm2.TPMRCHandle) {
			unwritten := want
			unwritten.Attributes.Written = false
			_, err = tpm2.NVDefineSpace{
				AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(ownerAuth)},
				PublicInfo: tpm2.New2B(unwritten),
			}.Execute(tr)
			if err != nil {
				return fmt.Errorf("define NV index %#x: %w", uint32(want.NVIndex), err)
			}
			pub, _, err = readNVPublic(tr, want.NVIndex)
		}
		if err != nil {
			return err
		}
		got := *pub
		got.Attributes.Written = true
		if !bytes.Equal(tpm2.Marshal(got), tpm2.Marshal(want)) {
			return fmt.Errorf("%w: NV index %#x exists with other attributes than attesta's", ErrStateMismatch, uint32(want.NVIndex))
		}
		if pub.Attributes.Written {
			continue
		}
		if want.NVIndex == attest.CounterNVIndex {
			err = incrementCounter(tr)
		} else {
			err = setBits(tr, want.NVIndex, 0)
		}
		if err != nil {
			return fmt.Errorf("initialise NV index %#x: %w", uint32(want.NVIndex), err)
		}
	}
	return nil
}

func readNVPublic(tr transport.TPM, idx tpm2.TPMHandle) (*tpm2.TPMSNVPublic, tpm2.TPM2BName, error) {
	rsp, err := tpm2.NVReadPublic{NVIndex: idx}.Execute(tr)
	if err != nil {
		return nil, tpm2.TPM2BName{}, fmt.Errorf("read NV index %#x: %w", uint32(idx), err)
	}
	pub, err := rsp.NVPublic.Contents()
	if err != nil {
		return nil, tpm2.TPM2BName{}, fmt.Errorf("read NV index %#x: %w", uint32(idx), err)
	}
	return pub, rsp.NVName, nil
}

func nvDefined(tr transport.TPM, idx tpm2.TPMHandle) (bool, error) {
	_, _, err := readNVPublic(tr, idx)
	if errors.Is(err, tpm2.TPMRCHandle) {
		return false, nil
	}
	return err == nil, err
}

// readNV64 reads an 8-byte NV index (its empty auth value authorises reads).
func readNV64(tr transport.TPM, idx tpm2.TPMHandle) (uint64, error) {
	_, name, err := readNVPublic(tr, idx)
	if err != nil {
		return 0, err
	}
	rsp, err := tpm2.NVRead{
		AuthHandle: tpm2.AuthHandle{Handle: idx, Name: name, Auth: tpm2.PasswordAuth(nil)},
		NVIndex:    tpm2.NamedHandle{Handle: idx, Name: name},
		Size:       8,
	}.Execute(tr)
	if err != nil {
		return 0, fmt.Errorf("read NV index %#x: %w", uint32(idx), err)
	}
	if len(rsp.Data.Buffer) != 8 {
		return 0, fmt.Errorf("read NV index %#x: %d bytes, want 8", uint32(idx), len(rsp.Data.Buffer))
	}
	return binary.BigEndian.Uint64(rsp.Data.Buffer), nil
}

func incrementCounter(tr transport.TPM) error {
	_, name, err := readNVPublic(tr, attest.CounterNVIndex)
	if err != nil {
		return err
	}
	_, err = tpm2.NVIncrement{
		AuthHandle: tpm2.AuthHandle{Handle: attest.CounterNVIndex, Name: name, Auth: tpm2.PasswordAuth(nil)},
		NVIndex:    tpm2.NamedHandle{Handle: attest.CounterNVIndex, Name: name},
	}.Execute(tr)
	if err != nil {
		return fmt.Errorf("increment NV counter %#x: %w", uint32(attest.CounterNVIndex), err)
	}
	return nil
}

// setBits runs TPM2_NV_SetBits (which go-tpm does not offer) on idx, authorised by its empty auth value
// (TPM 2.0 Part 3, 31.10: the index is both the authorization handle and the index).
func setBits(tr transport.TPM, idx tpm2.TPMHandle, bits uint64) error {
	if err := sendWithPassword(tr, tpm2.TPMCCNVSetBits, binary.BigEndian.AppendUint64(nil, bits), idx, idx); err != nil {
		return fmt.Errorf("NV_SetBits %#x: %w", uint32(idx), err)
	}
	return nil
}
