package authority

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm/attest"
)

// File names in the authority's directory.
const (
	RootCertFile = "root.pem"
	CACertFile   = "ca.pem"
	rootKeyFile  = "root.key"
	caKeyFile    = "ca.key"
	EKRootsFile  = "ek-roots.pem"
	PoliciesFile = "policies.json"
	RegistryFile = "registry.json"
	EventsFile   = "events.jsonl"
	StatusFile   = "status.json"
)

// Formats of the authority's own files.
const (
	policiesFormat = "attesta.pcr-policies/v1"
	registryFormat = "attesta.authority-registry/v1"
)

// InitOptions configures a new authority.
type InitOptions struct {
	// Name is the authority's name, in its certificates' subjects.
	Name string
	// Passphrase seals the CA keys.
	Passphrase []byte
	// EKRoots are PEM certificates of the TPM manufacturers whose EK certificates the authority accepts.
	EKRoots []byte
	// AcceptUncertifiedEK lets appliances whose TPM has no EK certificate enroll on their EK public key alone
	// (trust on first use: the development simulator, some firmware TPMs). Their certificates say so.
	AcceptUncertifiedEK bool
	// Policies are the image PCR policies the authority accepts (signing keys under the literal PCR policy).
	Policies []PCRPolicy
	// ImageKeys are the image keys the authority accepts (signing keys under the authorized policy).
	ImageKeys []ImageKey
	// Now is the time of the CA certificates' validity start; zero means time.Now.
	Now time.Time
}

// PCRPolicy is one image's PCR policy: the signing key of a box running that image is bound to these values.
type PCRPolicy struct {
	Name      string   `json:"name"`
	Selection string   `json:"selection"`
	Values    [][]byte `json:"values"`
}

type policiesFile struct {
	Format              string      `json:"format"`
	AcceptUncertifiedEK bool        `json:"accept_uncertified_ek"`
	Policies            []PCRPolicy `json:"policies"`
	ImageKeys           []ImageKey  `json:"image_keys,omitempty"`
}

// Authority is an open authority directory with its CA keys unsealed.
type Authority struct {
	dir      string
	root, ca *x509.Certificate
	caKey    *ecdsa.PrivateKey
	ekRoots  *x509.CertPool
	ekInter  *x509.CertPool
	policy   policiesFile
	// keysMu guards policy.ImageKeys, which RegisterImageKey changes (mu may be held while a request is checked).
	keysMu sync.Mutex

	mu  sync.Mutex
	now func() time.Time
}

// Init creates a new authority in dir (which must not hold one): a root CA and an issuing CA (ECDSA P-256), their
// keys sealed under the passphrase, the trusted EK roots and the accepted PCR policies.
func Init(dir string, opts InitOptions) error {
	if opts.Name == "" {
		return errors.New("authority: init: empty name")
	}
	if _, err := os.Stat(filepath.Join(dir, RootCertFile)); err == nil {
		return fmt.Errorf("authority: init: %s already holds an authority", dir)
	}
	if len(opts.Policies) == 0 && len(opts.ImageKeys) == 0 {
		return errors.New("authority: init: no PCR policy and no image key: an authority must know which images it accepts")
	}
	for i, k := range opts.ImageKeys {
		if err := k.check(); err != nil {
			return fmt.Errorf("authority: init: image key %d: %w", i, err)
		}
	}
	for i, p := range opts.Policies {
		if err := p.check(); err != nil {
			return fmt.Errorf("authority: init: policy %d: %w", i, err)
		}
	}
	if len(opts.EKRoots) > 0 {
		if _, err := ParsePEMCertificates(opts.EKRoots); err != nil {
			return fmt.Errorf("authority: init: EK roots: %w", err)
		}
	}
	if len(opts.EKRoots) == 0 && !opts.AcceptUncertifiedEK {
		return errors.New("authority: init: no EK roots and uncertified EKs not accepted: no TPM could enroll")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("authority: init: %w", err)
	}
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: opts.Name + " Root CA", Organization: []string{opts.Name}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(30, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 1,
	}
	root, err := issueCert(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("authority: init: root: %w", err)
	}
	caTmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: opts.Name + " Appliance CA", Organization: []string{opts.Name}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(15, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
	}
	ca, err := issueCert(caTmpl, root, &caKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("authority: init: issuing CA: %w", err)
	}
	pf := policiesFile{Format: policiesFormat, AcceptUncertifiedEK: opts.AcceptUncertifiedEK, Policies: opts.Policies,
		ImageKeys: opts.ImageKeys}
	steps := []func() error{
		func() error { return writeKey(filepath.Join(dir, rootKeyFile), rootKey, opts.Passphrase) },
		func() error { return writeKey(filepath.Join(dir, caKeyFile), caKey, opts.Passphrase) },
		func() error { return durable.WriteNew(filepath.Join(dir, EKRootsFile), opts.EKRoots, 0o644) },
		func() error { return durable.WriteNew(filepath.Join(dir, PoliciesFile), mustJSON(pf), 0o644) },
		func() error {
			return durable.WriteNew(filepath.Join(dir, RegistryFile), mustJSON(newRegistry()), 0o600)
		},
		func() error { return durable.WriteNew(filepath.Join(dir, CACertFile), pemCert(ca), 0o644) },
		func() error { return durable.WriteNew(filepath.Join(dir, RootCertFile), pemCert(root), 0o644) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("authority: init: %w", err)
		}
	}
	// An empty status list from the start, so that verifiers can fetch one before any enrollment.
	a := &Authority{dir: dir, root: root, ca: ca, caKey: caKey, now: func() time.Time { return now }}
	if err := a.publishLocked(newRegistry()); err != nil {
		return fmt.Errorf("authority: init: %w", err)
	}
	return nil
}

