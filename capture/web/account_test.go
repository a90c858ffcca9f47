package web

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/testwait"
)

// TestLinkedAccountIsChecked: any WhatsApp account can scan the code on the client's screen. The session must name
// the account that linked it, accept the declared sender, and refuse anybody else before a single chat is read,
// saying so in the event log.
func TestLinkedAccountIsChecked(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	own := "+" + sc.Account.Phone
	cases := []struct {
		name     string
		expected string
		scanAs   string // digits; empty: the scenario's own account
		wantErr  bool
	}{
		{"declared sender", own, "", false},
		{"no declared sender: recorded only", "", "393330000001", false},
		{"another account", own, "393330000001", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, sc, Options{ExpectedAccount: tc.expected, LinkTimeout: testwait.Remaining(t)})
			ctx := testCtx(t)
			if _, err := f.s.QR(ctx); err != nil {
				t.Fatalf("qr: %v", err)
			}
			f.srv.ScanAs(tc.scanAs)
			err := f.s.WaitLinked(ctx)
			linked := own
			if tc.scanAs != "" {
				linked = "+" + tc.scanAs
			}
			if got := f.s.Environment().LinkedAccount; got != linked {
				t.Errorf("LinkedAccount = %q, want %q", got, linked)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("WaitLinked: %v", err)
				}
				return
			}
			var ae *AccountError
			if !errors.Is(err, ErrWrongAccount) || !errors.As(err, &ae) || ae.Linked != linked || ae.Expected != own {
				t.Fatalf("WaitLinked = %v, want ErrWrongAccount naming %s and %s", err, linked, own)
			}
			c := &sc.Chats[0]
			res, err := f.s.Capture(ctx, []Target{target(c, "2026-01-01", "2026-12-31", 5)})
			if !errors.Is(err, ErrWrongAccount) {
				t.Fatalf("Capture after a refused link = %v, want ErrWrongAccount", err)
			}
			if n := len(res.Chats[0].Selection.Messages); n != 0 {
				t.Errorf("%d messages read from the wrong account", n)
			}
			log := readEventLog(t, f.rec)
			if !strings.Contains(log, "linked-account-mismatch") || !strings.Contains(log, tc.scanAs) {
				t.Errorf("the event log does not record the refusal:\n%s", log)
			}
		})
	}
}

// TestRelinkByAnotherAccountIsRefused: after a lost link the client scans a new code; the account that links again
// must be the one that linked first, declared sender or not.
func TestRelinkByAnotherAccountIsRefused(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{LinkTimeout: testwait.Remaining(t)})
	f.srv.Unlink()
	for !errors.Is(f.s.ensureLinked(ctx), ErrLinkLost) {
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			t.Fatalf("the page never showed the lost link: %v", err)
		}
	}
	// The client scans the new code with another phone.
	err := f.s.WatchQR(ctx, func(QR) { f.srv.ScanAs("393330000002") })
	var ae *AccountError
	if !errors.As(err, &ae) || ae.Linked != "+393330000002" || ae.Expected != "+"+sc.Account.Phone {
		t.Fatalf("WaitLinked by another account = %v, want an AccountError naming both", err)
	}
}

func TestWidPhone(t *testing.T) {
	for in, want := range map[string]string{
		"393771151946@c.us":           "+393771151946",
		"393771151946@s.whatsapp.net": "+393771151946",
		"123456789012345@lid":         "",
		"120363@g.us":                 "",
		"@c.us":                       "",
		"39377x@c.us":                 "",
		"1234567890123456@c.us":       "",
		"":                            "",
	} {
		if got := widPhone(in); got != want {
			t.Errorf("widPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// readEventLog returns the recorder's anomaly events, one per line.
func readEventLog(t *testing.T, rec *DirRecorder) string {
	t.Helper()
	events, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range events {
		if e.Kind == "anomaly" {
			fmt.Fprintf(&b, "%v\n", e.Fields)
		}
	}
	return b.String()
}
