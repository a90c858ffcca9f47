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
