package authority

import (
	"bytes"

	"github.com/attesta/attesta/tpm/attest"
)

// rotatedKey reports whether req re-enrolls an appliance after a rotation of its signing key: the same EK and the
// same AK (proved again by this enrollment's credential activation) certify a new signing key. Such a request
// replaces the enrollment without a revocation; the old one is kept among the retired enrollments, so that the
// deliveries signed with the old key keep their status.
func rotatedKey(old *Appliance, req *attest.Request) bool {
	return old.State() != StateRevoked && !bytes.Equal(old.SigningKeyPublic, req.SigningKeyPublic) &&
		bytes.Equal(old.AKPublic, req.AKPublic) && bytes.Equal(old.EKPublic, req.EKPublic)
}

// rotatedAK reports whether req re-enrolls an appliance after a rotation of its attestation key: the same EK and
// the same signing key, certified by a new AK that this enrollment's credential activation proves to be in the
// TPM of that EK. The old enrollment is retired; polls then refuse the old AK (CheckAttestation).
func rotatedAK(old *Appliance, req *attest.Request) bool {
	return old.State() != StateRevoked && bytes.Equal(old.SigningKeyPublic, req.SigningKeyPublic) &&
		!bytes.Equal(old.AKPublic, req.AKPublic) && bytes.Equal(old.EKPublic, req.EKPublic)
}
