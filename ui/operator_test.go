package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestOperatorNamesTheSessionsActions checks that the name a technician gives on the home screen is the operator
// of what the session does, that another session keeps its own, and that a bad name is refused.
func TestOperatorNamesTheSessionsActions(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	_, home := f.do(t, c, http.MethodGet, "/home", nil)
	if !strings.Contains(home, `id="operator-form"`) || !strings.Contains(home, "Chi sta operando?") {
		t.Fatal("the home screen does not ask who is operating")
	}
	for _, bad := range []string{"", "   ", "Mario\x00Rossi", strings.Repeat("x", maxOperatorName+1)} {
		resp, err := c.PostForm(f.ts.URL+"/operator", url.Values{"operator": {bad}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("operator %q: %s, want 400", bad, resp.Status)
		}
	}
	resp, err := c.PostForm(f.ts.URL+"/operator", url.Values{"operator": {"  Dott.ssa  Anna   Verdi "}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set operator: %s", resp.Status)
	}
	_, home = f.do(t, c, http.MethodGet, "/home", nil)
	if !strings.Contains(home, `value="Dott.ssa Anna Verdi"`) {
		t.Error("the home screen does not show the operator's name")
	}

	id := f.newCase(t, c)
	if resp, body := f.postList(t, c, "/cases/"+id+"/session", sampleList, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %s\n%s", resp.Status, body)
	}
	if got := f.back.webs[0].Operator; got != "Dott.ssa Anna Verdi" {
		t.Errorf("session started by %q, want the operator's name", got)
	}

	jobs, _ := f.back.ListJobs(t.Context())
	f.back.CancelJob(t.Context(), jobs[0].ID, "") // one web session at a time
	other := f.tech(t)                            // another technician's session has no name yet
	if resp, body := f.postList(t, other, "/cases/"+id+"/session", sampleList, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %s\n%s", resp.Status, body)
	}
	if got := f.back.webs[len(f.back.webs)-1].Operator; got != "technician" {
		t.Errorf("session of another technician started by %q, want its role", got)
	}
}

type auditRecorder struct{ events []string }

func (a *auditRecorder) UIEvent(_ context.Context, kind string, fields map[string]any) error {
	a.events = append(a.events, fmt.Sprintln(kind, fields))
	return nil
}

func TestLoginsAndWrongPINsAreAudited(t *testing.T) {
	f := newFixture(t)
	rec := &auditRecorder{}
	f.srv.cfg.Audit = rec
	c := f.client(t)
	f.login(t, c, "000000")
	f.login(t, c, techPIN)
	want := []string{"wrong-pin map[]\n", "login map[role:technician]\n"}
	if !slices.Equal(rec.events, want) {
		t.Fatalf("audited %q, want %q", rec.events, want)
	}
}
