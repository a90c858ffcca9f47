package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHomeShowsState(t *testing.T) {
	tests := []struct {
		name  string
		state Status
		want  []string
	}{
		{"healthy", Status{AttestationOK: true, DiskFree: 400e9, DiskTotal: 500e9}, []string{"Valida", "Integro", `tile ok`}},
		{"attestation failed", Status{Attestation: "PCR 7 cambiato", DiskFree: 400e9, DiskTotal: 500e9}, []string{"Non valida", "PCR 7 cambiato", "tile bad"}},
		{"tamper", Status{AttestationOK: true, Tamper: true}, []string{"Manomissione", "Certificazione bloccata"}},
		{"disk low", Status{AttestationOK: true, DiskFree: 10e9, DiskTotal: 500e9}, []string{"tile warn", "10.0 GB"}},
		{"hostile text", Status{Attestation: "<script>alert(1)</script>"}, []string{"&lt;script&gt;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.cfg.State = fixedState(tt.state)
			c := f.signedIn(t, techPIN)
			resp, body := f.do(t, c, http.MethodGet, "/home", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("home: %s", resp.Status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("home lacks %q", w)
				}
			}
			if strings.Contains(body, "<script>alert") {
				t.Error("home shows unescaped text")
			}
		})
	}
}

func TestCreateShareRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	for path, want := range map[string]int{
		"/deliveries/nope/share":                        http.StatusNotFound,
		"/deliveries/..%2fout/share":                    http.StatusNotFound,
		"/deliveries/" + deliveryName + "/share?days=3": http.StatusBadRequest,
	} {
		u, _ := url.Parse(path)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+u.Path, strings.NewReader(u.RawQuery))
		req.URL.RawPath = u.RawPath
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("POST %s: %s, want %d", path, resp.Status, want)
		}
	}
	if list, _ := f.shares.List(t.Context()); len(list) != 0 {
		t.Fatalf("links created: %+v", list)
	}
}

type failingLog struct{}

func (failingLog) ShareAccess(context.Context, AccessRecord) error {
	return errors.New("journal full")
}

func TestShareAccessUnrecordedIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	token := f.newShare(t, c)
	f.srv.cfg.Access = failingLog{}
	resp, body := f.do(t, f.client(t), http.MethodGet, "/s/"+token+"/relazione.pdf", nil)
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "%PDF") {
		t.Fatalf("unrecorded access: %s %q", resp.Status, body)
	}
}

func BenchmarkHashPIN(b *testing.B) {
	salt := []byte("appliance-salt-0123")
	for b.Loop() {
		HashPIN(salt, "482915")
	}
}

func TestStatusClockDefaultsToNow(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	_, body := f.do(t, c, http.MethodGet, "/home", nil)
	if want := f.clock.now().In(rome).Format("15:04"); !strings.Contains(body, want) {
		t.Errorf("home lacks the clock %s", want)
	}
}
