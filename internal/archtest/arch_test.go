package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/attesta/attesta/"

// layers lists the production packages from the top (0) down, as ARCHITECTURE.md draws them. A package not listed
// fails the test: a new package takes its place in the map on purpose.
var layers = [][]string{
	{"cmd/attesta", "cmd/attesta-verify", "internal/demo", "image/imagetool"},
	{"appliance", "appliance/panel"},
	{"appliance/desk", "appliance/retention", "appliance/gdpr"},
	{"certify", "ui", "mirror", "mirror/localstore"},
	{"capture/web", "capture/android", "capture/android/msgstore", "capture/ios", "capture/ios/plist",
		"capture/ios/chatstorage", "usb", "usb/internal/aproto", "usb/usbmux", "usb/lockdown", "usb/iphone",
		"usb/internal/shellproto", "usb/internal/syncproto", "report", "report/pades", "bundle/verifycmd", "bundle/tsa",
		"authority", "witness", "delivery/drive"},
	{"journal", "journal/blob", "tpm", "bundle", "image/update"},
	{"journal/format", "witness/cosig", "tpm/attest", "evidence", "internal/durable", "internal/strictjson", "internal/cms", "internal/i18n", "internal/ffmpeg", "internal/wakeup"},
}

// helpers are the packages that exist for tests: fakes that speak the real protocols, simulators' suites, vectors.
// internal/demo may use the first group (it drives the fakes), nothing else in production may.
var helpers = map[string]bool{
	"capture/web/webtest": true, "usb/adbtest": true, "capture/android/msgstore/msgstoretest": true,
	"capture/ios/iostest": true, "bundle/tsa/tsatest": true, "bundle/bundletest": true, "tpm/tpmtest": true, "journal/journaltest": true,
	"journal/blob/blobtest": true, "usb/usbtest": true, "usb/iphonetest": true, "internal/testvectors": true, "internal/testpki": true, "internal/testwait": true, "internal/paneltest": true, "internal/testtools": true, "internal/fuzzseed": true, "internal/golden": true,
	"internal/archtest": true, "appliance/internal/appliancetest": true, "mirror/s3test": true, "delivery/drive/drivetest": true,
}

var demoMayUse = map[string]bool{"capture/web/webtest": true, "usb/adbtest": true, "capture/android/msgstore/msgstoretest": true,
	"capture/ios/iostest": true, "delivery/drive/drivetest": true}

// neverEachOther are groups whose members must not import a member of another group of the list.
var neverEachOther = [][]string{{"capture/web"}, {"capture/android"}, {"capture/ios"}, {"usb"}, {"ui"}}

// sharedFormats are format packages that live under a source but that other sources may read: Apple's property
// lists are both the iPhone backup's format and usbmuxd's and lockdownd's wire format.
var sharedFormats = map[string]bool{"capture/ios/plist": true}

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-json=ImportPath,Imports", module+"...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		own := p.Imports[:0]
		for _, imp := range p.Imports {
			if rel, ok := strings.CutPrefix(imp, module); ok {
				own = append(own, rel)
			}
		}
		p.Imports = own
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func isHelper(path string) bool {
	if helpers[path] {
		return true
	}
	for h := range helpers {
		if strings.HasPrefix(path, h+"/") { // the helpers' own commands (waweb, fakephone)
			return true
		}
	}
	return false
}

func TestPackageMap(t *testing.T) {
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layerOf[p] = i
		}
	}
	for _, p := range listPackages(t) {
		if isHelper(p.ImportPath) {
			continue
		}
		layer, ok := layerOf[p.ImportPath]
		if !ok {
			t.Errorf("%s is in no layer: give it its place in ARCHITECTURE.md and in this test", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case isHelper(imp) && !(p.ImportPath == "internal/demo" && demoMayUse[imp]):
				t.Errorf("%s imports the test helper %s", p.ImportPath, imp)
			case isHelper(imp):
			case !inMap(layerOf, imp):
				// reported when imp itself is checked
			case layerOf[imp] < layer:
				t.Errorf("%s (layer %d) imports %s from a layer above (%d)", p.ImportPath, layer, imp, layerOf[imp])
			}
		}
	}
}

func inMap(m map[string]int, k string) bool { _, ok := m[k]; return ok }

func TestSourcesNeverImportEachOther(t *testing.T) {
	group := func(path string) int {
		for i, g := range neverEachOther {
			for _, root := range g {
				if path == root || strings.HasPrefix(path, root+"/") {
					return i
				}
			}
		}
		return -1
	}
	for _, p := range listPackages(t) {
		from := group(p.ImportPath)
		if from < 0 || isHelper(p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if to := group(imp); to >= 0 && to != from && !sharedFormats[imp] {
				t.Errorf("%s imports %s: the sources and the UI know evidence and the formats, never each other", p.ImportPath, imp)
			}
		}
	}
}
