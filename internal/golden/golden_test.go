package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of ending the test.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.failed = append(r.failed, "error") }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = append(r.failed, "fatal") }
func (r *recorder) Fatal(a ...any)            { r.failed = append(r.failed, "fatal") }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "out.golden")
	tests := []struct {
		name   string
		got    string
		update bool
		want   string // the failures, joined
	}{
		{"missing file", "one", false, "fatal"},
		{"update creates it", "one", true, ""},
		{"same output", "one", false, ""},
		{"different output", "two", false, "error"},
		{"update rewrites it", "two", true, ""},
		{"new output kept", "two", false, ""},
	}
	for _, tt := range tests {
		r := &recorder{TB: t}
		Check(r, path, []byte(tt.got), tt.update)
		if got := strings.Join(r.failed, ","); got != tt.want {
			t.Errorf("%s: failures %q, want %q", tt.name, got, tt.want)
		}
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "two" {
		t.Errorf("golden file holds %q, %v", b, err)
	}
}
