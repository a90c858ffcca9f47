package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// A page of the touch UI (bar on top, light page, a button) is the UI; a text console (black, grey text) and a
// blank screen are not.
func TestMeasureScreenTellsTheUIFromTheConsole(t *testing.T) {
	ui := image.NewRGBA(image.Rect(0, 0, 320, 200))
	fill(ui, ui.Bounds(), color.RGBA{0xf4, 0xf5, 0xf7, 0xff})
	fill(ui, image.Rect(0, 0, 320, 24), color.RGBA{0x1d, 0x2b, 0x3a, 0xff})
	fill(ui, image.Rect(40, 60, 200, 100), color.RGBA{0x1f, 0x6f, 0xeb, 0xff})
	if s := measureScreen(ui); !s.UI() || !strings.Contains(s.String(), "the touch UI") {
		t.Errorf("the UI's page: %s", s)
	}

	console := image.NewRGBA(image.Rect(0, 0, 320, 200))
	fill(console, console.Bounds(), color.RGBA{0, 0, 0, 0xff})
	for y := 0; y < 200; y += 16 {
		fill(console, image.Rect(0, y, 80, y+8), color.RGBA{0xaa, 0xaa, 0xaa, 0xff})
	}
	if s := measureScreen(console); s.UI() || !strings.Contains(s.String(), "dark screen") {
		t.Errorf("the text console: %s", s)
	}

	light := image.NewRGBA(image.Rect(0, 0, 320, 200)) // light, but without the UI's bar: not the UI
	fill(light, light.Bounds(), color.RGBA{0xf4, 0xf5, 0xf7, 0xff})
	if s := measureScreen(light); s.UI() {
		t.Errorf("a page without the UI's bar: %s", s)
	}
	if s := measureScreen(image.NewRGBA(image.Rect(0, 0, 0, 0))); s.UI() {
		t.Errorf("an empty image: %s", s)
	}
}

func TestRunScreenReadsThePNGAndRefusesOthers(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	fill(img, img.Bounds(), color.RGBA{0, 0, 0, 0xff})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "console.png")
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runScreen([]string{"-png", good}); err != nil {
		t.Errorf("a console screenshot without -want-ui: %v", err)
	}
	if err := runScreen([]string{"-png", good, "-want-ui"}); err == nil || !strings.Contains(err.Error(), "dark screen") {
		t.Errorf("a console screenshot with -want-ui: %v", err)
	}
	cut := filepath.Join(dir, "cut.png")
	if err := os.WriteFile(cut, buf.Bytes()[:buf.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runScreen([]string{"-png", cut}); err == nil || !strings.Contains(err.Error(), "cut.png") {
		t.Errorf("a truncated PNG: %v", err)
	}
	if err := runScreen([]string{"-png", good, "-monitor", filepath.Join(dir, "no.sock")}); err == nil ||
		!strings.Contains(err.Error(), "qemu monitor") {
		t.Errorf("no monitor listening: %v", err)
	}
	if err := runScreen(nil); err == nil {
		t.Error("no -png: no error")
	}
}

// screendump speaks qemu's human monitor as the qemu the image tests use does: a paused qemu with no display
// writes its screen as a PNG that decodes; a path the monitor cannot write is an error naming the monitor.
func TestScreendumpWithQemu(t *testing.T) {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 is not installed (make setup-image)")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "monitor")
	cmd := exec.CommandContext(t.Context(), qemu, "-display", "none", "-S", "-m", "64", "-nodefaults", "-vga", "std",
		"-monitor", "unix:"+sock+",server,nowait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 300 {
			t.Fatal("qemu's monitor socket did not appear")
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := filepath.Join(dir, "screen.png")
	if err := screendump(sock, out, 30*time.Second); err != nil {
		t.Fatalf("screendump: %v", err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("the screen written is not a PNG: %v", err)
	}
	err = screendump(sock, filepath.Join(dir, "missing", "screen.png"), 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), sock) {
		t.Errorf("screendump to a folder that does not exist: %v, want an error naming the monitor", err)
	}
}
