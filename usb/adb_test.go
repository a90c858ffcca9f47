package usb

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/usb/adbtest"
)

const dbDir = "/sdcard/Android/media/com.whatsapp/WhatsApp/Databases"

// phoneFiles is the evidence tree on the fake phone: one file over 64 KiB (the
// sync DATA limit), one over 1 MiB (several WRTE payloads), an empty one.
var phoneFiles = map[string]int{
	"msgstore.db.crypt15":              300*1024 + 17,
	"msgstore-2026-01-14.1.db.crypt15": 1<<20 + 4099,
	"msgstore-increment-1.db.crypt15":  0,
	"sub/wa.db.crypt15":                12345,
}

// phoneMTime is the modification time of every file on the fake phone.
var phoneMTime = time.Date(2026, 1, 14, 21, 30, 5, 0, time.UTC)

// testEnv is a real adb server connected to a fake phone.
type testEnv struct {
	server *adbtest.Server
	phone  *adbtest.Phone
	client *Client
	serial string
	root   string
	sums   map[string][32]byte // by path relative to dbDir
}

// ctxFor is the test's context, bounded by its deadline (see testwait) rather than a fixed time.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := testwait.Context(t)
	t.Cleanup(cancel)
	return ctx
}

func newPhoneRoot(t *testing.T) (string, map[string][32]byte) {
	t.Helper()
	root := t.TempDir()
	sums := map[string][32]byte{}
	for name, size := range phoneFiles {
		p := filepath.Join(root, filepath.FromSlash(dbDir), filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := make([]byte, size)
		rand.Read(data)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, phoneMTime, phoneMTime); err != nil {
			t.Fatal(err)
		}
		sums[name] = sha256.Sum256(data)
	}
	return root, sums
}

// startEnv starts a server and a phone with cfg (Root is filled in) and
// connects them, waiting for want (StateDevice unless told otherwise).
func startEnv(t *testing.T, cfg adbtest.Config, want string) *testEnv {
	t.Helper()
	return startEnvWith(t, adbtest.StartServer(t), cfg, want)
}

// startEnvWith is startEnv with a server already started (whose key cfg may name).
func startEnvWith(t *testing.T, server *adbtest.Server, cfg adbtest.Config, want string) *testEnv {
	t.Helper()
	e := &testEnv{server: server}
	e.root, e.sums = newPhoneRoot(t)
	cfg.Root = e.root
	e.phone = adbtest.Start(t, cfg)
	e.serial = e.phone.Addr()
	e.client = New(Options{Addr: e.server.Addr})
	ctx := ctxFor(t)
	if err := e.client.Connect(ctx, e.serial); err != nil {
		t.Fatal(err)
	}
	if err := e.client.WaitForState(ctx, e.serial, want); err != nil {
		t.Fatalf("%v (adb server log: %s)", err, e.server.LogPath())
	}
	return e
}

func TestEndToEnd(t *testing.T) {
	e := startEnv(t, adbtest.Config{Model: "SM-G991B", Manufacturer: "samsung", AndroidVersion: "13", SDK: "33", Serial: "R5CR1234XYZ",
		Packages: map[string]string{"com.whatsapp": "2.25.1.75"}, Auth: adbtest.AuthAcceptAny}, StateDevice)
	ctx := ctxFor(t)

	if v, err := e.client.Version(ctx); err != nil || v < 31 {
		t.Errorf("Version = %d, %v; want a server version ≥ 31", v, err)
	}
	devs, err := e.client.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(devs, func(d DeviceInfo) bool { return d.Serial == e.serial })
	if i < 0 {
		t.Fatalf("devices-l %+v lacks %s", devs, e.serial)
	}
	if d := devs[i]; d.State != StateDevice || d.Model != "SM_G991B" || d.Device != "panther" || d.TransportID == 0 {
		t.Errorf("devices-l entry = %+v", d)
	}

	got, err := e.client.Identify(ctx, e.serial)
	if err != nil {
		t.Fatal(err)
	}
	want := Device{Serial: "R5CR1234XYZ", Model: "SM-G991B", Manufacturer: "samsung", AndroidVersion: "13", SDK: "33", WhatsAppVersion: "2.25.1.75"}
	if got != want {
		t.Errorf("Identify = %+v, want %+v", got, want)
	}

	out := t.TempDir()
	results, err := e.client.PullTree(ctx, e.serial, dbDir, out)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, results, out, e.sums)
	if n := e.phone.WriteAttempts(); n != 0 {
		t.Errorf("phone saw %d write attempts", n)
	}
	if n := e.phone.AuthPrompts(); n != 1 {
		t.Errorf("phone showed the USB debugging prompt %d times, want 1", n)
	}
}

