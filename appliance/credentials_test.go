package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/ui"
)

// The PINs given for the first start follow the PIN-change screen's rules: what the keypad can type (6 to 12
// digits) and a technician PIN that is not the administrator's. A refused PIN writes nothing.
func TestCredentialsFirstStartRefusesBadPINs(t *testing.T) {
	for _, tc := range []struct{ name, tech, admin string }{
		{"admin one digit", "135790", "1"},
		{"admin too short", "135790", "24680"},
		{"same PIN for both roles", "135790", "135790"},
		{"technician letters", "abcdef", ""},
		{"admin letters", "135790", "24680a"},
		{"technician 16 digits", "1357902468135790", ""},
		{"admin 13 digits", "135790", "2468013579246"},
		{"technician with a space", "135 790", ""},
		{"technician non-ASCII digits", "١٢٣٤٥٦", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := LoadOrCreateCredentials(dir, tc.tech, tc.admin)
			if !errors.Is(err, ui.ErrBadPIN) {
				t.Fatalf("LoadOrCreateCredentials(%q, %q) = %v, want ui.ErrBadPIN", tc.tech, tc.admin, err)
			}
			if _, err := os.Stat(filepath.Join(dir, credentialsName)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused PIN left a credentials file: %v", err)
			}
		})
	}
	for _, tc := range []struct{ tech, admin string }{{"135790", ""}, {"135790", "246801357924"}, {"123456789012", "864209"}} {
		if _, err := LoadOrCreateCredentials(t.TempDir(), tc.tech, tc.admin); err != nil {
			t.Errorf("LoadOrCreateCredentials(%q, %q): %v", tc.tech, tc.admin, err)
		}
	}
}