func (p PCRPolicy) check() error {
	sel, err := attest.ParsePCRSelection(p.Selection)
	if err != nil {
		return err
	}
	if len(p.Values) != len(sel) {
		return fmt.Errorf("%s: %d values for %d PCRs", p.Selection, len(p.Values), len(sel))
	}
	for i, v := range p.Values {
		if len(v) != sha256.Size {
			return fmt.Errorf("%s: value %d is %d bytes, want 32", p.Selection, i, len(v))
		}
	}
	return nil
}

// Open opens the authority in dir, unsealing the issuing CA's key with passphrase.
func Open(dir string, passphrase []byte) (*Authority, error) {
	a := &Authority{dir: dir, now: time.Now}
	var err error
	if a.root, err = readCertFile(filepath.Join(dir, RootCertFile)); err != nil {
		return nil, err
	}
	if a.ca, err = readCertFile(filepath.Join(dir, CACertFile)); err != nil {
		return nil, err
	}
	if a.caKey, err = readKey(filepath.Join(dir, caKeyFile), passphrase); err != nil {
		return nil, err
	}
	if !a.caKey.PublicKey.Equal(a.ca.PublicKey) {
		return nil, fmt.Errorf("authority: %s does not hold the key of %s", caKeyFile, CACertFile)
	}
	ek, err := os.ReadFile(filepath.Join(dir, EKRootsFile))
	if err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	// Self-signed certificates are the manufacturers' roots; the others their intermediates.
	a.ekRoots, a.ekInter = x509.NewCertPool(), x509.NewCertPool()
	if len(ek) > 0 {
		certs, err := ParsePEMCertificates(ek)
		if err != nil {
			return nil, fmt.Errorf("authority: %s: %w", EKRootsFile, err)
		}
		for _, c := range certs {
			if c.CheckSignatureFrom(c) == nil {
				a.ekRoots.AddCert(c)
			} else {
				a.ekInter.AddCert(c)
			}
		}
	}
	if err := strictjson.ReadFile(filepath.Join(dir, PoliciesFile), policiesFormat, &a.policy); err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	for i, k := range a.policy.ImageKeys {
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("authority: %s: image_keys[%d]: %w", PoliciesFile, i, err)
		}
	}
	return a, nil
}

// SetClock replaces the authority's clock (tests and simulations of time passing).
func (a *Authority) SetClock(now func() time.Time) { a.now = now }

// Root returns the root CA certificate; Issuer the issuing CA's.
func (a *Authority) Root() *x509.Certificate   { return a.root }
func (a *Authority) Issuer() *x509.Certificate { return a.ca }

// Dir returns the authority's directory.
func (a *Authority) Dir() string { return a.dir }

func issueCert(tmpl, parent *x509.Certificate, pub any, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// PEMChain encodes certificates as concatenated PEM blocks.
func PEMChain(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pemCert(c)...)
	}
	return out
}

// ParsePEMCertificates decodes every CERTIFICATE block of data; it fails when there is none or one does not parse.
func ParsePEMCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return certs, nil
}

func readCertFile(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	certs, err := ParsePEMCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("authority: %s: %w", path, err)
	}
	return certs[0], nil
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// event appends one line to events.jsonl: the authority's own journal of decisions and results.
func (a *Authority) event(kind string, fields map[string]any) error {
	fields["event"] = kind
	fields["at"] = a.now().UTC().Format(time.RFC3339)
	b, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return durable.Append(filepath.Join(a.dir, EventsFile), append(b, '\n'), 0o600)
}
