package usbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

// Rig is an implementation under test and the means to attach fake phones to it.
type Rig struct {
	Source usb.PhoneSource
	// Plug starts a fake phone from cfg (whose Root the suite fills in) and attaches it to Source, as a cable
	// plugged in would; the phone is closed when t ends. It returns the serial Source lists the phone under,
	// which may be listed in any state when Plug returns, and the running phone, whose Close is the cable pulled
	// out.
	Plug func(t *testing.T, cfg adbtest.Config) (serial string, phone *adbtest.Phone)
}

// Prompt bounds how long a canceled call may take to return. A phone that has stopped answering never ends the
// call itself, so any bound shows that the cancellation took effect; this one leaves room for a loaded machine.
const Prompt = 10 * time.Second

// WhatsApp is the folder the suite fills on every phone; Files lists what it holds.
const WhatsApp = "/sdcard/Android/media/com.whatsapp/WhatsApp"

// File is a regular file the suite puts on every phone, under WhatsApp.
type File struct {
	Rel   string // slash-separated, relative to WhatsApp
	Size  int
	Perm  fs.FileMode
	MTime time.Time
}

// Files are sized around the protocol's limits: empty, less than one 64 KiB sync chunk, several chunks, more
// than one 1 MiB transport payload.
var Files = []File{
	{"Databases/msgstore.db.crypt15", 300<<10 + 17, 0o660, time.Date(2026, 1, 14, 21, 30, 5, 0, time.UTC)},
	{"Databases/msgstore-2026-01-13.1.db.crypt15", 1<<20 + 4099, 0o644, time.Date(2026, 1, 13, 2, 0, 1, 0, time.UTC)},
	{"Databases/msgstore-increment-1.db.crypt15", 0, 0o600, time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)},
	{"Databases/sub/wa.db.crypt15", 12345, 0o640, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
	{"Media/WhatsApp Images/IMG-20260114-WA0001.jpg", 1000, 0o644, time.Date(2026, 1, 14, 9, 15, 0, 0, time.UTC)},
}

// link is a symbolic link in Databases, which PullTree reports and does not copy.
const link = "Databases/latest.crypt15"

// phone is a plugged fake phone and the contents of its files by Rel.
type phone struct {
	serial string
	*adbtest.Phone
	data map[string][]byte
}

// TestPhoneSource checks the [usb.PhoneSource] contract (see the package documentation) on rig. Each subtest
// plugs its own phones; deadlines derive from ctx.
func TestPhoneSource(t *testing.T, ctx context.Context, rig Rig) {
	t.Helper()
	for _, st := range []struct {
		name string
		f    func(*testing.T, context.Context, Rig)
	}{
		{"Devices", testDevices}, {"Unauthorized", testUnauthorized}, {"Unplugged", testUnplugged},
		{"HotPlug", testHotPlug}, {"Shell", testShell}, {"Pull", testPull}, {"PullTree", testPullTree},
		{"Missing", testMissing}, {"UnpluggedMidPull", testUnpluggedMidPull}, {"Cancel", testCancel},
	} {
		t.Run(st.name, func(t *testing.T) { st.f(t, ctx, rig) })
	}
}

// plug fills a root with Files, plugs a phone serving it and waits until Source lists it in state want.
func plug(t *testing.T, ctx context.Context, rig Rig, cfg adbtest.Config, want string) *phone {
	t.Helper()
	root := t.TempDir()
	data := map[string][]byte{}
	for _, f := range Files {
		p := filepath.Join(root, filepath.FromSlash(WhatsApp+"/"+f.Rel))
		b := make([]byte, f.Size)
		rand.Read(b)
		data[f.Rel] = b
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, b, 0o600))
		must(t, os.Chmod(p, f.Perm))
		must(t, os.Chtimes(p, f.MTime, f.MTime))
	}
	must(t, os.Symlink("msgstore.db.crypt15", filepath.Join(root, filepath.FromSlash(WhatsApp+"/"+link))))
	cfg.Root = root
	serial, p := rig.Plug(t, cfg)
	t.Cleanup(func() {
		if n := p.WriteAttempts(); n != 0 {
			t.Errorf("phone %s: %d attempts to write to it", serial, n)
		}
	})
	waitState(t, ctx, rig.Source, serial, func(state string) bool { return state == want })
	return &phone{serial: serial, Phone: p, data: data}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitState polls Devices until the state of serial ("" when not listed) satisfies ok, and returns it.
