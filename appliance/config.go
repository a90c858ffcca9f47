package appliance

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm"
)

// Config is the appliance's configuration. The zero value of each field means its documented default.
type Config struct {
	// DataDir holds the journal, the blobs and the TPM state. Default: $ATTESTA_DATA, else /var/lib/attesta.
	DataDir string `json:"data_dir"`
	// TPM selects the TPM: "sim", "/dev/tpmrm0" or "swtpm:PATH". Default: /dev/tpmrm0.
	TPM string `json:"tpm"`
	// PCRs is the PCR selection that the signing key's policy binds and that attestation quotes, in tpm2-tools
	// syntax. Default: "sha256:0,1,2,3,4,5,6,7,23" (boot measurements plus the application PCR).
	PCRs string `json:"pcrs"`
	// ImageKey names the image key's public half (PEM "PUBLIC KEY", ECDSA P-256): the key with which the image build
	// signs each image's PCR policy. When set, a new signing key is bound to the authorized policy (PolicyAuthorize
	// by this key, an anti-rollback counter and the TPM's tamper index: see package tpm) and signs only under the
	// signed policy of TPMPolicy; a key provisioned before keeps its literal PCR policy until it is rotated (attesta
	// keys rotate). Default: none, the literal PCR policy over PCRs.
	ImageKey string `json:"image_key"`
	// TPMPolicy names the signed PCR policy ("attesta.tpm.policy/v1") shipped beside the image's kernel image, or a
	// folder of them (*.json: an A/B box's two slots), of which the newest whose PCR values the TPM holds is put in
	// force (tpm.ChoosePolicy); the attestation self-check compares the quote with its values. Default: none.
	TPMPolicy string `json:"tpm_policy"`
	// TPMLockout, when set, is the TPM's dictionary-attack protection the box wants: set once (TPM2_
	// DictionaryAttackParameters with the factory's empty lockout authorization) when the TPM's differ, journaled
	// ("tpm-lockout"). The box's image sets it: every power cut counts as a failure, and a TPM's factory values
	// (swtpm: 3 tries, 1000 s) lock the data partition's sealed key after three cuts. Default: the TPM's own.
	TPMLockout *tpm.Lockout `json:"tpm_lockout"`
	// CheckpointEvery is how many new leaves one TPM checkpoint signature covers. Default: the journal's (1024).
	CheckpointEvery int `json:"checkpoint_every"`
	// AttestEvery is the period of the attestation self-check. Default: one hour.
	AttestEvery Duration `json:"attest_every"`
	// RotateKeyEvery is the age at which serve rotates the signing key (RotateKey); 0, the default, rotates only on
	// demand (attesta keys rotate).
	RotateKeyEvery Duration `json:"rotate_key_every"`
	// Operator names who runs the appliance, recorded in the boot leaf. Default: empty.
	Operator string `json:"operator"`
	// TSAURL is the RFC 3161 time-stamping authority (a qualified one, in production); empty means none: deliveries
	// then carry no time-stamp. TSACA names a PEM file with the roots its tokens must chain to.
	TSAURL string `json:"tsa_url"`
	TSACA  string `json:"tsa_ca"`
	// Witnesses cosign the journal's checkpoints (C2SP tlog-witness): each delivery asks them (for up to 20 s) and
	// carries their cosignatures in proofs/witness; serve submits every new checkpoint. Default: none.
	Witnesses []WitnessConfig `json:"witnesses"`
	// WitnessRole makes serve a witness of the studio's other appliances. Default: off.
	WitnessRole WitnessRoleConfig `json:"witness_role"`

	// LegalMonths is the legal retention the studio adds, in whole months, to the service each case bought before
	// the case's evidence is erased (see the retention package). Default: 0, no retention beyond the service:
	// personal data is kept no longer than the purpose it was acquired for, the client keeps the deliveries, which
	// verify without the appliance, and a case under dispute is put on legal hold instead. A studio bound by a
	// retention duty sets it here. It applies to cases opened after the change.
	LegalMonths int `json:"legal_months"`
	// RetentionEvery is the period of the retention check that erases expired cases. Default: one hour.
	RetentionEvery Duration `json:"retention_every"`
	// WhatsAppWebURL is where web sessions open WhatsApp Web. Default: https://web.whatsapp.com/.
	WhatsAppWebURL string `json:"whatsapp_web_url"`
	// Chromium is the browser binary of web sessions. Default: web.DefaultChromium.
	Chromium string `json:"chromium"`
	// ADB is the adb server that extractions from phones on USB go through. Default: 127.0.0.1:5037.
	ADB string `json:"adb"`
	// Usbmuxd is usbmuxd's address, as USBMUXD_SOCKET_ADDRESS spells it (UNIX:/path or HOST:PORT), for the iPhones
	// the touch UI extracts (the cloud-backup path's lab iPhone). Default: $USBMUXD_SOCKET_ADDRESS, else
	// libimobiledevice's own default socket.
	Usbmuxd string `json:"usbmuxd"`
	// MaxBackupUpload is the largest backup file, in bytes, a client may upload through the remote page (an
	// Android end-to-end encrypted backup with its key). Default: ui.DefaultMaxBackupUpload (2 GiB).
	MaxBackupUpload int64 `json:"max_backup_upload"`
	// PublicListen is the address on which serve answers clients' remote pages and recipients' share links, and
	// nothing else; the technician's screens stay on the local interface. Default: empty, links are served on the
	// technician's address only (a studio that sends links outside puts a TLS reverse proxy before this address).
	PublicListen string `json:"public_listen"`
	// PublicURL is how clients and recipients reach PublicListen (e.g. https://attesta.studio.it): remote and
	// share links are built on it. Default: the address the technician's screen was reached at.
	PublicURL string `json:"public_url"`
	// Panel names the front panel's GPIO pins. Default: none, a machine without a panel (a development machine):
	// serve then loads no host drivers.
	Panel PanelConfig `json:"panel"`

	// Mirror publishes the journal and the sealed blobs to an object store with Object Lock (see MirrorConfig).
	Mirror MirrorConfig `json:"mirror"`

	// Drive is the Google Drive a case's deliveries may go to (the studio's, or the client's own). Default: none.
	Drive DriveConfig `json:"drive"`

	// Privacy is the studio's data protection: its name as controller, its information notice (Italian and
	// English, with placeholders for the case) and the lawful bases a case may name. Empty fields take defaults.
	Privacy gdpr.Settings `json:"privacy"`

	// Logger receives structured logs. Default: JSON lines appended to DataDir/attesta.log.
	Logger *slog.Logger `json:"-"`
	// Version is the tool version recorded in the journal. Default: "dev".
	Version string `json:"-"`
}

