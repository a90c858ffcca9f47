package certify

import (
	"context"
	"strings"
	"testing"
)

// The pipelines refuse to start without what they record, gate and sign with: a missing part would otherwise
// surface mid-acquisition, after evidence was stored.
func TestNewRefusesAnIncompleteConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("New(Config{}) = %v, want an incomplete configuration error", err)
	}
}

// Every media path from the phone's database is fetched inside WhatsApp's folder, never elsewhere.
func TestPhoneMediaRefusesPathsOutsideWhatsApp(t *testing.T) {
	p := phoneMedia{}
	for _, rel := range []string{"../secret", "Media/../../x", "/abs", "Media//x", "Media/x\x00"} {
		if err := p.fetch(context.Background(), rel, nil); err == nil || !strings.Contains(err.Error(), "not a plain relative path") {
			t.Errorf("fetch(%q) = %v, want a refusal", rel, err)
		}
	}
}
