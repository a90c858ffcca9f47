package webtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// decodeQR screenshots the QR canvas and decodes it with zbarimg.
func decodeQR(t *testing.T, tb *tab, zbar string) []string {
	t.Helper()
	png, err := chromedp.Run(tb.timeout(), chromedp.Screenshot(chromedp.CSS(`[data-ref] canvas`)))
	if err != nil {
		t.Fatalf("screenshot the QR canvas: %v", err)
	}
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), zbar, "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg could not decode the QR canvas: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), ",")
}

// TestQRCodeDecodes checks the canvas with an independent decoder: it must
// hold "ref,key,key,key" with the current data-ref, and the keys must stay
// when the ref rotates.
func TestQRCodeDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Fatal("zbarimg (Debian zbar-tools) is not installed: run scripts/setup")
	}
	s := newTestServer(t, MustDefaultScenario("basic"), WithQRRotation(time.Second), WithQRIdleAfter(0))
	tb := openTab(t, s)
	tb.waitFor(`document.querySelector('[data-ref] canvas')`)
	ref := eval[string](tb, `document.querySelector('[data-ref]').getAttribute('data-ref')`)
	first := decodeQR(t, tb, zbar)
	if len(first) != 4 {
		t.Fatalf("QR holds %d fields %q, want ref and three keys", len(first), first)
	}
	if first[0] != ref && first[0] != eval[string](tb, `document.querySelector('[data-ref]').getAttribute('data-ref')`) {
		t.Errorf("QR ref %q, data-ref %q", first[0], ref)
	}
	tb.waitFor(`document.querySelector('[data-ref]').getAttribute('data-ref') !== ` + jsString(first[0]))
	second := decodeQR(t, tb, zbar)
	if len(second) != 4 || second[0] == first[0] || strings.Join(second[1:], ",") != strings.Join(first[1:], ",") {
		t.Errorf("after rotation the QR holds %q (before %q): want a new ref and the same keys", second, first)
	}
}
