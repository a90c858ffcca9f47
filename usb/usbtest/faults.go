package usbtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

func testMissing(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	file, dir := WhatsApp+"/Databases/msgstore-2020-01-01.1.db.crypt15", WhatsApp+"/Backups"
	for name, err := range map[string]error{
		file: second(rig.Source.Pull(ctx, p.serial, file, &bytes.Buffer{})),
		dir:  second(rig.Source.PullTree(ctx, p.serial, dir, t.TempDir())),
	} {
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), name) {
			t.Errorf("pull of the missing %s: %v, want fs.ErrNotExist and the path in the message", name, err)
		}
	}
}

// testUnpluggedMidPull drops the phone's connection in the middle of a file, as a cable pulled out would.
func testUnpluggedMidPull(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	p.SetDisconnectAfter(100 << 10)
	if _, err := rig.Source.Pull(ctx, p.serial, WhatsApp+"/"+Files[0].Rel, io.Discard); !errors.Is(err, usb.ErrIncomplete) {
		t.Errorf("Pull cut mid-file: %v, want ErrIncomplete", err)
	}
	p = plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	p.SetDisconnectAfter(70 << 10)
	out := t.TempDir()
	results, err := rig.Source.PullTree(ctx, p.serial, WhatsApp+"/Databases", out)
	if !errors.Is(err, usb.ErrIncomplete) {
		t.Errorf("PullTree cut mid-file: %v, want ErrIncomplete", err)
	}
	cut := 0
	for _, r := range results {
		if errors.Is(r.Err, usb.ErrIncomplete) {
			cut++
		}
	}
	if cut == 0 {
		t.Errorf("no PullTree result reports the cut: %+v", results)
	}
	checkLocal(t, p, results, WhatsApp+"/Databases", out)
}

// testCancel stops pulls from a phone that has stopped sending in the middle of a file.
func testCancel(t *testing.T, ctx context.Context, rig Rig) {
	p := plug(t, ctx, rig, adbtest.Config{}, usb.StateDevice)
	big := WhatsApp + "/" + Files[1].Rel
	err := cancelStalled(t, ctx, p, func(ctx context.Context) error {
		return second(rig.Source.Pull(ctx, p.serial, big, io.Discard))
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, usb.ErrIncomplete) {
		t.Errorf("Pull canceled while the phone stalls: %v, want context.Canceled and ErrIncomplete", err)
	}
	out := t.TempDir()
	var results []usb.FileResult
	err = cancelStalled(t, ctx, p, func(ctx context.Context) (err error) {
		results, err = rig.Source.PullTree(ctx, p.serial, WhatsApp+"/Databases", out)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PullTree canceled while the phone stalls: %v, want context.Canceled", err)
	}
	checkLocal(t, p, results, WhatsApp+"/Databases", out)
}

// cancelStalled runs pull, makes the phone stall 200 KiB into the first file that long, cancels pull's context
// once the stall begins and returns pull's error, failing t unless it comes within Prompt.
func cancelStalled(t *testing.T, ctx context.Context, p *phone, pull func(context.Context) error) error {
	t.Helper()
	stalled := p.StallAfter(200 << 10)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- pull(pctx) }()
	select {
	case <-stalled:
	case err := <-done:
		t.Fatalf("pull ended before the phone stalled: %v", err)
	case <-ctx.Done():
		t.Fatalf("the phone never stalled: %v", ctx.Err())
	}
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		t.Logf("pull returned %v after its cancellation", time.Since(start))
		return err
	case <-time.After(Prompt):
		t.Fatalf("pull still running %v after its context was canceled", Prompt)
	}
	return nil
}
