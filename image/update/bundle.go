package update

import (
	"archive/tar"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm/attest"
)

// Format is the manifest's format string.
const Format = "attesta.image-update/v1"

// Member names, in the order the update file holds them.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	RootName      = "root.img"
)

// UKIName is the member holding the unified kernel image that boots slot.
func UKIName(slot string) string { return "uki-" + slot + ".efi" }

// PolicyName is the member holding the signed TPM policy (attesta.tpm.policy/v1) of slot's UKI: the PCRs a genuine
// boot of it produces and the policy version, signed with the image-policy key.
func PolicyName(slot string) string { return "policy-" + slot + ".json" }

// payload is the manifest's list of files, in order; withPolicies that of an update carrying the signed TPM policy
// of each slot's UKI.
var (
	payload      = []string{RootName, UKIName("a"), UKIName("b")}
	withPolicies = append(slices.Clone(payload), PolicyName("a"), PolicyName("b"))
)

// payloadOf is the payload list that has n files: withPolicies or payload.
func payloadOf(n int) []string {
	if n == len(withPolicies) {
		return withPolicies
	}
	return payload
}

const (
	maxManifest  = 64 << 10
	maxSignature = 512
	maxPolicy    = 64 << 10
)

// Errors callers branch on.
var (
	// ErrSignature: the manifest's signature does not verify with the pinned image key.
	ErrSignature = errors.New("signature does not verify with the pinned image key")
	// ErrMember: a member differs from what the signed manifest says (size or digest), or is missing or extra.
	ErrMember = errors.New("member differs from the signed manifest")
	// ErrTruncated: the file ends inside a member or before all members.
	ErrTruncated = errors.New("update file truncated")
	// ErrNotNewer: the update's version is not newer than the running image's.
	ErrNotNewer = errors.New("version not newer than the running image")
	// ErrFormat: not an update file of this format.
	ErrFormat = errors.New("not an attesta.image-update/v1 file")
)

// Manifest is manifest.json.
type Manifest struct {
	Format   string `json:"format"`
	Version  string `json:"version"`
	RootHash string `json:"roothash"`
	Files    []File `json:"files"`
}

// File is one payload member as the manifest lists it.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bundle is an update file whose signature and members were checked by [Open].
type Bundle struct {
	Path     string
	Manifest Manifest
	// ManifestSHA256 is the digest the signature covers; KeyID the SHA-256 of the image key (SubjectPublicKeyInfo).
	ManifestSHA256, KeyID string
}

// KeyID is the hex SHA-256 of the key's SubjectPublicKeyInfo (DER).
func KeyID(pub *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ParsePublicKey reads the pinned image key: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) of an ECDSA P-256 key, the
// same form as the image-policy key (attest.ParseImageKey); name is the file, for the error.
func ParsePublicKey(name string, data []byte) (*ecdsa.PublicKey, error) {
	pub, err := attest.ParseImageKey(data)
	if err != nil {
		return nil, fmt.Errorf("image key %s: %w", name, err)
	}
	return pub, nil
}

// Source is a payload member to write: its name and its file.
type Source struct {
	Name, Path string
}

