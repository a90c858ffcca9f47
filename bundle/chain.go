package bundle

// Certificate chains: a delivery of an appliance enrolled with an authority carries the certificate of its
// checkpoint key (proofs/chain.pem) and, beside its TPM attestation, the certificate of its attestation key
// (proofs/ak-chain.pem), each followed by its issuers. They let a verifier that trusts the authority's root judge
// the manifest and the checkpoint (the checkpoint key signs both, through the delivery leaf), and the TPM's
// certification of that key, without the PDF; with openssl alone too (VERIFICA.txt, step 9).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/attesta/attesta/journal/format"
)

const (
	chainFile   = "proofs/chain.pem"    // the checkpoint key's certificate, then its issuers
	akChainFile = "proofs/ak-chain.pem" // the attestation key's certificate, then its issuers
	// MaxChainSize bounds a chain file; MaxChainCerts the certificates in it.
	MaxChainSize  = 64 << 10
	MaxChainCerts = 8
)

// CheckCertChain is the check of the certificate chains a delivery carries: each parses, each certificate is signed
// by the next, and the first is for the key it names (the checkpoint key, the attestation key). Whether the chain
// leads to a root the verifier trusts is CheckTrust's, with VerifyOptions.ChainTrust.
const CheckCertChain = "certificate-chain"

// Roles of a certificate chain, as ChainTrust receives them.
const (
	RoleSigner = "signer"          // proofs/chain.pem: the checkpoint (and report) signing key
	RoleAK     = "attestation-key" // proofs/ak-chain.pem: the TPM attestation key
)

// ChainTrust judges a certificate chain a delivery carries (leaf first, then issuers; role RoleSigner or RoleAK)
// for an appliance id at a time (the delivery leaf's): it returns the detail of a pass in Italian and English, or
// the reason it fails.
type ChainTrust func(ctx context.Context, role string, chain []*x509.Certificate, applianceID string, at time.Time) (it, en string, err error)

// ErrChain is wrapped by ParseChain's errors.
var ErrChain = errors.New("invalid certificate chain")

// ParseChain reads a PEM certificate chain strictly: one to MaxChainCerts CERTIFICATE blocks and nothing else but
// white space between them, each an X.509 certificate signed by the next one. It does not say whether the last
// one is trusted.
func ParseChain(data []byte) ([]*x509.Certificate, error) {
	if len(data) > MaxChainSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrChain, len(data), MaxChainSize)
	}
	var certs []*x509.Certificate
	rest := data
	for len(bytes.TrimSpace(rest)) > 0 {
		off := len(data) - len(rest)
		var b *pem.Block
		b, rest = pem.Decode(rest)
		switch {
		case b == nil:
			return nil, fmt.Errorf("%w: offset %d: not a PEM block", ErrChain, off)
		case b.Type != "CERTIFICATE" || len(b.Headers) > 0:
			return nil, fmt.Errorf("%w: offset %d: a %q block, want CERTIFICATE without headers", ErrChain, off, b.Type)
		case len(certs) == MaxChainCerts:
			return nil, fmt.Errorf("%w: more than %d certificates", ErrChain, MaxChainCerts)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrChain, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrChain)
	}
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return nil, fmt.Errorf("%w: certificate %d (%q) is not signed by certificate %d (%q): %w", ErrChain, i+1,
				certs[i].Subject.CommonName, i+2, certs[i+1].Subject.CommonName, err)
		}
	}
	return certs, nil
}

// certChains checks proofs/chain.pem against the checkpoint key and proofs/ak-chain.pem against the attestation
// key (ak, from proofs/attestation/ak.pem; nil when the delivery has no valid attestation), and keeps them for
// the trust check. Deliveries without chains (before enrollment) have no such check.
func (v *verifier) certChains(ak *ecdsa.PublicKey) {
	if v.has(chainFile) {
		cpKey, _ := format.VerifierPublicKey(v.key)
		v.signerChain = v.certChain(chainFile, cpKey, "certchain.not-the-checkpoint-key")
	}
	if !v.has(akChainFile) {
		return
	}
	if ak == nil {
		v.seen[akChainFile] = true
		v.fail(CheckCertChain, akChainFile, "certchain.ak-without-attestation")
		return
	}
	v.akChain = v.certChain(akChainFile, ak, "certchain.not-the-ak")
}

func (v *verifier) certChain(file string, key *ecdsa.PublicKey, wrongKey string) []*x509.Certificate {
	data, ok := v.read(CheckCertChain, file, MaxChainSize)
	if !ok {
		return nil
	}
	chain, err := ParseChain(data)
	if err != nil {
		v.failErr(CheckCertChain, file, "certchain.unreadable", err)
		return nil
	}
	if key == nil || !key.Equal(chain[0].PublicKey) {
		v.fail(CheckCertChain, file, wrongKey)
		return nil
	}
	v.pass(CheckCertChain, file, "certchain.ok", chain[0].SerialNumber.Text(16), chain[0].Subject.CommonName, chain[0].Issuer.CommonName)
	return chain
}

// trustChains judges the chains kept by certChains with opts.ChainTrust; it reports whether there was any.
func (v *verifier) trustChains(applianceID string, at time.Time) bool {
	if v.opts.ChainTrust == nil {
		return false
	}
	judged := false
	for _, c := range []struct {
		role, file string
		chain      []*x509.Certificate
	}{{RoleSigner, chainFile, v.signerChain}, {RoleAK, akChainFile, v.akChain}} {
		if c.chain == nil {
			continue
		}
		judged = true
		it, en, err := v.opts.ChainTrust(v.ctx, c.role, c.chain, applianceID, at)
		if err != nil {
			v.failErr(CheckTrust, c.file, "signer-trust.signer-not-recognized", err)
			continue
		}
		v.add(CheckTrust, Pass, c.file, it, en)
	}
	return judged
}