func checkTree(t *testing.T, results []FileResult, out string, sums map[string][32]byte) {
	t.Helper()
	if len(results) != len(sums) {
		t.Errorf("%d results, want %d: %+v", len(results), len(sums), results)
	}
	for _, r := range results {
		rel := strings.TrimPrefix(r.Remote, dbDir+"/")
		if r.Err != nil {
			t.Errorf("%s: %v", r.Remote, r.Err)
			continue
		}
		if r.SHA256 != sums[rel] || r.Size != int64(phoneFiles[rel]) {
			t.Errorf("%s: size %d sha %x, want %d %x", rel, r.Size, r.SHA256, phoneFiles[rel], sums[rel])
		}
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
		if err != nil {
			t.Error(err)
			continue
		}
		if sha256.Sum256(data) != sums[rel] {
			t.Errorf("%s: local copy differs from the phone's file", rel)
		}
		if r.Local != filepath.Join(out, filepath.FromSlash(rel)) {
			t.Errorf("%s: Local = %s", rel, r.Local)
		}
		if !r.MTime.Equal(phoneMTime) || !r.Mode.IsRegular() || r.Mode.Perm() != 0o644 {
			t.Errorf("%s: mtime %v mode %v, want %v -rw-r--r--", rel, r.MTime, r.Mode, phoneMTime)
		}
		if fi, err := os.Stat(r.Local); err != nil || !fi.ModTime().Equal(phoneMTime) {
			t.Errorf("%s: local mtime %v, want the device's %v (%v)", rel, fi.ModTime(), phoneMTime, err)
		}
	}
	assertNoPartials(t, out)
}

