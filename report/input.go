package report

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/internal/ffmpeg"
)

// Input is everything a report prints: the sealed manifest of the delivery and what the manifest does not carry.
type Input struct {
	// Manifest is the delivery's manifest, sealed (its journal block filled). Required.
	Manifest *bundle.Manifest
	// ManifestJSON is manifest.json as the delivery folder holds it, embedded in the PDF; nil means
	// ManifestJSON(Manifest), which is what bundle.Write writes.
	ManifestJSON []byte
	Request      Request
	Appliance    Appliance
	// Attestation is the last periodic attestation of the appliance before the report; nil when none is recorded.
	Attestation *Attestation
	Source      Source
	// Custody is the chain of custody: every action taken on the evidence, in the order taken.
	Custody []Action
	// Files opens attachments and screenshots by SHA-256 for thumbnails and screenshot pages; nil prints no
	// pictures (the names and digests are printed all the same).
	Files Opener
}

// Request says who asked for the acquisition and why.
type Request struct {
	Client  string // the client, as the studio records them
	Case    string // the case or proceeding
	Purpose string // what the acquisition is for, in the client's words
}

// Appliance identifies the machine that made the acquisition and signs its journal.
type Appliance struct {
	ID              string // the appliance id, as in the journal origin attesta/<id>
	SoftwareVersion string
	// SigningKey and AK are fingerprints of the TPM-resident checkpoint signing key and of the attestation key
	// that certified it (see [Fingerprint]).
	SigningKey string
	AK         string
	// VKey is the checkpoint verifier key, the line of proofs/vkey.
	VKey string
}

// Attestation summarizes an attestation of the appliance (quote of the boot PCRs, certification of the signing
// key, TPM clock).
type Attestation struct {
	At      time.Time
	OK      bool
	Summary string // what was checked or what failed, as the scheduler recorded it
	// Leaf is the journal leaf that records the attestation; when set, the report describes the checks in its
	// own language and refers to the leaf instead of printing Summary.
	Leaf *uint64
}

// Source describes how the data was reached: the WhatsApp Web fields for a web capture, the device fields for a
// phone or a backup. Empty fields are not printed.
type Source struct {
	WebBuild        string // WhatsApp Web build
	BridgeVersion   string // version of the capture bridge
	DeviceModel     string
	OSVersion       string
	WhatsAppVersion string
	// ExtractionPath is one of the Path* codes, which the report describes in its language, or a description
	// printed as it is.
	ExtractionPath string
}

// Extraction paths the report describes.
const (
	PathWhatsAppWeb   = "whatsapp-web-modules"  // WhatsApp Web linked by QR, read from its module layer
	PathAndroidBackup = "android-backup"        // a WhatsApp backup handed over by the client → msgstore.db
	PathADB           = "adb-backup"            // a phone on USB through ADB, read-only → msgstore.db
	PathClientUpload  = "android-backup-upload" // the client's end-to-end encrypted backup, uploaded from their remote page
	// The cloud-backup path: the client's cloud backup restored by WhatsApp on the studio's lab phone, registered
	// with the client's number, then extracted over USB.
	PathCloudAndroid = "cloud-restore-android" // Google Drive → lab Android phone → ADB
	PathCloudIPhone  = "cloud-restore-iphone"  // iCloud → lab iPhone → its backup over USB
)

// Action is one step of the chain of custody, as artifacts/custody.jsonl records it: a stable action code
// (bundle.Custody*), the chat it concerns, and fields the report prints with labels in its language.
type Action = bundle.CustodyAction

// Opener gives the bytes of a file by the SHA-256 of its content. Open returns an error wrapping fs.ErrNotExist
// when it has no such content; the report checks the bytes against the digest itself. It has the shape of
// bundle.ArtifactSource, so the case's blob store serves both.
type Opener interface {
	Open(ctx context.Context, sha256hex string) (io.ReadCloser, error)
}

var _ Opener = bundle.ArtifactSource(nil)

// Kind is the kind of report sold.
type Kind int

// Kinds. Both have the same legal value; they differ in detail.
const (
	Semplice       Kind = iota // essential data
	Personalizzata             // full detail
)

func (k Kind) String() string {
	switch k {
	case Semplice:
		return "semplice"
	case Personalizzata:
		return "personalizzata"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Options choose the report's language and kind.
type Options struct {
	Lang string // "it" (default when empty) or "en"
	Kind Kind
	// Now is the time printed as the report's date and written as the PDF's creation date; zero means now.
	Now time.Time
	// FFmpeg names the programs that read videos (durations, poster frames); the zero value is ffmpeg and
	// ffprobe on PATH. Without them the report says, for each video, that it could not be read and why.
	FFmpeg ffmpeg.Tools
	// BeforeSeal renders the report of a manifest that is not sealed yet, as a delivery does: the manifest then
	// records the report's digest (bundle.AttachReport), so that the journal leaf commits to the report, and the
	// report cannot in turn show the leaf or the root, nor embed manifest.json. It shows the verifier key and
	// refers to manifest.json's journal block instead. Without it an unsealed manifest is refused.
	BeforeSeal bool
}

func (o Options) check() (Options, error) {
	switch o.Lang {
	case "":
		o.Lang = "it"
	case "it", "en":
	default:
		return o, fmt.Errorf("%w: language %q, want it or en", ErrOptions, o.Lang)
	}
	if o.Kind != Semplice && o.Kind != Personalizzata {
		return o, fmt.Errorf("%w: kind %d", ErrOptions, int(o.Kind))
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o, nil
}

func (in *Input) check(beforeSeal bool) error {
	m := in.Manifest
	if m == nil {
		return fmt.Errorf("%w: no manifest", ErrInput)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	if m.Journal == nil && !beforeSeal {
		return fmt.Errorf("%w: acquisition %s: manifest not sealed (no journal block)", ErrInput, m.Acquisition.ID)
	}
	return nil
}

// Fingerprint returns the fingerprint the report prints for a public key: the SHA-256 of its DER
// SubjectPublicKeyInfo in lower-case hex, which "openssl pkey -pubin -outform DER | sha256sum" reproduces.
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("report: fingerprint: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}