func waitState(t *testing.T, ctx context.Context, src usb.PhoneSource, serial string, ok func(string) bool) string {
	t.Helper()
	for {
		devs, err := src.Devices(ctx)
		if err != nil {
			t.Fatalf("Devices: %v", err)
		}
		state := ""
		for _, d := range devs {
			if d.Serial == serial {
				state = d.State
			}
		}
		if ok(state) {
			return state
		}
		select {
		case <-ctx.Done():
			t.Fatalf("phone %s is still %q: %v", serial, state, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func testDevices(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{Model: "moto g54", Device: "cancunf"}, usb.StateDevice)
	other := plug(t, ctx, rig, adbtest.Config{Auth: adbtest.AuthKeyList}, usb.StateUnauthorized)
	devs, err := rig.Source.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range devs {
		found[d.Serial] = true
		switch d.Serial {
		case p.serial:
			if d.State != usb.StateDevice || !sameName(d.Model, "moto g54") || !sameName(d.Device, "cancunf") {
				t.Errorf("Devices lists %+v, want state device, model moto g54, device cancunf", d)
			}
		case other.serial:
			if d.State != usb.StateUnauthorized {
				t.Errorf("Devices lists %+v, want state unauthorized", d)
			}
		}
	}
	if !found[p.serial] || !found[other.serial] || len(found) != len(devs) {
		t.Errorf("Devices = %+v, want %s and %s, each once", devs, p.serial, other.serial)
	}
	for name, err := range map[string]error{
		"Shell":    second(rig.Source.Shell(ctx, "no-such-phone", "id")),
		"Pull":     second(rig.Source.Pull(ctx, "no-such-phone", WhatsApp+"/"+Files[0].Rel, &bytes.Buffer{})),
		"PullTree": second(rig.Source.PullTree(ctx, "no-such-phone", WhatsApp, t.TempDir())),
	} {
		if !errors.Is(err, usb.ErrDeviceNotFound) {
			t.Errorf("%s on an unknown serial: %v, want ErrDeviceNotFound", name, err)
		}
	}
}

// sameName compares a listed name with the phone's property: adb's device list writes characters other than
// letters and digits as "_".
func sameName(listed, prop string) bool {
	return listed == prop || listed == strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, prop)
}

func second[T any](_ T, err error) error { return err }

// testUnauthorized plugs a phone that never accepts this host (its key list is empty and nobody answers the
// prompt).
func testUnauthorized(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{Auth: adbtest.AuthKeyList}, usb.StateUnauthorized)
	for name, err := range map[string]error{
		"Shell":    second(rig.Source.Shell(ctx, p.serial, "id")),
		"Pull":     second(rig.Source.Pull(ctx, p.serial, WhatsApp+"/"+Files[0].Rel, &bytes.Buffer{})),
		"PullTree": second(rig.Source.PullTree(ctx, p.serial, WhatsApp, t.TempDir())),
	} {
		if !errors.Is(err, usb.ErrUnauthorized) {
			t.Errorf("%s on an unauthorized phone: %v, want ErrUnauthorized", name, err)
		}
	}
}

// testUnplugged pulls the cable of a usable phone: it leaves StateDevice, and calls on it fail plainly.
func testUnplugged(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	p.Close()
	state := waitState(t, ctx, rig.Source, p.serial, func(s string) bool { return s != usb.StateDevice })
	if state != "" && state != usb.StateOffline {
		t.Errorf("unplugged phone listed as %q, want offline or not at all", state)
	}
	for name, err := range map[string]error{
		"Shell": second(rig.Source.Shell(ctx, p.serial, "id")),
		"Pull":  second(rig.Source.Pull(ctx, p.serial, WhatsApp+"/"+Files[0].Rel, &bytes.Buffer{})),
	} {
		if !errors.Is(err, usb.ErrOffline) && !errors.Is(err, usb.ErrDeviceNotFound) {
			t.Errorf("%s on an unplugged phone: %v, want ErrOffline or ErrDeviceNotFound", name, err)
		}
	}
}

func testHotPlug(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice) // present when tracking starts
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		ev  usb.DeviceEvent
		err error
	}
	events, stop := make(chan item), make(chan struct{})
	defer close(stop)
	go func() {
		defer close(events)
		for ev, err := range rig.Source.TrackDevices(tctx) {
			select {
			case events <- item{ev, err}:
			case <-stop:
				return
			}
		}
	}()
	next := func(serial string, match func(usb.DeviceEvent) bool) {
		t.Helper()
		for it := range events {
			if it.err != nil {
				t.Fatalf("tracking failed before %s's event: %v", serial, it.err)
			}
			if it.ev.Serial == serial && match(it.ev) {
				return
			}
		}
		t.Fatalf("tracking ended before %s's event", serial)
	}
	next(p.serial, func(ev usb.DeviceEvent) bool { return ev.State == usb.StateDevice && ev.OldState == "" })
	later := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	next(later.serial, func(ev usb.DeviceEvent) bool { return ev.State == usb.StateDevice && !ev.Gone() })
	later.Close()
	next(later.serial, func(ev usb.DeviceEvent) bool {
		if ev.State != "" && ev.State != usb.StateOffline {
			t.Errorf("unplugged phone: event %+v, want offline or gone", ev)
		}
		return ev.OldState == usb.StateDevice
	})
	cancel()
	timer := time.NewTimer(Prompt)
	defer timer.Stop()
	var last error
	for {
		select {
		case it, ok := <-events:
			if ok {
				last = it.err
				continue
			}
			if !errors.Is(last, context.Canceled) {
				t.Errorf("tracking ended with %v, want context.Canceled", last)
			}
			return
		case <-timer.C:
			t.Fatalf("tracking still running %v after its context was canceled", Prompt)
		}
	}
}