// Write writes an update file to w: manifest, signature by key, then root.img and the two UKIs from sources (one per
// payload name), and optionally the two slots' signed TPM policies (policy-a.json, policy-b.json). mtime is every member's modification time (SOURCE_DATE_EPOCH), so that only the signature differs
// between two bundles of the same image.
func Write(w io.Writer, key crypto.Signer, version, roothash string, sources []Source, mtime time.Time) error {
	if err := checkVersion(version); err != nil {
		return fmt.Errorf("update: write: %w", err)
	}
	want := payloadOf(len(sources))
	if len(sources) != len(want) {
		return fmt.Errorf("update: write: %d payload files, want %v or %v", len(sources), payload, withPolicies)
	}
	m := Manifest{Format: Format, Version: version, RootHash: roothash}
	for i, s := range sources {
		if s.Name != want[i] {
			return fmt.Errorf("update: write: payload file %d is %q, want %q", i, s.Name, want[i])
		}
		f, err := hashFile(s.Path)
		if err != nil {
			return fmt.Errorf("update: write: %w", err)
		}
		f.Name = s.Name
		m.Files = append(m.Files, f)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	manifest = append(manifest, '\n')
	digest := sha256.Sum256(manifest)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("update: sign the manifest: %w", err)
	}
	tw := tar.NewWriter(w)
	add := func(name string, size int64, body io.Reader) error {
		hdr := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: mtime.UTC(), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("update: write %s: %w", name, err)
		}
		if _, err := io.Copy(tw, body); err != nil {
			return fmt.Errorf("update: write %s: %w", name, err)
		}
		return nil
	}
	if err := add(ManifestName, int64(len(manifest)), bytes.NewReader(manifest)); err != nil {
		return err
	}
	if err := add(SignatureName, int64(len(sig)), bytes.NewReader(sig)); err != nil {
		return err
	}
	for i, s := range sources {
		f, err := os.Open(s.Path)
		if err != nil {
			return fmt.Errorf("update: write: %w", err)
		}
		err = add(s.Name, m.Files[i].Size, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

func hashFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open checks the update file at path: its manifest is signed by key, every member is there with the size and
// SHA-256 the manifest says, nothing else is in it. It reads the whole file once; [Bundle.Copy] reads a member again
// (and checks it again) when it is installed.
func Open(path string, key *ecdsa.PublicKey) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	b, err := check(f, key)
	if err != nil {
		return nil, fmt.Errorf("update: %s: %w", path, err)
	}
	b.Path = path
	return b, nil
}

// check reads an update file from r.
func check(r io.Reader, key *ecdsa.PublicKey) (*Bundle, error) {
	tr := tar.NewReader(r)
	manifest, err := smallMember(tr, ManifestName, maxManifest)
	if err != nil {
		return nil, err
	}
	sig, err := smallMember(tr, SignatureName, maxSignature)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(manifest)
	b := &Bundle{ManifestSHA256: hex.EncodeToString(digest[:]), KeyID: KeyID(key)}
	if !ecdsa.VerifyASN1(key, digest[:], sig) {
		return nil, fmt.Errorf("%s: %w (key %s)", SignatureName, ErrSignature, b.KeyID)
	}
	if err := strictjson.DecodeFormat(ManifestName, manifest, Format, &b.Manifest); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if err := b.Manifest.check(); err != nil {
		return nil, err
	}
	for _, want := range b.Manifest.Files {
		if err := nextMember(tr, want, io.Discard); err != nil {
			return nil, err
		}
	}
	if hdr, err := tr.Next(); err == nil {
		return nil, fmt.Errorf("member %q after the last one: %w", hdr.Name, ErrMember)
	} else if err != io.EOF {
		return nil, fmt.Errorf("after the last member: %w", truncated(err))
	}
	return b, nil
}

// check refuses a manifest whose files are not the payload, in order, with sane sizes and digests.
func (m *Manifest) check() error {
	if err := checkVersion(m.Version); err != nil {
		return fmt.Errorf("%s: %w", ManifestName, err)
	}
	want := payloadOf(len(m.Files))
	if len(m.Files) != len(want) {
		return fmt.Errorf("%s: %d files, want %v or %v: %w", ManifestName, len(m.Files), payload, withPolicies, ErrFormat)
	}
	for i, f := range m.Files {
		if f.Name != want[i] {
			return fmt.Errorf("%s: file %d is %q, want %q: %w", ManifestName, i, f.Name, want[i], ErrFormat)
		}
		if f.Size <= 0 || i >= len(payload) && f.Size > maxPolicy {
			return fmt.Errorf("%s: %s: size %d: %w", ManifestName, f.Name, f.Size, ErrFormat)
		}
		if d, err := hex.DecodeString(f.SHA256); err != nil || len(d) != sha256.Size {
			return fmt.Errorf("%s: %s: sha256 %q is not 64 hex digits: %w", ManifestName, f.Name, f.SHA256, ErrFormat)
		}
	}
	return nil
}

// smallMember reads the next member, which must be called name and hold at most max bytes.
func smallMember(tr *tar.Reader, name string, max int64) ([]byte, error) {
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, truncated(err))
	}
	if hdr.Name != name || hdr.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("first members: %q where %s belongs: %w", hdr.Name, name, ErrFormat)
	}
	if hdr.Size <= 0 || hdr.Size > max {
		return nil, fmt.Errorf("%s: %d bytes, want 1 to %d: %w", name, hdr.Size, max, ErrFormat)
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, truncated(err))
	}
	return data, nil
}

// nextMember reads the next member into w and checks it against want.
func nextMember(tr *tar.Reader, want File, w io.Writer) error {
	hdr, err := tr.Next()
	if err != nil {
		return fmt.Errorf("reading %s: %w", want.Name, truncated(err))
	}
	if hdr.Name != want.Name || hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("member %q where %s belongs: %w", hdr.Name, want.Name, ErrMember)
	}
	if hdr.Size != want.Size {
		return fmt.Errorf("%s: %d bytes, the signed manifest says %d: %w", want.Name, hdr.Size, want.Size, ErrMember)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(h, w), tr)
	if err != nil {
		return fmt.Errorf("%s: after %d of %d bytes: %w", want.Name, n, want.Size, truncated(err))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return fmt.Errorf("%s: sha256 %s, the signed manifest says %s: %w", want.Name, got, want.SHA256, ErrMember)
	}
	return nil
}

// truncated names an early end of the file as such.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return err
}

// Copy reads the member name again from the update file into w, checking it against the signed manifest once more
// (the file may have changed since Open: a USB stick swapped). w has seen every byte when the check fails: the
// caller writes where a failed copy does no harm.
func (b *Bundle) Copy(name string, w io.Writer) error {
	f, err := os.Open(b.Path)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for _, skip := range []string{ManifestName, SignatureName} {
		if hdr, err := tr.Next(); err != nil || hdr.Name != skip {
			return fmt.Errorf("update: %s: reading %s again: the file changed since it was checked: %w", b.Path, skip, ErrMember)
		}
	}
	for _, m := range b.Manifest.Files {
		if m.Name != name {
			// Skipped unread (tar seeks over it): only what is installed needs its second check.
			if hdr, err := tr.Next(); err != nil || hdr.Name != m.Name {
				return fmt.Errorf("update: %s: reading %s again: the file changed since it was checked: %w", b.Path, m.Name, ErrMember)
			}
			continue
		}
		if err := nextMember(tr, m, w); err != nil {
			return fmt.Errorf("update: %s (read again): %w", b.Path, err)
		}
		return nil
	}
	return fmt.Errorf("update: %s: no member %q", b.Path, name)
}

// HasPolicies reports whether the update carries the signed TPM policies of its UKIs.
func (b *Bundle) HasPolicies() bool {
	_, ok := b.File(PolicyName("a"))
	return ok
}

// Policy reads slot's signed TPM policy from the update file, checked again against the signed manifest.
func (b *Bundle) Policy(slot string) ([]byte, error) {
	var buf bytes.Buffer
	if err := b.Copy(PolicyName(slot), &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// File returns the manifest's entry for name.
func (b *Bundle) File(name string) (File, bool) {
	for _, f := range b.Manifest.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}
