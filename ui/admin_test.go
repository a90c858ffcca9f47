package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func pinForm(which, current, pin, again string) url.Values {
	return url.Values{"which": {which}, "current": {current}, "pin": {pin}, "again": {again}}
}

// stillIn reports whether c's session still opens the home screen.
func (f *fixture) stillIn(t *testing.T, c *http.Client) bool {
	t.Helper()
	resp, _ := f.do(t, c, http.MethodGet, "/home", nil)
	return resp.StatusCode == http.StatusOK
}

func TestAdminPage(t *testing.T) {
	f := newFixture(t)
	admin := f.signedIn(t, adminPIN)
	f.login(t, f.client(t), techPIN)
	f.newShare(t, admin)
	resp, body := f.do(t, admin, http.MethodGet, "/admin", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin: %s", resp.Status)
	}
	for _, w := range []string{`id="sessions">2<`, `id="shares">1<`, `action="/admin/pin"`, `name="again"`, `data-digit="7"`} {
		if !strings.Contains(body, w) {
			t.Errorf("admin page lacks %q", w)
		}
	}
}

func TestChangeTechnicianPIN(t *testing.T) {
	f := newFixture(t)
	admin, tech, tech2 := f.signedIn(t, adminPIN), f.signedIn(t, techPIN), f.signedIn(t, techPIN)
	const newPIN = "55551234"
	resp, _ := f.post(t, admin, "/admin/pin", pinForm("technician", adminPIN, newPIN, newPIN))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin?done=technician" {
		t.Fatalf("change: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	if f.stillIn(t, tech) || f.stillIn(t, tech2) {
		t.Error("a technician session outlived the PIN change")
	}
	if !f.stillIn(t, admin) {
		t.Error("the administrator was logged out")
	}
	_, body := f.do(t, admin, http.MethodGet, "/admin?done=technician", nil)
	if !strings.Contains(body, "PIN del tecnico cambiato") || !strings.Contains(body, `id="sessions">1<`) {
		t.Error("the admin page does not confirm the change, or still counts the ended sessions")
	}
	f.pinChanged(t, "technician", techPIN, newPIN, adminPIN, http.StatusForbidden)
	saved := f.back.creds
	if len(saved) != 1 || string(saved[0].Technician) != string(HashPIN(saved[0].Salt, newPIN)) ||
		string(saved[0].Admin) != string(HashPIN(saved[0].Salt, adminPIN)) {
		t.Fatalf("saved credentials %+v", saved)
	}
}

func TestChangeAdminPIN(t *testing.T) {
	f := newFixture(t)
	admin, other, tech := f.signedIn(t, adminPIN), f.signedIn(t, adminPIN), f.signedIn(t, techPIN)
	const newPIN = "123987654"
	if resp, _ := f.post(t, admin, "/admin/pin", pinForm("admin", adminPIN, newPIN, newPIN)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %s", resp.Status)
	}
	if !f.stillIn(t, admin) || f.stillIn(t, other) || f.stillIn(t, tech) {
		t.Error("want only the changing administrator's session kept")
	}
	f.pinChanged(t, "admin", adminPIN, newPIN, techPIN, http.StatusOK)
}

// pinChanged checks the logins after role's PIN went from oldPIN to newPIN: the old PIN is refused, the new one
// logs in and gets adminStatus from /admin, and the other role's PIN still logs in.
func (f *fixture) pinChanged(t *testing.T, role, oldPIN, newPIN, otherPIN string, adminStatus int) {
	t.Helper()
	if got := f.login(t, f.client(t), oldPIN); got != http.StatusUnauthorized {
		t.Errorf("old %s PIN: %d, want 401", role, got)
	}
	c := f.client(t)
	if got := f.login(t, c, newPIN); got != http.StatusSeeOther {
		t.Fatalf("new %s PIN: %d", role, got)
	}
	if resp, _ := f.do(t, c, http.MethodGet, "/admin", nil); resp.StatusCode != adminStatus {
		t.Errorf("new %s PIN at /admin: %s, want %d", role, resp.Status, adminStatus)
	}
	if got := f.login(t, f.client(t), otherPIN); got != http.StatusSeeOther {
		t.Errorf("the other PIN after a %s change: %d", role, got)
	}
}

