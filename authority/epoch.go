package authority

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm/attest"
)

// Epoch countersigns a new key epoch (format.Epoch): an appliance whose TPM was replaced (a motherboard swap) or
// cleared lost the key its journal is signed with, and asks that the journal continue under its new TPM's key.
// Only the authority can vouch for that link, so it countersigns only when its records show exactly that story:
//
//   - the request is a well-formed epoch record, signed by its new key, not yet countersigned;
//   - its origin names an enrolled appliance, in good state, whose current enrollment (the new TPM's: EK,
//     credential activation, the AK's certification, the PCR policy, all checked by Challenge and Issue) is for
//     the request's new key;
//   - the request's old key is the signing key of an earlier enrollment of the same appliance, and an operator
//     revoked that enrollment (the journaled decision that the old TPM is gone).
//
// The countersignature is by the issuing CA's key, over the statement (format.Epoch.Statement); the returned file
// is the epoch record the appliance appends to its journal (journal.Options.Epoch). It is journaled in events.jsonl.
func (a *Authority) Epoch(requestFile []byte) ([]byte, error) {
	ep, err := format.ParseEpoch(requestFile)
	if err != nil {
		return nil, refuse("epoch request: %v", err)
	}
	id, _ := strings.CutPrefix(strings.SplitN(ep.OldKey, "+", 2)[0], "attesta/")
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return nil, err
	}
	if err := a.checkEpoch(r, id, ep); err != nil {
		a.event("epoch-refused", map[string]any{"appliance_id": id, "leaf": ep.Seq, "reason": err.Error()})
		return nil, err
	}
	if err := ep.Countersign(a.caKey, []*x509.Certificate{a.ca}); err != nil {
		return nil, fmt.Errorf("authority: epoch of %s: %w", id, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.root)
	if err := ep.Check(ep.OldKey, roots); err != nil {
		return nil, fmt.Errorf("authority: epoch of %s: %w", id, err)
	}
	out, err := ep.Marshal()
	if err != nil {
		return nil, fmt.Errorf("authority: epoch of %s: %w", id, err)
	}
	a.event("epoch", map[string]any{"appliance_id": id, "leaf": ep.Seq, "prev_root": base64.StdEncoding.EncodeToString(ep.PrevRoot[:]),
		"old_key": ep.OldKey, "new_key": ep.NewKey, "certificate_serial": r.Appliances[id].CertSerial})
	return out, nil
}

func (a *Authority) checkEpoch(r *registry, id string, ep *format.Epoch) error {
	if len(ep.AuthoritySig) > 0 || len(ep.AuthorityChain) > 0 {
		return refuse("the epoch request is already countersigned")
	}
	if !validApplianceID.MatchString(id) {
		return refuse("the epoch's origin does not name an appliance (attesta/<16 hex digits>)")
	}
	cur, ok := r.Appliances[id]
	if !ok {
		return refuse("appliance %s is not enrolled with this authority", id)
	}
	if cur.State() != StateGood {
		return refuse("appliance %s is %s: enroll its new TPM before asking for a new key epoch", id, cur.State())
	}
	newKey, err := format.VerifierPublicKey(ep.NewKey)
	if err != nil {
		return refuse("epoch request: new key: %v", err)
	}
	enrolled, err := attest.CertifiedKey(cur.SigningKeyPublic)
	if err != nil || !enrolled.Equal(newKey) {
		return refuse("the epoch's new key is not the signing key enrolled for appliance %s (certificate %s): enroll the new TPM first",
			id, cur.CertSerial)
	}
	oldKey, err := format.VerifierPublicKey(ep.OldKey)
	if err != nil {
		return refuse("epoch request: old key: %v", err)
	}
	var old *Appliance
	for _, ret := range r.Retired {
		if k, err := attest.CertifiedKey(ret.SigningKeyPublic); ret.ID == id && err == nil && k.Equal(oldKey) {
			old = ret
		}
	}
	switch {
	case old == nil:
		return refuse("the epoch's old key was never the enrolled signing key of appliance %s", id)
	case old.State() != StateRevoked:
		return refuse("the enrollment of the old key (certificate %s) was not revoked by an operator: revoke it (the old TPM is gone) before a new epoch",
			old.CertSerial)
	}
	if err := ep.CheckNewKey(); err != nil {
		return refuse("epoch request: %v", err)
	}
	return nil
}
