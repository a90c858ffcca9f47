package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"time"
)

//go:embed assets
var assets embed.FS

// rome is the time zone the screens show; UTC when the system has no zone data.
var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return loc
}()

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(rome).Format("02/01/2006 15:04")
	},
	"clock": func(t time.Time) string { return t.In(rome).Format("15:04") },
	"date":  func(t time.Time) string { return t.In(rome).Format("02/01/2006") },
	"list":  func() []string { return []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} },
	"gb":    func(b uint64) string { return fmt.Sprintf("%.1f GB", float64(b)/1e9) },
}

// templates holds every page, parsed once per language: {{t "key"}} in a template is bound to its language.
type templates map[Lang]map[string]*template.Template

// parseTemplates parses every page together with the shared layout, once per language.
func parseTemplates() (templates, error) {
	pages, err := fs.Glob(assets, "assets/pages/*.tmpl")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, lang := range langs {
		out[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.New("layout.tmpl").Funcs(funcs).Funcs(template.FuncMap{
				"t":    func(s string) string { return translate(lang, s) },
				"tp":   func(s string) string { return ProgressText(lang, s) },
				"lang": func() Lang { return lang },
			}).ParseFS(assets, "assets/layout.tmpl", p)
			if err != nil {
				return nil, fmt.Errorf("ui: parse template %s: %w", p, err)
			}
			name := path.Base(p)
			out[lang][name[:len(name)-len(".tmpl")]] = t
		}
	}
	return out, nil
}

// page is what the layout receives; each page's "content" template receives Data, and its "title" the page.
type page struct {
	Role Role
	Nav  bool   // show the technician's navigation
	Path string // the page's own path, for the language switch to come back to
	Data any
}

// Admin reports whether the page is shown to an administrator.
func (p page) Admin() bool { return p.Role >= RoleAdmin }

// render executes the page into a buffer first, so that a template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	role := roleOf(r)
	var buf bytes.Buffer
	t := s.tmpl[langOf(r)][name]
	if t == nil {
		s.fail(w, r, fmt.Errorf("render: no page %q", name))
		return
	}
	err := t.Execute(&buf, page{Role: role, Nav: role >= RoleTechnician, Path: r.URL.Path, Data: data})
	if err != nil {
		s.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// staticFile serves one embedded asset; there are no directories to list.
func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, err := fs.ReadFile(s.static, name)
	if err != nil || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
