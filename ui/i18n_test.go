package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io/fs"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/i18n"
)

// tCall finds the literal argument of the template function t, alone ({{t "key"}}) or in a pipeline ((t "key")).
var (
	tmplAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tCall      = regexp.MustCompile(`(?:^\{\{-?\s*|[\s(|])t\s+("(?:[^"\\]|\\.)*")`)
)

// templateStrings returns every key the templates pass to t, with the file it is in.
func templateStrings(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	eachTemplate(t, func(p, src string) {
		for _, action := range tmplAction.FindAllString(src, -1) {
			for _, m := range tCall.FindAllStringSubmatch(action, -1) {
				s, err := strconv.Unquote(m[1])
				if err != nil {
					t.Errorf("%s: cannot read %s: %v", p, m[1], err)
					continue
				}
				out[s] = append(out[s], p)
			}
		}
	})
	return out
}

// eachTemplate calls fn with the path and the source of every embedded template.
func eachTemplate(t *testing.T, fn func(p, src string)) {
	t.Helper()
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tmpl") {
			return err
		}
		src, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		fn(p, string(src))
		return nil
	})
	must(t, err)
}

// codeStrings returns every string literal the package's Go code passes as a key to tr, httpError or a screen's
// bad, with where it is.
func codeStrings(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	must(t, err)
	out := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		must(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			arg := map[string]int{"tr": 1, "httpError": 2, "bad": 0}
			i, ok := arg[id.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				must(t, err)
				out[s] = append(out[s], fset.Position(lit.Pos()).String())
			}
			return true
		})
	}
	return out
}

// TestEveryKeyHasText fails naming each key a screen shows that the catalog lacks.
func TestEveryKeyHasText(t *testing.T) {
	for kind, found := range map[string]map[string][]string{"template": templateStrings(t), "code": codeStrings(t)} {
		if len(found) < 10 {
			t.Fatalf("only %d %s strings found: the scan is broken", len(found), kind)
		}
		var missing []string
		for s, where := range found {
			if !texts.Has(s) {
				missing = append(missing, strconv.Quote(s)+" in "+strings.Join(slices.Compact(slices.Sorted(slices.Values(where))), ", "))
			}
		}
		slices.Sort(missing)
		for _, m := range missing {
			t.Errorf("no text for %s", m)
		}
	}
	// The templates print a data-subject request's kind as the key "privacy.<kind>".
	for _, kind := range []string{"access", "erasure", "restriction"} {
		if !texts.Has("privacy." + kind) {
			t.Errorf("no text for the request kind %q", kind)
		}
	}
}

// TestCatalogComplete fails for a text missing a language, or whose Italian and English take different fmt verbs.
func TestCatalogComplete(t *testing.T) {
	if err := texts.Check(); err != nil {
		t.Error(err)
	}
	broken := i18n.NewCatalog("ui", map[string]i18n.Text{
		"x.no-english": {IT: "solo italiano"},
		"x.verbs":      {IT: "Foglie %d–%d di %d", EN: "Leaves %d of %d"},
	})
	if err := broken.Check(); err == nil || !strings.Contains(err.Error(), "x.no-english") || !strings.Contains(err.Error(), "x.verbs") {
		t.Errorf("Check of a broken catalog = %v", err)
	}
}

func TestPagesInEnglish(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		hdr  map[string]string
		want []string
		not  []string
	}{
		{"cookie", map[string]string{"Cookie": langCookie + "=en"}, []string{`lang="en"`, "Enter the PIN", ">IT<"}, []string{"Inserire il PIN"}},
		{"accept-language", map[string]string{"Accept-Language": "en-GB,en;q=0.9,it;q=0.5"}, []string{"Enter the PIN"}, []string{"Inserire"}},
		{"italian first", map[string]string{"Accept-Language": "it-IT,en;q=0.8"}, []string{`lang="it"`, "Inserire il PIN", ">EN<"}, []string{"Enter the PIN"}},
		{"cookie wins", map[string]string{"Cookie": langCookie + "=it", "Accept-Language": "en"}, []string{"Inserire il PIN"}, nil},
		{"default", nil, []string{"Inserire il PIN"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(t, f.client(t), http.MethodGet, "/lock", tt.hdr)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("lock: %s", resp.Status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("has %q", w)
				}
			}
		})
	}
}

