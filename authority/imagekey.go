package authority

// Image keys: a box provisioned under the authorized policy binds its signing key not to one image's PCR values but
// to the project's image key (PolicyAuthorize; see package tpm, "Authorized policy"). The authority enrolls such a
// key only when it knows that image key.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/tpm/attest"
)

// ImageKey is an image key the authority accepts: the signing key of a box may be bound to it.
type ImageKey struct {
	Name string `json:"name"`
	// PublicKey is the image key's SubjectPublicKeyInfo (DER), ECDSA P-256.
	PublicKey []byte `json:"public_key"`
}

// imageKeyPolicyPrefix starts the registry's pcr_policy of an appliance enrolled under an image key.
const imageKeyPolicyPrefix = "image-key:"

// NewImageKey names the image key pub for registration.
func NewImageKey(name string, pub *ecdsa.PublicKey) (ImageKey, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ImageKey{}, fmt.Errorf("authority: image key %q: %w", name, err)
	}
	k := ImageKey{Name: name, PublicKey: der}
	return k, k.check()
}

func (k ImageKey) check() error {
	if k.Name == "" {
		return fmt.Errorf("image key without a name")
	}
	if _, err := k.key(); err != nil {
		return fmt.Errorf("image key %q: %w", k.Name, err)
	}
	return nil
}

func (k ImageKey) key() (*ecdsa.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(k.PublicKey)
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("want ECDSA P-256, got %T", pub)
	}
	if _, err := attest.ImageKeyPublic(ec); err != nil {
		return nil, err
	}
	return ec, nil
}

// fingerprint is the first bytes of the SHA-256 of a SubjectPublicKeyInfo, for messages.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return fmt.Sprintf("%x", sum[:8])
}

// RegisterImageKey adds an image key to those the authority accepts (policies.json is rewritten). A key already
// registered under another name, or a name already taken by another key, is refused.
func (a *Authority) RegisterImageKey(k ImageKey) error {
	if err := k.check(); err != nil {
		return fmt.Errorf("authority: register image key: %w", err)
	}
	a.keysMu.Lock()
	defer a.keysMu.Unlock()
	for _, have := range a.policy.ImageKeys {
		same := bytes.Equal(have.PublicKey, k.PublicKey)
		if same && have.Name == k.Name {
			return nil
		}
		if same || have.Name == k.Name {
			return fmt.Errorf("authority: register image key %q (%s): already registered as %q (%s)",
				k.Name, fingerprint(k.PublicKey), have.Name, fingerprint(have.PublicKey))
		}
	}
	pf := a.policy
	pf.ImageKeys = append(slices.Clone(pf.ImageKeys), k)
	if err := durable.Replace(filepath.Join(a.dir, PoliciesFile), mustJSON(pf), 0o644); err != nil {
		return fmt.Errorf("authority: register image key: %w", err)
	}
	a.policy.ImageKeys = pf.ImageKeys
	return nil
}

// ImageKeys returns the image keys the authority accepts.
func (a *Authority) ImageKeys() []ImageKey {
	a.keysMu.Lock()
	defer a.keysMu.Unlock()
	return slices.Clone(a.policy.ImageKeys)
}

// matchImageKey checks a signing key under an image key: the image key the request declares must be registered,
// and the key's authPolicy must be attest.AuthorizedKeyPolicy of it. It returns the registry's policy name.
func (a *Authority) matchImageKey(req *attest.Request, keyPolicy []byte) (string, error) {
	keys := a.ImageKeys()
	declared, err := x509.ParsePKIXPublicKey(req.ImagePolicyKey)
	if err != nil {
		return "", refuse("image_policy_key: %v", err)
	}
	for _, k := range keys {
		pub, err := k.key()
		if err != nil || !pub.Equal(declared) {
			continue
		}
		want, err := attest.AuthorizedKeyPolicy(pub)
		if err != nil {
			return "", refuse("image key %q: %v", k.Name, err)
		}
		if !bytes.Equal(keyPolicy, want) {
			return "", refuse("the signing key's policy %x is not the authorized policy of image key %q (%x): PolicyAuthorize(image key) then PolicyNV(tamper index == 0)",
				keyPolicy, k.Name, want)
		}
		return imageKeyPolicyPrefix + k.Name, nil
	}
	return "", refuse("unknown image key: the signing key is bound to the image key %s (SHA-256 of its SubjectPublicKeyInfo), which is not registered with this authority (attesta authority init --image-key)",
		fingerprint(req.ImagePolicyKey))
}