func TestChangePINRefused(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		code int
		want string
	}{
		{"wrong current", pinForm("technician", "000000", "246810", "246810"), 401, "attuale errato"},
		{"technician PIN as current", pinForm("technician", techPIN, "246810", "246810"), 401, "attuale errato"},
		{"mismatch", pinForm("technician", adminPIN, "246810", "246811"), 422, "non coincidono"},
		{"too short", pinForm("technician", adminPIN, "12345", "12345"), 422, "da 6 a 12 cifre"},
		{"too long", pinForm("technician", adminPIN, "1234567890123", "1234567890123"), 422, "da 6 a 12 cifre"},
		{"letters", pinForm("technician", adminPIN, "12345a", "12345a"), 422, "da 6 a 12 cifre"},
		{"no role", pinForm("root", adminPIN, "246810", "246810"), 400, "Scegliere quale PIN"},
		{"technician takes the admin PIN", pinForm("technician", adminPIN, adminPIN, adminPIN), 422, "devono essere diversi"},
		{"admin takes the technician PIN", pinForm("admin", adminPIN, techPIN, techPIN), 422, "devono essere diversi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			admin, tech := f.client(t), f.client(t)
			f.login(t, admin, adminPIN)
			f.login(t, tech, techPIN)
			resp, body := f.post(t, admin, "/admin/pin", tt.form)
			if resp.StatusCode != tt.code || !strings.Contains(body, tt.want) {
				t.Fatalf("status %s, want %d and %q in:\n%s", resp.Status, tt.code, tt.want, body)
			}
			for _, p := range []string{tt.form.Get("current"), tt.form.Get("pin")} {
				if strings.Contains(body, `value="`+p+`"`) {
					t.Errorf("a PIN is echoed into the page")
				}
			}
			if len(f.back.creds) != 0 || !f.stillIn(t, tech) {
				t.Error("a refused change saved credentials or ended a session")
			}
			if f.login(t, f.client(t), techPIN) != http.StatusSeeOther || f.login(t, f.client(t), adminPIN) != http.StatusSeeOther {
				t.Error("the old PINs stopped working")
			}
		})
	}
}

// TestChangePINWrongCurrentLocksOut: guessing the administrator PIN from an open session meets the same lockout
// as the lock screen.
func TestChangePINWrongCurrentLocksOut(t *testing.T) {
	f := newFixture(t)
	admin := f.signedIn(t, adminPIN)
	for i := range clientThreshold {
		if resp, _ := f.post(t, admin, "/admin/pin", pinForm("technician", "00000"+string(rune('0'+i)), "246810", "246810")); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %s", i+1, resp.Status)
		}
	}
	resp, _ := f.post(t, admin, "/admin/pin", pinForm("technician", adminPIN, "246810", "246810"))
	if resp.StatusCode != http.StatusTooManyRequests || len(f.back.creds) != 0 {
		t.Fatalf("right PIN while locked out: %s, %d saved", resp.Status, len(f.back.creds))
	}
	if got := f.login(t, f.client(t), adminPIN); got != http.StatusTooManyRequests {
		t.Errorf("login while locked out: %d, want 429", got)
	}
}

type failingCreds struct{}

func (failingCreds) SaveCredentials(context.Context, Credentials) error {
	return errors.New("write ui-credentials.json: no space left on device")
}

func TestChangePINUnsavedKeepsOld(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.CredStore = failingCreds{}
	admin, tech := f.client(t), f.client(t)
	f.login(t, admin, adminPIN)
	f.login(t, tech, techPIN)
	resp, body := f.post(t, admin, "/admin/pin", pinForm("technician", adminPIN, "246810", "246810"))
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "no space") {
		t.Fatalf("unsaved change: %s %q", resp.Status, body)
	}
	if !f.stillIn(t, tech) || f.login(t, f.client(t), techPIN) != http.StatusSeeOther ||
		f.login(t, f.client(t), "246810") != http.StatusUnauthorized {
		t.Error("a change that was not saved took effect")
	}
}
