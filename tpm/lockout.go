package tpm

// The TPM's dictionary-attack protection (TPM 2.0 Part 1, 19.8). Every start after a power cut counts as a failed
// authorization when a DA-protected object was in use, and at MaxTries the TPM refuses such objects until the
// counter decays, one every RecoveryTime. The box's keys have no secret auth value (their policies are what protect
// them; the administrator's unlock secret is an owner hierarchy authorization, which the TPM does not count), so the
// protection guards no secret of ours, while a TPM's factory settings (swtpm's: 3 tries, 1000 s) lock the data
// partition's sealed key after three power cuts. The box sets them once: see [TPM.SetLockout].

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// Lockout is the TPM's dictionary-attack state: its three parameters and the current count of failures.
type Lockout struct {
	MaxTries        uint32 `json:"max_tries"`                // failures before the TPM refuses DA-protected objects
	RecoverySeconds uint32 `json:"recovery_seconds"`         // one failure forgiven every this many seconds
	LockoutRecovery uint32 `json:"lockout_recovery_seconds"` // wait after a failed lockout authorization
	Counter         uint32 `json:"counter,omitempty"`        // failures counted now (read only)
}

// SameParameters reports whether l and m have the same three parameters (the counter aside).
func (l Lockout) SameParameters(m Lockout) bool {
	return l.MaxTries == m.MaxTries && l.RecoverySeconds == m.RecoverySeconds && l.LockoutRecovery == m.LockoutRecovery
}

// Lockout reads the TPM's dictionary-attack parameters and failure counter (TPM2_GetCapability, TPM_PT_LOCKOUT_*).
func (t *TPM) Lockout(ctx context.Context) (Lockout, error) {
	if err := t.lock(ctx); err != nil {
		return Lockout{}, err
	}
	defer t.mu.Unlock()
	l, err := readLockout(t.tr)
	if err != nil {
		return Lockout{}, fmt.Errorf("tpm: %w", err)
	}
	return l, nil
}

// SetLockout sets the dictionary-attack parameters (TPM2_DictionaryAttackParameters) with the lockout hierarchy's
// authorization, empty as TPMs leave the factory. A refused authorization itself locks the lockout hierarchy for
// the TPM's current LockoutRecovery: callers set the parameters only when they differ, once per start.
func (t *TPM) SetLockout(ctx context.Context, l Lockout) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	if l.MaxTries == 0 {
		return fmt.Errorf("tpm: set lockout parameters: max tries 0 would refuse every DA-protected object")
	}
	var params []byte
	params = binary.BigEndian.AppendUint32(params, l.MaxTries)
	params = binary.BigEndian.AppendUint32(params, l.RecoverySeconds)
	params = binary.BigEndian.AppendUint32(params, l.LockoutRecovery)
	if err := sendWithPassword(t.tr, tpm2.TPMCCDictionaryAttackParameters, params, tpm2.TPMRHLockout); err != nil {
		return fmt.Errorf("tpm: set lockout parameters: %w", err)
	}
	return nil
}

func readLockout(tr transport.TPM) (Lockout, error) {
	rsp, err := tpm2.GetCapability{
		Capability: tpm2.TPMCapTPMProperties, Property: uint32(tpm2.TPMPTLockoutCounter), PropertyCount: 4,
	}.Execute(tr)
	if err != nil {
		return Lockout{}, fmt.Errorf("read lockout parameters: %w", err)
	}
	props, err := rsp.CapabilityData.Data.TPMProperties()
	if err != nil {
		return Lockout{}, fmt.Errorf("read lockout parameters: %w", err)
	}
	var l Lockout
	seen := 0
	for _, p := range props.TPMProperty {
		switch p.Property {
		case tpm2.TPMPTLockoutCounter:
			l.Counter = p.Value
		case tpm2.TPMPTMaxAuthFail:
			l.MaxTries = p.Value
		case tpm2.TPMPTLockoutInterval:
			l.RecoverySeconds = p.Value
		case tpm2.TPMPTLockoutRecovery:
			l.LockoutRecovery = p.Value
		default:
			continue
		}
		seen++
	}
	if seen != 4 {
		return Lockout{}, fmt.Errorf("read lockout parameters: the TPM reported %d of the 4 properties", seen)
	}
	return l, nil
}

// sendWithPassword sends a command that go-tpm does not offer, marshalled by hand (TPM 2.0 Part 1, 18): the handles,
// each authorised by its empty auth value with a password session, then the parameters.
func sendWithPassword(tr transport.TPM, cc tpm2.TPMCC, params []byte, handles ...tpm2.TPMHandle) error {
	var cmd []byte
	cmd = binary.BigEndian.AppendUint16(cmd, uint16(tpm2.TPMSTSessions))
	cmd = binary.BigEndian.AppendUint32(cmd, 0) // size, set below
	cmd = binary.BigEndian.AppendUint32(cmd, uint32(cc))
	for _, h := range handles {
		cmd = binary.BigEndian.AppendUint32(cmd, uint32(h))
	}
	cmd = binary.BigEndian.AppendUint32(cmd, 9) // authorization area: one password session
	cmd = binary.BigEndian.AppendUint32(cmd, uint32(tpm2.TPMRSPW))
	cmd = append(cmd, 0, 0, 0, 0, 0) // empty nonce, no attributes, empty password
	cmd = append(cmd, params...)
	binary.BigEndian.PutUint32(cmd[2:], uint32(len(cmd)))
	rsp, err := tr.Send(cmd)
	if err != nil {
		return fmt.Errorf("command %#x: %w", uint32(cc), err)
	}
	if len(rsp) < 10 {
		return fmt.Errorf("command %#x: response of %d bytes", uint32(cc), len(rsp))
	}
	if rc := tpm2.TPMRC(binary.BigEndian.Uint32(rsp[6:10])); rc != tpm2.TPMRCSuccess {
		return fmt.Errorf("command %#x: %w", uint32(cc), rc)
	}
	return nil
}
