package ui

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// samplePath turns a route pattern into a concrete path.
func samplePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
	return method, path
}

func TestRoutesEnforceRoles(t *testing.T) {
	f := newFixture(t)
	f.srv.Feed("x").End("fine") // its event stream returns at once
	anon := f.client(t)
	tech := f.client(t)
	if got := f.login(t, tech, techPIN); got != http.StatusSeeOther {
		t.Fatalf("technician login: %d", got)
	}
	admin := f.client(t)
	if got := f.login(t, admin, adminPIN); got != http.StatusSeeOther {
		t.Fatalf("admin login: %d", got)
	}
	clients := map[Role]*http.Client{RoleNone: anon, RoleTechnician: tech, RoleAdmin: admin}
	for _, rt := range f.srv.routeTable() {
		if rt.role == RoleNone {
			continue
		}
		method, path := samplePath(rt.pattern)
		t.Run(method+" "+path, func(t *testing.T) {
			for _, who := range []Role{RoleNone, RoleTechnician, RoleAdmin} {
				resp, _ := f.do(t, clients[who], method, path, nil)
				refused := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
					resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/lock"
				if want := who < rt.role; refused != want {
					t.Errorf("as %v: status %s, refused=%v, want refused=%v", who, resp.Status, refused, want)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/lock", "/static/style.css", "/nope"} {
		resp, _ := f.do(t, f.client(t), http.MethodGet, p, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", p, resp.Header.Get("X-Frame-Options"))
		}
	}
	_, body := f.do(t, f.client(t), http.MethodGet, "/lock", nil)
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|\sstyle=|\son[a-z]+=`).MatchString(body) {
		t.Errorf("lock page has inline script or style:\n%s", body)
	}
	for _, p := range []string{"/static/", "/static", "/static/..%2fserver.go"} {
		if resp, _ := f.do(t, f.client(t), http.MethodGet, p, nil); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s: %s, want no listing", p, resp.Status)
		}
	}
}

func TestLoginSetsStrictCookie(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.do(t, f.client(t), http.MethodPost, "/login?", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("empty PIN: %s", resp.Status)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+"/login", strings.NewReader("pin="+techPIN))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultTransport.RoundTrip(req)
	must(t, err)
	resp.Body.Close()
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || len(c.Value) < 43 {
		t.Fatalf("session cookie %+v", c)
	}
}

func TestWrongPINLocksOut(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for i := range clientThreshold {
		if got := f.login(t, c, "000000"); got != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d: %d", i+1, got)
		}
	}
	if got := f.login(t, c, techPIN); got != http.StatusTooManyRequests {
		t.Fatalf("right PIN while locked out: %d, want 429", got)
	}
	f.clock.advance(lockBase + time.Second)
	if got := f.login(t, c, "000000"); got != http.StatusUnauthorized {
		t.Fatalf("wrong PIN after the wait: %d", got)
	}
	// Backoff doubles: the first wait is no longer enough.
	f.clock.advance(lockBase + time.Second)
	if got := f.login(t, c, techPIN); got != http.StatusTooManyRequests {
		t.Fatalf("right PIN within the doubled wait: %d, want 429", got)
	}
	f.clock.advance(lockBase)
	if got := f.login(t, c, techPIN); got != http.StatusSeeOther {
		t.Fatalf("right PIN after the doubled wait: %d", got)
	}
}

func TestGlobalLockout(t *testing.T) {
	l := newLockout()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range globalThreshold {
		addr := "10.0.0." + string(rune('a'+i)) // a new address each time: no single one reaches its threshold
		if ok, _ := l.allowed(addr, now); !ok {
			t.Fatalf("attempt %d refused too early", i+1)
		}
		l.fail(addr, now)
	}
	if ok, _ := l.allowed("192.0.2.7", now); ok {
		t.Fatal("a fresh address may still try after the global threshold")
	}
	if ok, _ := l.allowed("192.0.2.7", now.Add(lockBase)); !ok {
		t.Fatal("still locked after the wait")
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	if resp, _ := f.do(t, c, http.MethodGet, "/home", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("home: %s", resp.Status)
	}
	f.clock.advance(16 * time.Minute)
	if resp, _ := f.do(t, c, http.MethodGet, "/home", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("home after idle: %s, want redirect to lock", resp.Status)
	}
}

func TestCrossOriginPOSTRefused(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	token := f.newShare(t, c)
	hash := tokenHash(token)
	forged := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
	}
	for _, hdr := range forged {
		if resp, _ := f.do(t, c, http.MethodPost, "/shares/"+hash+"/revoke", hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged revoke %v: %s, want 403", hdr, resp.Status)
		}
		if resp, _ := f.do(t, f.client(t), http.MethodPost, "/login", hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged login %v: %s, want 403", hdr, resp.Status)
		}
	}
	sh, err := f.shares.Get(t.Context(), hash)
	must(t, err)
	if !sh.Revoked.IsZero() {
		t.Fatal("a forged request revoked the link")
	}
	resp, _ := f.do(t, c, http.MethodPost, "/shares/"+hash+"/revoke", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": f.ts.URL})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin revoke: %s", resp.Status)
	}
}

func TestParallelGuessesCannotBypassLockout(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	codes := make(chan int, 12)
	for range 12 {
		go func() {
			resp, err := c.PostForm(f.ts.URL+"/login", map[string][]string{"pin": {"111111"}})
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wrong := 0
	for range 12 {
		if <-codes == http.StatusUnauthorized {
			wrong++
		}
	}
	if wrong != clientThreshold {
		t.Fatalf("%d guesses checked, want %d before the lockout", wrong, clientThreshold)
	}
}
