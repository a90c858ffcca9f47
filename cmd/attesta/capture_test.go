package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/testwait"
)

func TestCaptureWebPrintsQRThenDelivers(t *testing.T) {
	srv := webtest.NewServer(webtest.MustDefaultScenario("basic"))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	list := filepath.Join(dir, "lista.txt")
	os.WriteFile(list, []byte("numero: 3771151946 ; nominativo : emanuel celano ; messaggi : dal 12 gennaio 2026 al 14 gennaio 2026\n"), 0o600)
	out, data := filepath.Join(dir, "out"), filepath.Join(dir, "data")

	var stdout, stderr testwait.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(t.Context(), &env{stdout: &stdout, stderr: &stderr}, []string{"capture", "web", "--list", list,
			"--whatsapp-url", srv.URL(), "--out", out, "--data", data, "--tpm", "sim", "--max-messages", "20"})
	}()
	// The client scans the code once the terminal shows it.
	wait, cancel := testwait.Context(t)
	defer cancel()
	for !strings.Contains(stdout.String(), "waiting for the link") {
		select {
		case <-wait.Done():
			t.Fatalf("no QR code shown before the test's deadline:\n%s%s", stdout.String(), stderr.String())
		case code := <-done:
			t.Fatalf("capture ended with %d before showing a QR code:\n%s%s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got := decodeTerminalQR(t, stdout.String()); !strings.HasPrefix(got, srv.Ref()+",") {
		t.Errorf("the QR code drawn in the terminal decodes to %q, want the current ref %q", got, srv.Ref())
	}
	srv.Scan()
	if code := <-done; code != 0 {
		t.Fatalf("capture web: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	folders := deliveryFolders(t, filepath.Join(out, "3771151946-*"))
	if len(folders) != 1 {
		t.Fatalf("delivery folders %v\n%s", folders, stdout.String())
	}
	if code, vout, verr := attesta(t, "verify", folders[0]); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, vout, verr)
	}
	if got := srv.Receipts(); len(got) != 0 {
		t.Fatalf("the capture caused receipts: %+v", got)
	}
}

// decodeTerminalQR rebuilds an image from the code drawn with blocks (light) and spaces (dark), and decodes it
// with zbarimg, as a phone would read it off the screen.
func decodeTerminalQR(t *testing.T, out string) string {
	t.Helper()
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "████") {
			rows = append(rows, line)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no QR code drawn:\n%s", out)
	}
	const px = 4
	width := len([]rune(rows[0])) / 2
	img := image.NewGray(image.Rect(0, 0, width*px, len(rows)*px))
	for y, row := range rows {
		r := []rune(row)
		for x := 0; x+1 < len(r) && x/2 < width; x += 2 {
			c := color.Gray{0}
			if r[x] == '█' {
				c = color.Gray{255}
			}
			for dy := range px {
				for dx := range px {
					img.SetGray(x/2*px+dx, y*px+dy, c)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "terminal-qr.png")
	f, _ := os.Create(path)
	png.Encode(f, img)
	f.Close()
	decoded, err := exec.Command("zbarimg", "--quiet", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg cannot read the terminal QR code (run scripts/setup if zbarimg is missing): %v", err)
	}
	return strings.TrimSpace(string(decoded))
}
