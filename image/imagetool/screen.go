package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The touch UI's colours (ui/assets/static/style.css): the page's background and the top bar.
var (
	uiBackground = [3]uint8{0xf4, 0xf5, 0xf7}
	uiBar        = [3]uint8{0x1d, 0x2b, 0x3a}
)

// screenStats is what a screenshot of the box's screen shows, as shares of its pixels.
type screenStats struct {
	Width, Height int
	Background    float64 // the UI's page background
	Bar           float64 // the UI's top bar
	Dark          float64 // near black: a text console's background
}

// UI reports whether the screen shows the touch UI: mostly its page background, and its bar at the top.
func (s screenStats) UI() bool { return s.Background >= 0.3 && s.Bar >= 0.01 }

func (s screenStats) String() string {
	what := "not the touch UI"
	switch {
	case s.UI():
		what = "the touch UI"
	case s.Dark >= 0.8:
		what = "a dark screen (the text console or nothing drawn)"
	}
	return fmt.Sprintf("%dx%d, UI background %.0f%%, UI bar %.0f%%, dark %.0f%%: %s",
		s.Width, s.Height, 100*s.Background, 100*s.Bar, 100*s.Dark, what)
}

func near(r, g, b uint32, c [3]uint8) bool {
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v >= -8 && v <= 8 }
	return d(r, c[0]) && d(g, c[1]) && d(b, c[2])
}

// measureScreen counts the pixels of img by what they show.
func measureScreen(img image.Image) screenStats {
	b := img.Bounds()
	s := screenStats{Width: b.Dx(), Height: b.Dy()}
	n := b.Dx() * b.Dy()
	if n == 0 {
		return s
	}
	var bg, bar, dark int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case near(r, g, bl, uiBackground):
				bg++
			case near(r, g, bl, uiBar):
				bar++
			case r>>8 < 48 && g>>8 < 48 && bl>>8 < 48:
				dark++
			}
		}
	}
	s.Background, s.Bar, s.Dark = float64(bg)/float64(n), float64(bar)/float64(n), float64(dark)/float64(n)
	return s
}

// screendump asks the qemu human monitor listening on the unix socket sock to write the screen to path as PNG.
func screendump(sock, path string, timeout time.Duration) error {
	c, err := net.DialTimeout("unix", sock, timeout)
	if err != nil {
		return fmt.Errorf("qemu monitor %s: %w", sock, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("qemu monitor %s: %w", sock, err)
	}
	r := bufio.NewReader(c)
	prompt := func() (string, error) {
		var got strings.Builder
		for !strings.HasSuffix(got.String(), "(qemu) ") {
			b, err := r.ReadByte()
			if err != nil {
				return got.String(), fmt.Errorf("qemu monitor %s: waiting for its prompt: %w", sock, err)
			}
			got.WriteByte(b)
		}
		return got.String(), nil
	}
	if _, err := prompt(); err != nil {
		return err
	}
	// HMP's order (qemu 7.2): the file, then the format option; "-f png FILE" is refused.
	if _, err := fmt.Fprintf(c, "screendump %s -f png\n", path); err != nil {
		return fmt.Errorf("qemu monitor %s: %w", sock, err)
	}
	answer, err := prompt()
	if err != nil {
		return err
	}
	// The monitor echoes the command (with terminal escapes); anything it says after that line is an error.
	if _, rest, ok := strings.Cut(answer, "\n"); ok {
		if msg := strings.TrimSpace(strings.TrimSuffix(rest, "(qemu) ")); msg != "" {
			return fmt.Errorf("qemu monitor %s: screendump: %s", sock, msg)
		}
	}
	return nil
}

// runScreen: imagetool screen [-monitor SOCKET] -png FILE [-want-ui]. With -monitor it first takes the screenshot
// through qemu's monitor; it prints what the screen shows, and with -want-ui fails unless it is the touch UI.
func runScreen(args []string) error {
	fs := flag.NewFlagSet("screen", flag.ContinueOnError)
	monitor := fs.String("monitor", "", "the qemu human monitor's unix socket: take the screenshot first")
	out := fs.String("png", "", "the screenshot (PNG): written with -monitor, read in any case")
	wantUI := fs.Bool("want-ui", false, "fail unless the screen shows the touch UI")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("screen: -png is required")
	}
	path, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if *monitor != "" {
		if err := screendump(*monitor, path, 30*time.Second); err != nil {
			return err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	s := measureScreen(img)
	fmt.Println(s)
	if *wantUI && !s.UI() {
		return fmt.Errorf("screenshot %s: %s", path, s)
	}
	return nil
}
