package appliance

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadConfigLegalMonths(t *testing.T) {
	for _, tt := range []struct {
		json string
		ok   bool
	}{
		{`{"legal_months": 24, "whatsapp_web_url": "http://127.0.0.1:1/", "adb": "127.0.0.1:5038"}`, true},
		{`{"legal_months": -1}`, false},
		{`{"legal_months": 1201}`, false},
		{`{"legal_months": 24, "adb": "127.0.0.1:5038", "max_backup_upload": 104857600, "usbmuxd": "127.0.0.1:27015"}`, true},
		{`{"max_backup_upload": -1}`, false},
	} {
		path := filepath.Join(t.TempDir(), "attesta.json")
		os.WriteFile(path, []byte(tt.json), 0o600)
		c, err := LoadConfig(path)
		if (err == nil) != tt.ok {
			t.Fatalf("LoadConfig(%s) = %v", tt.json, err)
		}
		if tt.ok {
			if d := c.withDefaults(); d.LegalMonths != 24 || d.ADB != "127.0.0.1:5038" || d.Chromium == "" ||
				time.Duration(d.RetentionEvery) != DefaultRetentionEvery {
				t.Fatalf("config %+v", d)
			}
		}
	}
}

// TestImageConfigLoads: the configuration the appliance image ships (image/rootfs/etc/attesta/config.json) is read
// strictly, with the TPM's lockout parameters and the signed policy's places as the box uses them.
func TestImageConfigLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "image", "rootfs", "etc", "attesta", "config.json"))
	if err != nil {
		t.Fatalf("the image's config.json: %v", err)
	}
	if cfg.TPMLockout == nil || cfg.TPMLockout.MaxTries < 10 || cfg.TPMLockout.RecoverySeconds == 0 {
		t.Errorf("tpm_lockout = %+v: want enough tries for power cuts and a recovery time", cfg.TPMLockout)
	}
	if cfg.ImageKey == "" || cfg.TPMPolicy == "" {
		t.Errorf("image_key %q, tpm_policy %q: the box's key must be bound to the image's signed policy", cfg.ImageKey, cfg.TPMPolicy)
	}
}
