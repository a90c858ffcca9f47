package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// One link opened 1,000 times (the index, HEADs, a PDF viewer's Range requests, repeated downloads) is served
// every time but grows the journal by a bounded number of records, which together count every request.
func TestShareAccessJournalBounded(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	token := f.newShare(t, tech)
	rcpt := f.client(t)
	ranges := 0
	for i := range 1000 {
		method, p, hdr := http.MethodGet, "/relazione.pdf", map[string]string(nil)
		switch i % 5 {
		case 0:
			p = "/"
		case 1:
			method = http.MethodHead
		case 2, 3:
			hdr = map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", i%8, i%8+1)}
			ranges++
		case 4:
			p = "/artifacts/chat.png"
		}
		resp, _ := f.do(t, rcpt, method, "/s/"+token+p, hdr)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("request %d %s %s: %s, want it served", i, method, p, resp.Status)
		}
	}
	must(t, f.srv.FlushShareAccess(t.Context()))
	recs := f.access.records()
	if len(recs) > 8 {
		t.Fatalf("1,000 requests on one link made %d records, want at most 8", len(recs))
	}
	requests, ranged := 0, 0
	for _, r := range recs {
		if r.Token != tokenHash(token) {
			t.Fatalf("record %+v is not of the link", r)
		}
		if !r.Coalesced && (r.Requests != 1 || r.Remote == "") {
			t.Errorf("a record of one access %+v", r)
		}
		requests += r.Requests
		ranged += r.Ranges
	}
	if requests != 1000 || ranged != ranges {
		t.Fatalf("records count %d requests, %d ranges; want 1000 and %d: %+v", requests, ranged, ranges, recs)
	}
	// A later download is recorded as it comes again.
	f.clock.advance(accessWindow)
	before := len(f.access.records())
	f.do(t, rcpt, http.MethodGet, "/s/"+token+"/relazione.pdf", nil)
	if got := f.access.records(); len(got) != before+1 || got[len(got)-1].Coalesced {
		t.Fatalf("the next window's first access: %+v", got[before:])
	}
}

// Many addresses on one link, and one address on many links, are each bounded too: past the limits, accesses
// are counted, not recorded one by one.
func TestShareAccessLimitsPerLinkAndAddress(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	token := f.newShare(t, tech)
	h := f.srv.Handler()
	get := func(tok, addr string) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://127.0.0.1/s/"+tok+"/relazione.pdf", nil)
		req.RemoteAddr = addr + ":4242"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("GET from %s: %d", addr, w.Code)
		}
	}
	for i := range 500 {
		get(token, fmt.Sprintf("198.51.100.%d", i%250)) // 250 addresses, one link
	}
	var links []string
	for range 3 * accessPerAddr {
		links = append(links, f.newShare(t, tech))
	}
	for _, tok := range links {
		get(tok, "203.0.113.9") // one address, many links
	}
	must(t, f.srv.FlushShareAccess(t.Context()))
	recs := f.access.records()
	single, requests := 0, 0
	for _, r := range recs {
		if !r.Coalesced {
			single++
		}
		requests += r.Requests
	}
	if single > 2*accessPerLink || requests != 500+len(links) {
		t.Fatalf("%d records of one access (want at most %d), %d requests counted (want %d)", single,
			2*accessPerLink, requests, 500+len(links))
	}
	if len(recs) > 2*accessPerLink+1+len(links) {
		t.Fatalf("%d records in all", len(recs))
	}
}
