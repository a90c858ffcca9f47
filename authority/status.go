package authority

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Formats of the status list: the signed envelope and its payload.
const (
	StatusListFormat = "attesta.status-list/v1"
	statusBodyFormat = "attesta.status/v1"
)

// StatusList is the signed status list file: Payload (a JSON [StatusBody]) signed with ECDSA P-256 / SHA-256 (DER)
// by the issuing CA, whose certificate is Signer (DER).
type StatusList struct {
	Format    string `json:"format"`
	Signer    []byte `json:"signer"`
	Payload   []byte `json:"payload"`
	Signature []byte `json:"signature"`
}

// StatusBody is what a status list says: every certificate issued to an appliance, with the appliance's state and
// state history under it (an appliance enrolled again has one entry per enrollment, the current one last).
type StatusBody struct {
	Format     string        `json:"format"`
	Authority  string        `json:"authority"`
	IssuedAt   time.Time     `json:"issued_at"`
	Appliances []StatusEntry `json:"appliances"`
}

// StatusEntry is one appliance in a status list.
type StatusEntry struct {
	ApplianceID string        `json:"appliance_id"`
	CertSerial  string        `json:"certificate_serial"`
	EnrolledAt  time.Time     `json:"enrolled_at"`
	State       string        `json:"state"`
	LastGood    *time.Time    `json:"last_good,omitempty"`
	History     []StateChange `json:"history"`
}

// StateAt returns the appliance's state at t and the change that put it there; before its enrollment it is "".
func (e *StatusEntry) StateAt(t time.Time) (StateChange, bool) {
	var cur StateChange
	found := false
	for _, h := range e.History {
		if h.At.After(t) {
			break
		}
		cur, found = h, true
	}
	return cur, found
}

// publishLocked signs and writes status.json from the registry; the caller holds a.mu.
func (a *Authority) publishLocked(r *registry) error {
	body := StatusBody{Format: statusBodyFormat, Authority: a.ca.Subject.CommonName, IssuedAt: a.now().UTC().Truncate(time.Second)}
	all := append([]*Appliance(nil), r.Retired...)
	for _, id := range sortedKeys(r.Appliances) {
		all = append(all, r.Appliances[id])
	}
	for _, ap := range all {
		body.Appliances = append(body.Appliances, StatusEntry{ApplianceID: ap.ID, CertSerial: ap.CertSerial, EnrolledAt: ap.EnrolledAt,
			State: ap.State(), LastGood: ap.LastGood, History: ap.History})
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, a.caKey, sum[:])
	if err != nil {
		return err
	}
	sl := StatusList{Format: StatusListFormat, Signer: a.ca.Raw, Payload: payload, Signature: sig}
	return durable.Replace(filepath.Join(a.dir, StatusFile), mustJSON(sl), 0o644)
}

// Publish rewrites the signed status list.
func (a *Authority) Publish() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return err
	}
	return a.publishLocked(r)
}

// ErrUnknownAppliance reports an appliance id the registry does not hold.
var ErrUnknownAppliance = errors.New("appliance not enrolled with this authority")

// Revoke records an operator's decision to revoke an appliance's certificate, from now on, and republishes the
// status list. Only an operator revokes; a failing attestation only flags.
func (a *Authority) Revoke(applianceID, operator, reason string) error {
	if operator == "" || reason == "" {
		return errors.New("authority: revoke: an operator and a reason are required")
	}
	return a.setState(applianceID, StateRevoked, fmt.Sprintf("revoked by %s: %s", operator, reason), nil)
}

// setState appends a state change (when the state differs, or always for a revocation), updates last_good on a good
// attestation, journals it and republishes.
func (a *Authority) setState(applianceID, state, reason string, clk *ClockSeen) error {
	return a.updateAppliance(applianceID, func(r *registry, ap *Appliance) error {
		now := a.now().UTC() // full precision: deliveries are judged against it to the nanosecond
		cur := ap.State()
		if cur == StateRevoked {
			return fmt.Errorf("authority: %s: revoked at %s; a revoked appliance enrolls again with a new key", applianceID, ap.History[len(ap.History)-1].At.Format(time.RFC3339))
		}
		if state == StateGood {
			ap.LastGood = &now
			ap.LastClock = clk
		}
		if state != cur {
			ap.History = append(ap.History, StateChange{At: now, State: state, Reason: reason})
		}
		if state == StateRevoked {
			// A revocation is the appliance's: the certificates of its earlier enrollments (the same signing key
			// after an AK rotation, or keys it rotated from) are revoked from now on too.
			for _, ret := range r.Retired {
				if ret.ID == applianceID && ret.State() != StateRevoked {
					ret.History = append(ret.History, StateChange{At: now, State: state, Reason: reason})
				}
			}
		}
		if err := a.saveRegistry(r); err != nil {
			return err
		}
		a.event("state", map[string]any{"appliance_id": applianceID, "state": state, "reason": reason})
		return a.publishLocked(r)
	})
}

// ReadStatusList checks a status list file against the authority roots (its signer must chain to one of them and
// be an issuing CA) and returns its content.
func ReadStatusList(name string, data []byte, roots *x509.CertPool) (*StatusBody, error) {
	var sl StatusList
	if err := strictjson.DecodeFormat(name, data, StatusListFormat, &sl); err != nil {
		return nil, err
	}
	signer, err := x509.ParseCertificate(sl.Signer)
	if err != nil {
		return nil, fmt.Errorf("%s: signer certificate: %w", name, err)
	}
	if !signer.IsCA {
		return nil, fmt.Errorf("%s: the signer %q is not a CA of the authority", name, signer.Subject.CommonName)
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%s: the signer %q does not chain to the authority's root: %w", name, signer.Subject.CommonName, err)
	}
	k, ok := signer.PublicKey.(*ecdsa.PublicKey)
	sum := sha256.Sum256(sl.Payload)
	if !ok || !ecdsa.VerifyASN1(k, sum[:], sl.Signature) {
		return nil, fmt.Errorf("%s: signature does not verify under %q", name, signer.Subject.CommonName)
	}
	var body StatusBody
	if err := strictjson.DecodeFormat(name+" payload", sl.Payload, statusBodyFormat, &body); err != nil {
		return nil, err
	}
	return &body, nil
}

// Find returns the entry of an appliance's certificate (serial in hex; "" for its current one, listed last), or nil.
func (b *StatusBody) Find(applianceID, serial string) *StatusEntry {
	var found *StatusEntry
	for i := range b.Appliances {
		e := &b.Appliances[i]
		if e.ApplianceID == applianceID && (serial == "" || e.CertSerial == serial) {
			found = e
		}
	}
	return found
}