func testShell(t *testing.T, ctx context.Context, rig Rig) {
	cfg := adbtest.Config{Serial: "ZY22K9XQ7B", Manufacturer: "motorola", Model: "moto g54", AndroidVersion: "14",
		SDK: "34", Packages: map[string]string{usb.PackageWhatsApp: "2.25.1.75", usb.PackageWhatsAppBusiness: "2.25.2.1"}}
	p := plug(t, ctx, rig, cfg, usb.StateDevice)
	res, err := rig.Source.Shell(ctx, p.serial, "getprop ro.product.model")
	if err != nil || string(res.Stdout) != "moto g54\n" || (res.ExitCode != 0 && res.ExitCode != -1) {
		t.Errorf("getprop ro.product.model = %+v, %v; want \"moto g54\\n\", exit 0", res, err)
	}
	res, err = rig.Source.Shell(ctx, p.serial, "ls "+WhatsApp+"/none")
	if err != nil {
		t.Fatalf("a command failing on the phone is a result, not an error: %v", err)
	}
	if out := string(res.Stdout) + string(res.Stderr); !strings.Contains(out, "No such file") || res.ExitCode == 0 {
		t.Errorf("ls of a missing folder = %q, exit %d; want the phone's message and a failure status", out, res.ExitCode)
	}
	got, err := usb.Identify(ctx, rig.Source, p.serial)
	want := usb.Device{Serial: "ZY22K9XQ7B", Model: "moto g54", Manufacturer: "motorola", AndroidVersion: "14",
		SDK: "34", WhatsAppVersion: "2.25.1.75", WhatsAppBusinessVersion: "2.25.2.1"}
	if err != nil || got != want {
		t.Errorf("Identify = %+v, %v; want %+v", got, err, want)
	}
}

