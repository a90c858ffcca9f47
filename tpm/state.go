package tpm

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// State file names inside the state directory. SigningKeyFile holds the
// TPM-wrapped signing key and ProvisionFile the provisioning record; both are
// written once, mode 0600.
const (
	simSeedFile    = "sim-seed"
	SigningKeyFile = "signing-key.blob"
	ProvisionFile  = "provision.json"
	provisionFmt   = "attesta.tpm.provision/v1"
	// provisionFmtV2 is a record of a key under an image key (image_policy_key set); v1 records are keys under the
	// literal PCR policy and stay readable.
	provisionFmtV2 = "attesta.tpm.provision/v2"
)

// hexBytes is []byte that JSON encodes as lower-case hex.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

type certificationRecord struct {
	Msg hexBytes `json:"msg"` // TPMS_ATTEST
	Sig hexBytes `json:"sig"` // TPMT_SIGNATURE
}

// provisionRecord is provision.json.
type provisionRecord struct {
	Format           string              `json:"format"`
	ProvisionedAt    time.Time           `json:"provisioned_at"`
	PCRSelection     string              `json:"pcr_selection"`
	PCRValues        []hexBytes          `json:"pcr_values"`
	SigningKeyPublic hexBytes            `json:"signing_key_tpmt_public"`
	AKPublic         hexBytes            `json:"ak_tpmt_public"`
	CreationData     hexBytes            `json:"creation_data"`
	CreationHash     hexBytes            `json:"creation_hash"`
	CreationTicket   hexBytes            `json:"creation_ticket"`
	Certify          certificationRecord `json:"certify"`
	CertifyCreation  certificationRecord `json:"certify_creation"`
	// AKGeneration and PreviousAKs: see Identity (absent in records made before AK rotation: generation 0).
	AKGeneration uint32     `json:"ak_generation,omitempty"`
	PreviousAKs  []hexBytes `json:"previous_aks,omitempty"`
	// ImagePolicyKey (v2 only): the image key's SubjectPublicKeyInfo (DER) the key's authorized policy names.
	ImagePolicyKey hexBytes `json:"image_policy_key,omitempty"`
}

// readState returns the persisted provisioning, or nil when there is none.
func readState(dir string) (*provisionRecord, []byte, error) {
	recPath := filepath.Join(dir, ProvisionFile)
	data, err := os.ReadFile(recPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", recPath, err)
	}
	var rec provisionRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrCorruptState, recPath, err)
	}
	switch {
	case rec.Format != provisionFmt && rec.Format != provisionFmtV2:
		return nil, nil, fmt.Errorf("%w: %s: format %q, want %q or %q", ErrCorruptState, recPath, rec.Format, provisionFmt, provisionFmtV2)
	case (rec.Format == provisionFmtV2) != (len(rec.ImagePolicyKey) > 0):
		return nil, nil, fmt.Errorf("%w: %s: format %q with %d bytes of image_policy_key", ErrCorruptState, recPath, rec.Format, len(rec.ImagePolicyKey))
	}
	blobPath := filepath.Join(dir, SigningKeyFile)
	blob, err := os.ReadFile(blobPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s present but %w", ErrCorruptState, recPath, err)
	}
	return &rec, blob, nil
}

// writeState persists a new provisioning: the blob first, then the record
// that marks provisioning complete.
func writeState(dir string, rec *provisionRecord, blob []byte) error {
	if err := durable.Replace(filepath.Join(dir, SigningKeyFile), blob, 0o600); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return durable.Replace(filepath.Join(dir, ProvisionFile), append(data, '\n'), 0o600)
}
