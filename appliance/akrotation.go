package appliance

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// LeafAKRotation records a rotation of the attestation key: the old and the new AK (TPMT_PUBLIC, base64), the old
// AK's TPM2_Certify of the new one, and the new AK's TPM2_Certify of the signing key.
const LeafAKRotation = "ak-rotation"

// RotateAK rotates the TPM's attestation key (tpm.TPM.RotateAK): the old AK certifies its successor, which
// certifies the signing key again; the journal records both certifications. From then on /attest, the deliveries'
// attestations and credential activations use the new AK, and the authority accepts it once the box is enrolled
// again (attesta enroll: the same EK activates the new AK's credential); its polls refuse the retired AK. The
// signing key, and so the journal's key, does not change. Refused while certification is locked.
func RotateAK(ctx context.Context, a *Appliance) (*tpm.AKRotation, error) {
	if err := a.CheckCertify(); err != nil {
		return nil, fmt.Errorf("appliance: rotate attestation key: %w", err)
	}
	rot, err := a.tpm.RotateAK(ctx)
	if err != nil {
		return nil, fmt.Errorf("appliance: rotate attestation key: %w", err)
	}
	id, err := a.tpm.Provision(ctx, tpm.ProvisionOptions{PCRs: a.sel})
	if err != nil {
		return nil, fmt.Errorf("appliance: rotate attestation key: %w", err)
	}
	a.mu.Lock()
	a.ident = id
	a.mu.Unlock()
	b64 := base64.StdEncoding.EncodeToString
	if _, err := a.record(ctx, journal.Entry{Type: LeafAKRotation, Fields: map[string]any{
		"old_ak_sha256": KeyDigestTPMT(rot.OldAKTPMT), "new_ak_sha256": KeyDigestTPMT(rot.NewAKTPMT),
		"old_ak_tpmt": b64(rot.OldAKTPMT), "new_ak_tpmt": b64(rot.NewAKTPMT), "ak_generation": int64(rot.NewGeneration),
		"link_msg": b64(rot.Link.Msg), "link_sig": b64(rot.Link.Sig),
		"certify_msg": b64(rot.Certify.Msg), "certify_sig": b64(rot.Certify.Sig),
	}}); err != nil {
		return rot, fmt.Errorf("appliance: the attestation key is rotated, but its journal leaf failed: %w", err)
	}
	a.log.InfoContext(ctx, "attestation key rotated", slog.Uint64("generation", uint64(rot.NewGeneration)),
		slog.String("new_ak_sha256", KeyDigestTPMT(rot.NewAKTPMT)))
	return rot, nil
}

// KeyDigestTPMT is KeyDigest of a TPMT_PUBLIC's key ("" when it does not decode).
func KeyDigestTPMT(tpmt []byte) string {
	k, err := attest.CertifiedKey(tpmt)
	if err != nil {
		return ""
	}
	return KeyDigest(k)
}

// knownAK reports whether tpmt is this TPM's AK in force or one it used before (a rotation certifies each
// successor), for checks of what earlier AKs certified.
func knownAK(id *tpm.Identity, tpmt []byte) bool {
	if bytes.Equal(tpmt, id.AKTPMT) {
		return true
	}
	for _, p := range id.PreviousAKTPMT {
		if bytes.Equal(tpmt, p) {
			return true
		}
	}
	return false
}