func testPull(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	for _, f := range Files {
		var buf bytes.Buffer
		res, err := rig.Source.Pull(ctx, p.serial, WhatsApp+"/"+f.Rel, &buf)
		if err != nil {
			t.Errorf("Pull %s: %v", f.Rel, err)
			continue
		}
		want := usb.PullResult{Size: int64(f.Size), SHA256: sha256.Sum256(p.data[f.Rel]), Mode: f.Perm, MTime: f.MTime}
		if res.Size != want.Size || res.SHA256 != want.SHA256 || res.Mode != want.Mode || !res.MTime.Equal(want.MTime) {
			t.Errorf("Pull %s = size %d sha256 %x mode %v mtime %v; want %d %x %v %v", f.Rel, res.Size, res.SHA256,
				res.Mode, res.MTime, want.Size, want.SHA256, want.Mode, want.MTime)
		}
		if !bytes.Equal(buf.Bytes(), p.data[f.Rel]) {
			t.Errorf("Pull %s wrote %d bytes that differ from the phone's %d", f.Rel, buf.Len(), f.Size)
		}
	}
	if _, err := rig.Source.Pull(ctx, p.serial, WhatsApp+"/Databases", &bytes.Buffer{}); !errors.Is(err, usb.ErrNotRegular) {
		t.Errorf("Pull of a folder: %v, want ErrNotRegular", err)
	}
}

func testPullTree(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	out := t.TempDir()
	results, err := rig.Source.PullTree(ctx, p.serial, WhatsApp+"/Databases", out)
	if err != nil {
		t.Fatalf("PullTree: %v", err)
	}
	remotes := map[string]bool{}
	for _, r := range results {
		remotes[r.Remote] = true
		if r.Remote == WhatsApp+"/"+link {
			if !errors.Is(r.Err, usb.ErrNotRegular) || r.Local != "" {
				t.Errorf("PullTree of a link: %+v, want ErrNotRegular and nothing written", r)
			}
		}
	}
	for _, f := range Files {
		if strings.HasPrefix(f.Rel, "Databases/") && !remotes[WhatsApp+"/"+f.Rel] {
			t.Errorf("PullTree results %+v lack %s", results, f.Rel)
		}
	}
	if len(results) != len(remotes) || !remotes[WhatsApp+"/"+link] {
		t.Errorf("PullTree results: %d for %d remote paths, link reported: %v", len(results), len(remotes), remotes[WhatsApp+"/"+link])
	}
	checkLocal(t, p, results, WhatsApp+"/Databases", out)
}

// checkLocal checks that every result without error is whole under its local name with the phone's mtime and
// metadata, that failed ones left nothing under their name, and that out holds no other file.
func checkLocal(t *testing.T, p *phone, results []usb.FileResult, remoteDir, out string) {
	t.Helper()
	files := map[string]File{}
	for _, f := range Files {
		files[WhatsApp+"/"+f.Rel] = f
	}
	whole := map[string]bool{}
	for _, r := range results {
		local := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(r.Remote, remoteDir+"/")))
		f, isFile := files[r.Remote]
		if r.Err != nil || !isFile {
			if _, err := os.Lstat(local); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s failed (%v) but %s exists", r.Remote, r.Err, local)
			}
			continue
		}
		data, err := os.ReadFile(r.Local)
		fi, serr := os.Stat(r.Local)
		sum := sha256.Sum256(p.data[path.Clean(strings.TrimPrefix(r.Remote, WhatsApp+"/"))])
		switch {
		case r.Local != local || err != nil || serr != nil:
			t.Errorf("%s: Local %s, want %s (%v, %v)", r.Remote, r.Local, local, err, serr)
		case sha256.Sum256(data) != sum || r.SHA256 != sum || r.Size != int64(f.Size):
			t.Errorf("%s: local copy or its reported size and hash differ from the phone's file", r.Remote)
		case !fi.ModTime().Equal(f.MTime) || !r.MTime.Equal(f.MTime) || r.Mode != f.Perm:
			t.Errorf("%s: local mtime %v, reported %v mode %v; want %v %v", r.Remote, fi.ModTime(), r.MTime, r.Mode, f.MTime, f.Perm)
		}
		whole[local] = true
	}
	filepath.WalkDir(out, func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !whole[name] {
			t.Errorf("%s is left in the destination but is no whole pulled file", name)
		}
		return nil
	})
}
