package usb

import (
	"bufio"
	"context"
	"fmt"
	"strings"
)

// WhatsApp package names.
const (
	PackageWhatsApp         = "com.whatsapp"
	PackageWhatsAppBusiness = "com.whatsapp.w4b"
)

// Device identifies a phone for the acquisition record.
type Device struct {
	Serial         string // ro.serialno, or the server's serial when the phone hides it
	Model          string // ro.product.model
	Manufacturer   string // ro.product.manufacturer
	AndroidVersion string // ro.build.version.release
	SDK            string // ro.build.version.sdk
	// WhatsAppVersion and WhatsAppBusinessVersion are the installed
	// versionName, "" when the app is not installed.
	WhatsAppVersion         string
	WhatsAppBusinessVersion string
}

// Identify reads the phone's properties and the installed WhatsApp versions.
// It only reads: getprop and dumpsys package.
func (c *Client) Identify(ctx context.Context, serial string) (Device, error) {
	return Identify(ctx, c, serial)
}

// Identify reads the properties and the installed WhatsApp versions of the phone serial from src, with the
// read-only commands getprop and dumpsys package.
func Identify(ctx context.Context, src PhoneSource, serial string) (Device, error) {
	props, err := shellOK(ctx, src, serial, "getprop")
	if err != nil {
		return Device{}, fmt.Errorf("adb: identify %s: %w", serial, err)
	}
	p := ParseGetprop(props)
	d := Device{
		Serial:         p["ro.serialno"],
		Model:          p["ro.product.model"],
		Manufacturer:   p["ro.product.manufacturer"],
		AndroidVersion: p["ro.build.version.release"],
		SDK:            p["ro.build.version.sdk"],
	}
	if d.Serial == "" {
		d.Serial = serial
	}
	for _, pkg := range []struct {
		name string
		dst  *string
	}{{PackageWhatsApp, &d.WhatsAppVersion}, {PackageWhatsAppBusiness, &d.WhatsAppBusinessVersion}} {
		out, err := shellOK(ctx, src, serial, "dumpsys package "+pkg.name)
		if err != nil {
			return Device{}, fmt.Errorf("adb: identify %s: %w", serial, err)
		}
		*pkg.dst = ParseVersionName(out, pkg.name)
	}
	return d, nil
}

// shellOK runs cmd and fails unless it exits 0 (when the exit code is known).
func shellOK(ctx context.Context, src PhoneSource, serial, cmd string) (string, error) {
	res, err := src.Shell(ctx, serial, cmd)
	if err != nil {
		return "", err
	}
	if res.ExitCode > 0 {
		return "", fmt.Errorf("shell %q: exit status %d: %s", cmd, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return string(res.Stdout), nil
}

// ParseGetprop parses the output of getprop without arguments: lines of
// "[key]: [value]". Malformed lines are skipped; a value may not span lines.
func ParseGetprop(out string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		k, v, ok := strings.Cut(line, "]: [")
		if !ok || !strings.HasPrefix(k, "[") || !strings.HasSuffix(v, "]") {
			continue
		}
		m[k[1:]] = v[:len(v)-1]
	}
	return m
}

// ParseVersionName finds the versionName of pkg in `dumpsys package` output:
// the first "versionName=" after the "Package [pkg]" header.
func ParseVersionName(out, pkg string) string {
	in := false
	for line := range strings.Lines(out) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "Package [") {
			in = strings.HasPrefix(t, "Package ["+pkg+"]")
			continue
		}
		if in {
			if v, ok := strings.CutPrefix(t, "versionName="); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}
