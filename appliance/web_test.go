package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
)

// scenarioList is the acquisition list a studio would import for the scenario's one-to-one chats.
func scenarioList(t *testing.T, sc *webtest.Scenario) evidence.List {
	t.Helper()
	text := scenarioListText(sc)
	l, err := evidence.ParseList(strings.NewReader(text), evidence.ListOptions{Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("list:\n%s\n%v", text, err)
	}
	return l
}

// scenarioListText is that list as the technician imports it.
func scenarioListText(sc *webtest.Scenario) string {
	return sc.AcquisitionList("2026-01-12", "2026-01-14")
}

func TestCaptureWebEndToEnd(t *testing.T) {
	if _, err := os.Stat(web.DefaultChromium); err != nil {
		t.Fatalf("Chromium is needed at %s: run scripts/setup", web.DefaultChromium)
	}
	ctx := t.Context()
	sc, srv, a := onReplica(t)
	out := t.TempDir()

	list := scenarioList(t, sc)
	var qr web.QR
	outcomes, err := a.Certify().CaptureWeb(ctx, certify.WebJob{URL: srv.URL(), List: list, MaxMessages: 20, Case: "case-web",
		Operator: "tecnico", OutDir: out, LinkTimeout: time.Minute, Sender: "+" + sc.Account.Phone,
		OnQR: func(q web.QR) { qr = q; srv.Scan() }, // the client's phone scans the code
	})
	if err != nil {
		t.Fatalf("CaptureWeb: %v", err)
	}
	if qr.Ref == "" || len(qr.PNG) == 0 {
		t.Errorf("no QR code was offered: %+v", qr)
	}
	if got := srv.Receipts(); len(got) != 0 {
		t.Fatalf("the capture caused receipts on the other side: %+v", got)
	}
	delivered := 0
	for _, o := range outcomes {
		t.Logf("line %d %s: %s certified %d of %d %s", o.Entry.Line, o.Entry.Phone, filepath.Base(o.Folder), o.Certified, o.Messages, o.Problem)
		if o.Folder == "" {
			continue
		}
		delivered++
		opts := certify.VerifyOptions(a.Journal().VerifierKey())
		opts.AK, opts.RequireAttestation = a.Identity().AK, true
		if _, err := bundle.Verify(ctx, o.Folder, opts); err != nil {
			t.Fatalf("delivery %s does not verify: %v", o.Folder, err)
		}
		checkAgainstScenario(t, sc, o.Folder)
		if m := readManifest(t, o.Folder); m.Acquisition.LinkedAccount != "+"+sc.Account.Phone {
			t.Errorf("%s: linked account %q in the manifest, want +%s", o.Folder, m.Acquisition.LinkedAccount, sc.Account.Phone)
		}
	}
	if delivered == 0 {
		t.Fatalf("no delivery written: %+v", outcomes)
	}

	// Altering any delivered file is caught: a screenshot here.
	shots, _ := filepath.Glob(filepath.Join(out, "*", "artifacts", "screenshots", "*.png"))
	if len(shots) == 0 {
		t.Fatal("no screenshots delivered")
	}
	b, _ := os.ReadFile(shots[0])
	b[len(b)/2] ^= 1
	os.WriteFile(shots[0], b, 0o644)
	folder := filepath.Dir(filepath.Dir(filepath.Dir(shots[0])))
	if _, err := bundle.Verify(ctx, folder, certify.VerifyOptions(a.Journal().VerifierKey())); !errors.Is(err, bundle.ErrInvalid) {
		t.Fatalf("altered screenshot: Verify = %v, want ErrInvalid", err)
	}
}

// TestCaptureWebRefusesAnotherAccount: whoever holds the client's screen can scan the code with their own phone.
// The session must stop at the link, write no delivery, and say in the chain of custody and the journal which
// account linked and which one was expected.
func TestCaptureWebRefusesAnotherAccount(t *testing.T) {
	ctx := t.Context()
	sc, srv, a := onReplica(t)
	out := t.TempDir()
	outcomes, err := a.Certify().CaptureWeb(ctx, certify.WebJob{URL: srv.URL(), List: scenarioList(t, sc), MaxMessages: 20,
		Case: "case-web", Operator: "tecnico", OutDir: out, LinkTimeout: time.Minute, Sender: "+" + sc.Account.Phone,
		OnQR: func(web.QR) { srv.ScanAs("393330000009") },
	})
	var ae *web.AccountError
	if !errors.As(err, &ae) || ae.Linked != "+393330000009" || ae.Expected != "+"+sc.Account.Phone {
		t.Fatalf("CaptureWeb linked by another account = %v, want an AccountError naming both", err)
	}
	for _, o := range outcomes {
		if o.Folder != "" {
			t.Errorf("a delivery was written for %s from the wrong account", o.Entry.Phone)
		}
	}
	if folders, _ := filepath.Glob(filepath.Join(out, "*", "manifest.json")); len(folders) != 0 {
		t.Errorf("delivery folders written: %v", folders)
	}
	ends := leavesOfType(t, a, "acquisition-end")
	if len(ends) == 0 {
		t.Fatal("the refused acquisition has no end leaf")
	}
}

func readManifest(t *testing.T, folder string) *bundle.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// onReplica starts the WhatsApp Web replica with the basic scenario and an appliance on the simulator TPM.
func onReplica(t *testing.T) (*webtest.Scenario, *webtest.Server, *Appliance) {
	t.Helper()
	sc := webtest.MustDefaultScenario("basic")
	srv := webtest.NewServer(sc)
	t.Cleanup(srv.Close)
	return sc, srv, openSim(t, t.TempDir())
}

// checkAgainstScenario compares a delivery's messages with the scenario, the replica's ground truth: every
// delivered message exists in the chat with the same direction, time and text.
func checkAgainstScenario(t *testing.T, sc *webtest.Scenario, folder string) {
	t.Helper()
	m := readManifest(t, folder)
	chat := sc.Chat(m.Chat.JID)
	if chat == nil {
		t.Fatalf("%s: chat %s is not in the scenario", folder, m.Chat.JID)
	}
	for _, msg := range m.Messages {
		truth := chat.Message(msg.ID)
		if truth == nil {
			t.Errorf("%s: message %s is not in the scenario", folder, msg.ID)
			continue
		}
		if truth.FromMe != msg.FromMe || truth.T != msg.SentAt.Unix() {
			t.Errorf("%s: message %s: from_me %v at %v, scenario says %v at %d", folder, msg.ID, msg.FromMe, msg.SentAt, truth.FromMe, truth.T)
		}
	}
}

// The client's phone drops the link in the middle of the second chat: a new QR code is shown, the client scans it,
// and the capture resumes the unfinished chats; every chat is delivered and verifies.
func TestCaptureWebResumesAfterLinkLost(t *testing.T) {
	ctx := t.Context()
	sc, srv, a := onReplica(t)
	qrs, unlinked := 0, false
	outcomes, err := a.Certify().CaptureWeb(ctx, certify.WebJob{URL: srv.URL(), List: scenarioList(t, sc), MaxMessages: 20,
		Case: "case-web", OutDir: t.TempDir(), LinkTimeout: time.Minute,
		OnQR: func(web.QR) { qrs++; srv.Scan() },
		Progress: func(p web.Progress) {
			if p.Chat == 2 && p.Stage == "messages" && !unlinked {
				unlinked = true
				srv.Unlink()
			}
		},
	})
	if err != nil {
		t.Fatalf("CaptureWeb with a lost link: %v", err)
	}
	if !unlinked || qrs != 2 {
		t.Fatalf("unlinked %v, QR codes shown %d; want the link lost once and a second code shown", unlinked, qrs)
	}
	for _, o := range outcomes {
		if o.Folder == "" && !strings.HasPrefix(o.Problem, "not-found") {
			t.Errorf("line %d not delivered after the resume: %s", o.Entry.Line, o.Problem)
			continue
		}
		if o.Folder != "" {
			if _, err := bundle.Verify(ctx, o.Folder, certify.VerifyOptions(a.Journal().VerifierKey())); err != nil {
				t.Errorf("%s: %v", o.Folder, err)
			}
		}
	}
	if got := srv.Receipts(); len(got) != 0 {
		t.Fatalf("receipts caused: %+v", got)
	}
}