func assertNoPartials(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (strings.Contains(d.Name(), ".partial-") || strings.HasPrefix(d.Name(), durable.TempPrefix)) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

// TestSyncV2 drives STA2, LIS2 and RCV2 through the real server, which forwards
// sync streams untouched even when it does not know the features itself.
func TestSyncV2(t *testing.T) {
	e := startEnv(t, adbtest.Config{}, StateDevice)
	ctx := ctxFor(t)
	e.client.features = []string{"shell_v2", "stat_v2", "ls_v2", "sendrecv_v2"}
	out := t.TempDir()
	results, err := e.client.PullTree(ctx, e.serial, dbDir+"/", out)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, results, out, e.sums)
	fi, err := e.client.Stat(ctx, e.serial, dbDir+"/msgstore.db.crypt15")
	if err != nil || fi.Size != int64(phoneFiles["msgstore.db.crypt15"]) || !fi.Mode.IsRegular() {
		t.Errorf("Stat = %+v, %v", fi, err)
	}
	if _, err := e.client.Stat(ctx, e.serial, "/sdcard/none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestStatListShell(t *testing.T) {
	e := startEnv(t, adbtest.Config{}, StateDevice)
	ctx := ctxFor(t)
	if _, err := e.client.Stat(ctx, e.serial, "/sdcard/none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := e.client.PullTree(ctx, e.serial, "/sdcard/none", t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("PullTree of a missing directory: %v, want fs.ErrNotExist", err)
	}
	if _, err := e.client.PullTree(ctx, e.serial, dbDir+"/msgstore.db.crypt15", t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("PullTree of a file: %v, want a not-a-directory error", err)
	}
	if _, err := e.client.Pull(ctx, e.serial, dbDir, &bytes.Buffer{}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Pull of a directory: %v, want ErrNotRegular", err)
	}
	ls, err := e.client.List(ctx, e.serial, dbDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range ls {
		names = append(names, fi.Name)
	}
	slices.Sort(names)
	if want := []string{"msgstore-2026-01-14.1.db.crypt15", "msgstore-increment-1.db.crypt15", "msgstore.db.crypt15", "sub"}; !slices.Equal(names, want) {
		t.Errorf("List = %q, want %q", names, want)
	}
	res, err := e.client.Shell(ctx, e.serial, "ls /sdcard/none")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 1 || !strings.Contains(string(res.Stderr), "No such file") {
		t.Errorf("ls of a missing dir = %+v", res)
	}
	res, err = e.client.Shell(ctx, e.serial, "rm -rf /sdcard")
	if err != nil || res.ExitCode == 0 {
		t.Errorf("rm = %+v, %v; want a refusal", res, err)
	}
	if e.phone.WriteAttempts() != 1 {
		t.Errorf("write attempts = %d, want 1 (the refused rm)", e.phone.WriteAttempts())
	}
	if _, err := e.client.Shell(ctx, "no-such-serial", "id"); !errors.Is(err, ErrDeviceNotFound) {
		t.Errorf("shell on an unknown serial: %v, want ErrDeviceNotFound", err)
	}
}

func TestShellV1(t *testing.T) {
	e := startEnv(t, adbtest.Config{Features: []string{"cmd"}}, StateDevice)
	ctx := ctxFor(t)
	res, err := e.client.Shell(ctx, e.serial, "getprop ro.product.model; echo hi")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "Pixel 7\nhi\n" || res.ExitCode != -1 {
		t.Errorf("shell v1 = %q exit %d", res.Stdout, res.ExitCode)
	}
	d, err := e.client.Identify(ctx, e.serial)
	if err != nil || d.WhatsAppVersion != "2.24.25.78" || d.SDK != "34" {
		t.Errorf("Identify over shell v1 = %+v, %v", d, err)
	}
}

// TestRealADBInterop checks the fake phone against the real adb client.
func TestRealADBInterop(t *testing.T) {
	e := startEnv(t, adbtest.Config{Model: "moto g54"}, StateDevice)
	ctx := ctxFor(t)
	out := t.TempDir()
	remote := dbDir + "/msgstore-2026-01-14.1.db.crypt15"
	if b, err := e.server.Run(ctx, "-s", e.serial, "pull", remote, out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	data, err := os.ReadFile(filepath.Join(out, "msgstore-2026-01-14.1.db.crypt15"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(data) != e.sums["msgstore-2026-01-14.1.db.crypt15"] {
		t.Error("adb pull gave different bytes")
	}
	if b, err := e.server.Run(ctx, "-s", e.serial, "pull", dbDir, filepath.Join(out, "tree")); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	for name := range phoneFiles {
		data, err := os.ReadFile(filepath.Join(out, "tree", filepath.FromSlash(name)))
		if err != nil || sha256.Sum256(data) != e.sums[name] {
			t.Errorf("adb pull of the tree: %s differs (%v)", name, err)
		}
	}
	b, err := e.server.Run(ctx, "-s", e.serial, "shell", "getprop", "ro.product.model")
	if err != nil || string(b) != "moto g54\n" {
		t.Errorf("adb shell getprop = %q, %v", b, err)
	}
	if b, err := e.server.Run(ctx, "-s", e.serial, "shell", "false_command"); err == nil {
		t.Errorf("adb shell of an unknown command succeeded: %s", b)
	}
	src := filepath.Join(out, "tree", "msgstore.db.crypt15")
	if b, err := e.server.Run(ctx, "-s", e.serial, "push", src, "/sdcard/x"); err == nil {
		t.Errorf("adb push succeeded on a read-only phone: %s", b)
	}
	if n := e.phone.WriteAttempts(); n != 1 {
		t.Errorf("write attempts = %d, want 1 (the refused push)", n)
	}
	if _, err := os.Stat(filepath.Join(e.root, "sdcard", "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("push wrote to the phone: %v", err)
	}
}

func TestTrackDevices(t *testing.T) {
	server := adbtest.StartServer(t)
	root, _ := newPhoneRoot(t)
	phone := adbtest.Start(t, adbtest.Config{Root: root})
	c := New(Options{Addr: server.Addr})
	ctx := ctxFor(t)

	next, stop := iterPull(c, ctx)
	defer stop()
	if err := c.Connect(ctx, phone.Addr()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, next, func(ev DeviceEvent) bool { return ev.Serial == phone.Addr() && ev.State == StateDevice })
	if err := c.Disconnect(ctx, phone.Addr()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, next, func(ev DeviceEvent) bool { return ev.Serial == phone.Addr() && ev.Gone() })
	if err := c.WaitForState(ctx, phone.Addr(), ""); err != nil {
		t.Fatal(err)
	}

	// Unplugged: the phone goes away without a goodbye.
	if err := c.Connect(ctx, phone.Addr()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, next, func(ev DeviceEvent) bool { return ev.Serial == phone.Addr() && ev.State == StateDevice })
	phone.Close()
	waitEvent(t, next, func(ev DeviceEvent) bool {
		return ev.Serial == phone.Addr() && ev.State != StateDevice
	})
}

func iterPull(c *Client, ctx context.Context) (func() (DeviceEvent, error, bool), func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan struct {
		ev  DeviceEvent
		err error
	})
	go func() {
		defer close(ch)
		for ev, err := range c.TrackDevices(ctx) {
			select {
			case ch <- struct {
				ev  DeviceEvent
				err error
			}{ev, err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() (DeviceEvent, error, bool) {
		v, ok := <-ch
		return v.ev, v.err, ok
	}, cancel
}

func waitEvent(t *testing.T, next func() (DeviceEvent, error, bool), match func(DeviceEvent) bool) {
	t.Helper()
	for {
		ev, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("tracking ended before the expected event: %v", err)
		}
		t.Logf("event %+v", ev)
		if match(ev) {
			return
		}
	}
}

func TestAuth(t *testing.T) {
	t.Run("known key signs the token", func(t *testing.T) {
		server := adbtest.StartServer(t)
		cfg := adbtest.Config{Auth: adbtest.AuthKeyList, Keys: []*rsaPublicKey{serverKey(t, server)}}
		e := startEnvWith(t, server, cfg, StateDevice)
		if e.phone.AuthPrompts() != 0 {
			t.Errorf("a known key caused %d prompts", e.phone.AuthPrompts())
		}
	})
	t.Run("unknown key stays unauthorized", func(t *testing.T) {
		e := startEnv(t, adbtest.Config{Auth: adbtest.AuthKeyList, Keys: []*rsaPublicKey{otherKey(t)}}, StateUnauthorized)
		phone := e.phone
		if _, err := e.client.Shell(ctxFor(t), e.serial, "id"); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("shell on an unauthorized phone: %v, want ErrUnauthorized", err)
		}
		// The server reports "unauthorized" as soon as its signature is refused; it offers its public key (the
		// phone's "Allow USB debugging?" prompt) just after. Wait for that, bounded.
		testwait.Until(t, "the phone was never offered the host key", func() bool { return phone.AuthPrompts() > 0 })
	})
}

// cancelWriter cancels a context on its first write, as a technician pressing
// "stop" mid-transfer would.
type cancelWriter struct{ cancel context.CancelFunc }

func (w cancelWriter) Write(p []byte) (int, error) { w.cancel(); return len(p), nil }

// countingDialer is a Dialer seam that counts connections to the server.
type countingDialer struct {
	net.Dialer
	n atomic.Int64
}

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.n.Add(1)
	return d.Dialer.DialContext(ctx, network, addr)
}

func TestCancelAndDialer(t *testing.T) {
	e := startEnv(t, adbtest.Config{}, StateDevice)
	d := &countingDialer{}
	c := New(Options{Addr: e.server.Addr, Dialer: d})
	ctx, cancel := context.WithCancel(ctxFor(t))
	_, err := c.Pull(ctx, e.serial, dbDir+"/msgstore-2026-01-14.1.db.crypt15", cancelWriter{cancel})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrIncomplete) {
		t.Errorf("Pull canceled mid-transfer: %v, want context.Canceled and ErrIncomplete", err)
	}
	if d.n.Load() == 0 {
		t.Error("the custom Dialer was not used")
	}
}