// TestLanguageSwitch chooses English with the layout's button and sees the home screen and an error in English.
func TestLanguageSwitch(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	resp, err := c.PostForm(f.ts.URL+"/lang", map[string][]string{"lang": {"en"}, "back": {"/home"}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
		t.Fatalf("switch: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	_, body := f.do(t, c, http.MethodGet, "/home", nil)
	for _, w := range []string{"Free space", "Journal", "Status", "Valid", "Lock"} {
		if !strings.Contains(body, w) {
			t.Errorf("home in English lacks %q", w)
		}
	}
	if strings.Contains(body, "Spazio libero") {
		t.Error("home in English still speaks Italian")
	}
	resp, body = f.do(t, c, http.MethodGet, "/s/nope/", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "unknown link") {
		t.Errorf("error in English: %s %q", resp.Status, body)
	}
	for _, back := range []string{"https://evil.example/", "//evil.example", "/\\evil"} {
		resp, err := c.PostForm(f.ts.URL+"/lang", map[string][]string{"lang": {"it"}, "back": {back}})
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("back %q: redirected to %q", back, loc)
		}
	}
}

// TestCatalogsDoNotConflict: two screens defining the same key would see one of their texts silently replaced.
func TestCatalogsDoNotConflict(t *testing.T) {
	cats := map[string]map[string]i18n.Text{"core": coreTexts, "case": caseTexts, "phone": phoneTexts,
		"journal": journalTexts, "admin": adminTexts, "operator": operatorTexts, "privacy": privacyTexts,
		"progress": progressTexts, "drive": driveTexts}
	seen := map[string]string{} // key → catalog
	for _, name := range slices.Sorted(maps.Keys(cats)) {
		for key := range cats[name] {
			if prev, ok := seen[key]; ok {
				t.Errorf("%q is in %s and %s", key, prev, name)
			}
			seen[key] = name
		}
	}
}

// TestPagesSpeakOneLanguage renders the screens with data in each language: no line of a page may read as the
// other language (i18n.Foreign), and no key may be missing from the catalog ("⟦key⟧"). The acquisition list's
// format is Italian in both languages (its field names are the file's), so it is taken out first.
func TestPagesSpeakOneLanguage(t *testing.T) {
	listFormat := strings.NewReplacer("numero;nominativo;dal;al", "", "numero: …; nominativo: …; messaggi: dal … al …", "")
	missingKey := regexp.MustCompile(`⟦[^⟧]*⟧`)
	markup := regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	eachScreen(t, func(lang Lang, p, body string) {
		if k := missingKey.FindString(body); k != "" {
			t.Errorf("%s %s: a key without text: %s", lang, p, k)
		}
		text := listFormat.Replace(html.UnescapeString(markup.ReplaceAllString(body, "\n")))
		for _, line := range i18n.Foreign(lang, text) {
			t.Errorf("%s %s: reads as the other language: %q", lang, p, line)
		}
	})
}

func FuzzLangOf(f *testing.F) {
	for _, s := range []string{"it-IT,it;q=0.9,en;q=0.8", "en-GB", "*", "", "fr;q=0.9, EN ;q=0.1", ";;,,-"} {
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, accept, cookie string) {
		r, err := http.NewRequest(http.MethodGet, "/", nil)
		must(t, err)
		r.Header.Set("Accept-Language", accept)
		r.AddCookie(&http.Cookie{Name: langCookie, Value: cookie})
		if l := langOf(r); l != Italian && l != English {
			t.Fatalf("langOf(%q, %q) = %q", accept, cookie, l)
		}
	})
}

// TestTemplatesHaveNoBareText fails for text a template shows without {{t}}: words between tags, and the words
// of alt, title, placeholder and aria-label attributes. The brand and the language buttons are the same in both
// languages.
func TestTemplatesHaveNoBareText(t *testing.T) {
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	words := regexp.MustCompile(`[\p{L}]{2,}`)
	attrs := regexp.MustCompile(`\b(alt|title|placeholder|aria-label)="([^"{]*\p{L}[^"{]*)"`)
	same := map[string]bool{"Attesta": true, "EN": true, "IT": true, "OK": true}
	eachTemplate(t, func(p, src string) {
		for _, m := range attrs.FindAllString(src, -1) {
			t.Errorf("%s: attribute without {{t}}: %s", p, m)
		}
		text := tags.ReplaceAllString(tmplAction.ReplaceAllString(src, " "), " ")
		for _, w := range words.FindAllString(text, -1) {
			if !same[w] {
				t.Errorf("%s: text without {{t}}: %q", p, w)
			}
		}
	})
}
