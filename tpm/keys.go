package tpm

import (
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// eccSigningTemplate is an ECDSA P-256/SHA-256 signing key made and kept
// inside the TPM. With a policy the USER role (Sign) needs the policy
// session; the ADMIN role (Certify) keeps the empty auth value.
func eccSigningTemplate(restricted bool, authPolicy []byte) tpm2.TPMTPublic {
	return tpm2.TPMTPublic{
		Type:    tpm2.TPMAlgECC,
		NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{
			FixedTPM:            true,
			FixedParent:         true,
			SensitiveDataOrigin: true,
			UserWithAuth:        authPolicy == nil,
			NoDA:                true,
			Restricted:          restricted,
			SignEncrypt:         true,
		},
		AuthPolicy: tpm2.TPM2BDigest{Buffer: authPolicy},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgECC, &tpm2.TPMSECCParms{
			Scheme: tpm2.TPMTECCScheme{
				Scheme: tpm2.TPMAlgECDSA,
				Details: tpm2.NewTPMUAsymScheme(tpm2.TPMAlgECDSA,
					&tpm2.TPMSSigSchemeECDSA{HashAlg: tpm2.TPMAlgSHA256}),
			},
			CurveID: tpm2.TPMECCNistP256,
		}),
		Unique: tpm2.NewTPMUPublicID(tpm2.TPMAlgECC, &tpm2.TPMSECCPoint{
			X: tpm2.TPM2BECCParameter{Buffer: make([]byte, 32)},
			Y: tpm2.TPM2BECCParameter{Buffer: make([]byte, 32)},
		}),
	}
}

// sealTemplate is a data object under the SRK that only Unseal can read.
func sealTemplate() tpm2.TPMTPublic {
	return tpm2.TPMTPublic{
		Type:    tpm2.TPMAlgKeyedHash,
		NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{
			FixedTPM:     true,
			FixedParent:  true,
			UserWithAuth: true,
			NoDA:         true,
		},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgKeyedHash,
			&tpm2.TPMSKeyedHashParms{Scheme: tpm2.TPMTKeyedHashScheme{Scheme: tpm2.TPMAlgNull}}),
	}
}

// object is a transient object the TPM holds for us.
type object struct {
	handle tpm2.TPMHandle
	name   tpm2.TPM2BName
	pub    tpm2.TPMTPublic
}

func (o *object) authHandle(auth tpm2.Session) tpm2.AuthHandle {
	return tpm2.AuthHandle{Handle: o.handle, Name: o.name, Auth: auth}
}

func (o *object) named() tpm2.NamedHandle {
	return tpm2.NamedHandle{Handle: o.handle, Name: o.name}
}

// createPrimary creates a primary object (the hierarchy's authorization: auth, or empty when none is given); the
// caller flushes it.
func createPrimary(tr transport.TPM, hierarchy tpm2.TPMHandle, tmpl tpm2.TPMTPublic, auth ...[]byte) (*object, error) {
	var pw []byte
	if len(auth) > 0 {
		pw = auth[0]
	}
	rsp, err := tpm2.CreatePrimary{
		PrimaryHandle: tpm2.AuthHandle{Handle: hierarchy, Auth: tpm2.PasswordAuth(pw)},
		InPublic:      tpm2.New2B(tmpl),
	}.Execute(tr)
	if err != nil {
		return nil, err
	}
	pub, err := rsp.OutPublic.Contents()
	if err != nil {
		flush(tr, rsp.ObjectHandle)
		return nil, err
	}
	return &object{handle: rsp.ObjectHandle, name: rsp.Name, pub: *pub}, nil
}

// createSRK returns the storage root key: the persistent one at SRKHandle once the owner is locked (LockOwner),
// else recreated (deterministic) in the owner hierarchy. Callers flush it; flush leaves a persistent handle alone.
func createSRK(tr transport.TPM) (*object, error) {
	if srk, err := persistentSRK(tr); err != nil || srk != nil {
		return srk, err
	}
	srk, err := createPrimary(tr, tpm2.TPMRHOwner, tpm2.ECCSRKTemplate)
	if err != nil {
		return nil, fmt.Errorf("create storage root key: %w", err)
	}
	return srk, nil
}

// createAK recreates the attestation key of generation gen in the endorsement hierarchy: generation 0 is the
// first AK (the template's unique field zero), generation n > 0 the AK after n rotations (RotateAK), whose unique
// field is SHA-256("attesta attestation key generation <n>"), so that each generation is another primary key.
func createAK(tr transport.TPM, gen uint32) (*object, error) {
	tmpl := eccSigningTemplate(true, nil)
	if gen > 0 {
		x := sha256.Sum256([]byte("attesta attestation key generation " + strconv.FormatUint(uint64(gen), 10)))
		tmpl.Unique = tpm2.NewTPMUPublicID(tpm2.TPMAlgECC, &tpm2.TPMSECCPoint{
			X: tpm2.TPM2BECCParameter{Buffer: x[:]},
			Y: tpm2.TPM2BECCParameter{Buffer: make([]byte, 32)},
		})
	}
	ak, err := createPrimary(tr, tpm2.TPMRHEndorsement, tmpl)
	if err != nil {
		return nil, fmt.Errorf("create attestation key: %w", err)
	}
	return ak, nil
}

// loadUnderSRK loads a wrapped object under a fresh SRK and flushes the SRK
// at once, so that only the loaded object occupies a slot.
func loadUnderSRK(tr transport.TPM, b *keyBlob) (*object, error) {
	srk, err := createSRK(tr)
	if err != nil {
		return nil, err
	}
	defer flush(tr, srk.handle)
	rsp, err := tpm2.Load{
		ParentHandle: srk.authHandle(tpm2.PasswordAuth(nil)),
		InPrivate:    b.private,
		InPublic:     tpm2.BytesAs2B[tpm2.TPMTPublic](b.public),
	}.Execute(tr)
	if err != nil {
		return nil, fmt.Errorf("load object under storage root key: %w", err)
	}
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](b.public)
	if err != nil {
		flush(tr, rsp.ObjectHandle)
		return nil, err
	}
	return &object{handle: rsp.ObjectHandle, name: rsp.Name, pub: *pub}, nil
}
