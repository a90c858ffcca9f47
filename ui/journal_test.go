package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// journalFixture logs a technician into a server whose journal holds n leaves, one a minute from 10:00 UTC.
func journalFixture(t *testing.T, n int) (*fixture, *http.Client) {
	t.Helper()
	f := newFixture(t)
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	for i := range n {
		f.back.leaves = append(f.back.leaves, LeafInfo{Index: uint64(i), Type: "artifact", Time: start.Add(time.Duration(i) * time.Minute),
			Fields: fmt.Sprintf(`{"seq":%d,"sha256":"ab%02d"}`, i, i%100), Hash: fmt.Sprintf("%064x", i+1)})
	}
	c := f.signedIn(t, techPIN)
	return f, c
}

var leafRowRE = regexp.MustCompile(`id="leaf-(\d+)"`)

// shownLeaves returns the indexes of the leaves a journal page shows, in the order shown.
func shownLeaves(body string) []string {
	var out []string
	for _, m := range leafRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestJournalPages(t *testing.T) {
	f, c := journalFixture(t, 120)
	tests := []struct {
		query        string
		first, last  string
		older, newer string // links expected; "" none
	}{
		{"", "119", "70", "/journal?from=20", ""},
		{"?from=20", "69", "20", "/journal?from=0", "/journal?from=70"},
		{"?from=0", "49", "0", "", "/journal?from=50"},
		{"?from=5", "54", "5", "/journal?from=0", "/journal?from=55"},
		{"?from=1000", "119", "70", "/journal?from=20", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := f.do(t, c, http.MethodGet, "/journal"+tt.query, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("journal: %s", resp.Status)
			}
			rows := shownLeaves(body)
			if len(rows) != journalPage || rows[0] != tt.first || rows[len(rows)-1] != tt.last {
				t.Fatalf("rows %v…, want %d from %s down to %s", rows[:min(3, len(rows))], journalPage, tt.first, tt.last)
			}
			for id, link := range map[string]string{"older": tt.older, "newer": tt.newer} {
				has := strings.Contains(body, `href="`+link+`" id="`+id+`"`)
				if link != "" && !has || link == "" && strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("%s link: want %q", id, link)
				}
			}
		})
	}
	_, body := f.do(t, c, http.MethodGet, "/journal?from=0", nil)
	// Leaf 0 was appended at 10:00 UTC: 11:00 in Rome in January.
	for _, w := range []string{"15/01/2026 11:00:00", `{&#34;seq&#34;:0,&#34;sha256&#34;:&#34;ab00&#34;}`,
		fmt.Sprintf("%064x", 1), "artifact", "Foglie 0–49 di 120"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, q := range []string{"?from=-1", "?from=abc", "?from=1e3"} {
		if resp, _ := f.do(t, c, http.MethodGet, "/journal"+q, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", q, resp.Status)
		}
	}
}

func TestJournalSmallAndEmpty(t *testing.T) {
	f, c := journalFixture(t, 0)
	_, body := f.do(t, c, http.MethodGet, "/journal", nil)
	if !strings.Contains(body, "Il registro è vuoto.") {
		t.Error("empty journal not said")
	}
	f, c = journalFixture(t, 3)
	_, body = f.do(t, c, http.MethodGet, "/journal", nil)
	if rows := shownLeaves(body); strings.Join(rows, ",") != "2,1,0" || strings.Contains(body, `id="older"`) {
		t.Errorf("rows %v", rows)
	}
}

// TestJournalFieldsInert shows a leaf whose fields carry markup: it must render as text.
func TestJournalFieldsInert(t *testing.T) {
	f, c := journalFixture(t, 1)
	f.back.leaves[0].Fields = `{"chat":"</pre><script>alert(1)</script><img src=x onerror=alert(2)>"}`
	f.back.leaves[0].Type = `<b>x</b>`
	_, body := f.do(t, c, http.MethodGet, "/journal", nil)
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>x</b>", "</pre><script>"} {
		if strings.Contains(body, bad) {
			t.Errorf("journal renders %q live", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the fields are not shown escaped")
	}
}

type failingJournal struct{ *memBackend }

func (failingJournal) Leaves(context.Context, uint64, int) ([]LeafInfo, uint64, error) {
	return nil, 0, errors.New("journal: read leaf 7: bbolt closed")
}

func (failingJournal) Attestations(context.Context, int) ([]AttestationInfo, error) {
	return nil, errors.New("journal closed")
}

func TestJournalReadFailure(t *testing.T) {
	f, c := journalFixture(t, 3)
	f.srv.cfg.Journal = failingJournal{f.back}
	for _, p := range []string{"/journal", "/attestations"} {
		resp, body := f.do(t, c, http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "bbolt") {
			t.Errorf("%s: %s %q, want 500 without details", p, resp.Status, body)
		}
	}
}

func TestAttestationHistory(t *testing.T) {
	f, c := journalFixture(t, 0)
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	for i := range 130 {
		f.back.atts = append(f.back.atts, AttestationInfo{Leaf: uint64(10 * i), At: at.Add(time.Duration(i) * time.Hour),
			OK: i != 128, Summary: fmt.Sprintf("check %d: quote valid, key certified", i)})
	}
	f.back.atts[128].Summary = "PCR 7 changed <script>alert(1)</script>"
	resp, body := f.do(t, c, http.MethodGet, "/attestations", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("attestations: %s", resp.Status)
	}
	if n := strings.Count(body, "<tr class="); n != attestationHistory {
		t.Errorf("%d checks shown, want %d", n, attestationHistory)
	}
	newest, failed := strings.Index(body, "check 129:"), strings.Index(body, "PCR 7 changed")
	if newest < 0 || failed < newest || strings.Contains(body, "check 29:") {
		t.Error("checks not newest first, or older than the last 100 shown")
	}
	// 08:00 UTC + 129 h = 6 July 17:00 UTC = 19:00 in Rome, in summer.
	for _, w := range []string{"Fallita", "Verifiche fallite: 1 su 100.", "&lt;script&gt;", `href="/journal?from=1280#leaf-1280"`, "06/07/2026 19:00:00"} {
		if !strings.Contains(body, w) {
			t.Errorf("history lacks %q", w)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("summary rendered live")
	}
}