// PanelConfig names the front panel's pins as periph.io's host drivers register them: a line name ("GPIO17") or a
// board position ("P1_11"). Intrusion is required for a panel at all; an empty LED or buzzer name is a part not
// fitted. On a box with a panel, [Serve] loads the host drivers, watches the intrusion switch (an opening extends the
// application PCR, journals a "tamper" leaf and locks certification: see [Appliance.Tamper]) and shows the
// appliance's state on the LEDs. A name that no driver registers stops serve with an error naming the part and pin.
type PanelConfig struct {
	Intrusion string `json:"intrusion"`
	Ready     string `json:"ready"`
	Working   string `json:"working"`
	Attention string `json:"attention"`
	Tampered  string `json:"tampered"`
	Buzzer    string `json:"buzzer"`
	// ActiveLow says the switch reads Low when the case is open. Default: High is open (a normally-closed switch to
	// ground with a pull-up, so that a cut wire also reads open).
	ActiveLow bool `json:"active_low"`
	// OutputsActiveLow says the LEDs and the buzzer are on when driven Low (sinking wiring). Default: High is on.
	OutputsActiveLow bool `json:"outputs_active_low"`
	// Debounce is how long the switch must stay unchanged to count. Default: panel.DefaultDebounce.
	Debounce Duration `json:"debounce"`
}

// Defaults used when a Config field is zero.
const (
	DefaultDataDir     = "/var/lib/attesta"
	DefaultTPM         = "/dev/tpmrm0"
	DefaultPCRs        = "sha256:0,1,2,3,4,5,6,7,23"
	DefaultAttestEvery = time.Hour

	DefaultRetentionEvery = time.Hour
	DefaultWhatsAppWebURL = "https://web.whatsapp.com/"
	DefaultADB            = "127.0.0.1:5037"
)

// LoadConfig reads a JSON configuration file. Unknown fields are an error, so that a typo does not silently fall
// back to a default.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("appliance: config: %w", err)
	}
	if err := strictjson.Decode(path, b, &c); err != nil {
		return c, fmt.Errorf("appliance: config: %w", err)
	}
	if err := c.Privacy.Validate(); err != nil {
		return c, fmt.Errorf("appliance: config %s: privacy: %w", path, err)
	}
	if err := c.validateWitnesses(); err != nil {
		return c, fmt.Errorf("appliance: config %s: %w", path, err)
	}
	if c.LegalMonths < 0 || c.LegalMonths > retention.MaxLegalMonths {
		return c, fmt.Errorf("appliance: config %s: legal_months %d: want 0 to %d", path, c.LegalMonths, retention.MaxLegalMonths)
	}
	if c.MaxBackupUpload < 0 {
		return c, fmt.Errorf("appliance: config %s: max_backup_upload %d: want a size in bytes, or 0 for the default", path, c.MaxBackupUpload)
	}
	return c, nil
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = os.Getenv("ATTESTA_DATA")
	}
	if c.Usbmuxd == "" {
		c.Usbmuxd = os.Getenv("USBMUXD_SOCKET_ADDRESS")
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.TPM == "" {
		c.TPM = DefaultTPM
	}
	if c.PCRs == "" {
		c.PCRs = DefaultPCRs
	}
	if c.AttestEvery == 0 {
		c.AttestEvery = Duration(DefaultAttestEvery)
	}
	if c.RetentionEvery == 0 {
		c.RetentionEvery = Duration(DefaultRetentionEvery)
	}
	if c.WhatsAppWebURL == "" {
		c.WhatsAppWebURL = DefaultWhatsAppWebURL
	}
	if c.Chromium == "" {
		c.Chromium = web.DefaultChromium
	}
	if c.ADB == "" {
		c.ADB = DefaultADB
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c
}

// Duration is a time.Duration that reads and writes as a Go duration string ("1h", "90s") in JSON.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	if v <= 0 {
		return fmt.Errorf("duration %q: must be positive", b)
	}
	*d = Duration(v)
	return nil
}
