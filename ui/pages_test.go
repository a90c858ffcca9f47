package ui

import (
	"net/http"
	"regexp"
	"testing"
)

// screens are the technician's and the administrator's pages, as populate fills them.
var screens = []string{"/lock", "/home", "/phones", "/phones/R58M123ABC", "/phones/emulator-5556", "/journal",
	"/journal?from=0", "/attestations", "/admin", "/deliveries", "/cases", "/cases/new", "/cases/C-0001",
	"/cases/C-0001/accesses", "/jobs", "/admin/privacy", "/cases/C-0001/cloud", "/cloud/c0000000000000001"}

// eachScreen renders every screen with data in each language as an administrator, and calls check with the body of
// each; a screen that does not load is an error.
func eachScreen(t *testing.T, check func(lang Lang, p, body string)) {
	t.Helper()
	f := newFixture(t)
	populate(t, f)
	admin := f.signedIn(t, adminPIN)
	for _, lang := range langs {
		for _, p := range screens {
			resp, body := f.do(t, admin, http.MethodGet, p, map[string]string{"Cookie": langCookie + "=" + string(lang)})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %s", lang, p, resp.Status)
				continue
			}
			check(lang, p, body)
		}
	}
}

// TestPagesKeepCSP renders every technician and administrator page with data in both languages: each must load,
// and none may carry inline script, inline style or event-handler attributes, which the CSP would block.
func TestPagesKeepCSP(t *testing.T) {
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\sstyle=|\son[a-z]+=|javascript:`)
	eachScreen(t, func(lang Lang, p, body string) {
		if m := inline.FindString(body); m != "" {
			t.Errorf("%s %s: inline %q", lang, p, m)
		}
	})
}
