package authority

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Appliance states in the registry and the status list.
const (
	StateGood    = "good"    // enrolled, and its last attestation checked out
	StateFailing = "failing" // its last attestation failed or it did not answer
	StateRevoked = "revoked" // its certificate was revoked by an operator
)

// StateChange is one entry of an appliance's state history: from At on, the appliance was in State.
type StateChange struct {
	At     time.Time `json:"at"`
	State  string    `json:"state"`
	Reason string    `json:"reason"`
}

// Appliance is an enrolled appliance as the registry records it.
type Appliance struct {
	ID          string    `json:"id"`
	EnrolledAt  time.Time `json:"enrolled_at"`
	CertSerial  string    `json:"certificate_serial"` // hex
	Certificate []byte    `json:"certificate"`        // DER
	// AKCertSerial and AKCertificate are the attestation key's certificate (enrollments since AK certificates).
	AKCertSerial     string        `json:"ak_certificate_serial,omitempty"`
	AKCertificate    []byte        `json:"ak_certificate,omitempty"`
	EKCertified      bool          `json:"ek_certified"`
	EKPublic         []byte        `json:"ek_tpmt_public"`
	AKPublic         []byte        `json:"ak_tpmt_public"`
	SigningKeyPublic []byte        `json:"signing_key_tpmt_public"`
	Policy           string        `json:"pcr_policy"`
	EnrollmentSHA256 string        `json:"enrollment_sha256"`
	History          []StateChange `json:"history"`
	LastGood         *time.Time    `json:"last_good,omitempty"`
	LastClock        *ClockSeen    `json:"last_clock,omitempty"`
	// URL is where the appliance answers GET /attest (its touch UI or public address), once an operator gave it.
	URL string `json:"url,omitempty"`
}

// ClockSeen is the TPM clock of an appliance's last good attestation.
type ClockSeen struct {
	Clock        uint64 `json:"clock_ms"`
	ResetCount   uint32 `json:"reset_count"`
	RestartCount uint32 `json:"restart_count"`
}

// State returns the appliance's current state.
func (ap *Appliance) State() string {
	if len(ap.History) == 0 {
		return StateGood
	}
	return ap.History[len(ap.History)-1].State
}

type challengeRecord struct {
	ApplianceID  string     `json:"appliance_id"`
	Request      []byte     `json:"request"` // the request file as received
	SecretSHA256 string     `json:"secret_sha256"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	UsedAt       *time.Time `json:"used_at,omitempty"`
}

type registry struct {
	Format     string                      `json:"format"`
	Appliances map[string]*Appliance       `json:"appliances"`
	Challenges map[string]*challengeRecord `json:"challenges"`
	// Retired are the earlier enrollments of appliances enrolled again (after a revocation, a new TPM): their
	// certificates stay in the status list, so that deliveries signed under them are judged by their own history.
	Retired []*Appliance `json:"retired,omitempty"`
}

func newRegistry() *registry {
	return &registry{Format: registryFormat, Appliances: map[string]*Appliance{}, Challenges: map[string]*challengeRecord{}}
}

func (a *Authority) loadRegistry() (*registry, error) {
	r := newRegistry()
	if err := strictjson.ReadFile(filepath.Join(a.dir, RegistryFile), registryFormat, r); err != nil {
		return nil, err
	}
	if r.Appliances == nil {
		r.Appliances = map[string]*Appliance{}
	}
	if r.Challenges == nil {
		r.Challenges = map[string]*challengeRecord{}
	}
	return r, nil
}

func (a *Authority) saveRegistry(r *registry) error {
	return durable.Replace(filepath.Join(a.dir, RegistryFile), mustJSON(r), 0o600)
}

// Appliances returns the registry's appliances.
func (a *Authority) Appliances() ([]*Appliance, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return nil, err
	}
	out := make([]*Appliance, 0, len(r.Appliances))
	for _, id := range sortedKeys(r.Appliances) {
		out = append(out, r.Appliances[id])
	}
	return out, nil
}

// SetURL records where an appliance answers GET /attest, for later polls of the whole fleet.
func (a *Authority) SetURL(applianceID, url string) error {
	return a.updateAppliance(applianceID, func(r *registry, ap *Appliance) error {
		if ap.URL == url {
			return nil
		}
		ap.URL = url
		if err := a.saveRegistry(r); err != nil {
			return err
		}
		return a.event("url", map[string]any{"appliance_id": applianceID, "url": url})
	})
}

// updateAppliance runs fn on an enrolled appliance's record, under the lock, with the registry it belongs to.
func (a *Authority) updateAppliance(applianceID string, fn func(r *registry, ap *Appliance) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return err
	}
	ap, ok := r.Appliances[applianceID]
	if !ok {
		return fmt.Errorf("authority: %s: %w", applianceID, ErrUnknownAppliance)
	}
	return fn(r, ap)
}
