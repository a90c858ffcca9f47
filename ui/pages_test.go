package ui

import (
	"net/http"
	"regexp"
	"testing"
)

// TestPagesKeepCSP renders every technician and administrator page with data in both languages: each must load,
// and none may carry inline script, inline style or event-handler attributes, which the CSP would block.
func TestPagesKeepCSP(t *testing.T) {
	f := newFixture(t)
	populate(t, f)
	admin := f.client(t)
	f.login(t, admin, adminPIN)
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\sstyle=|\son[a-z]+=|javascript:`)
	for _, lang := range []string{"it", "en"} {
		for _, p := range []string{"/home", "/phones", "/phones/R58M123ABC", "/phones/emulator-5556", "/journal",
			"/journal?from=0", "/attestations", "/admin", "/deliveries"} {
			resp, body := f.do(t, admin, http.MethodGet, p, map[string]string{"Cookie": langCookie + "=" + lang})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %s", lang, p, resp.Status)
				continue
			}
			if m := inline.FindString(body); m != "" {
				t.Errorf("%s %s: inline %q", lang, p, m)
			}
		}
	}
}
