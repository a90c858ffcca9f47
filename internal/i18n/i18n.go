// Package i18n is the one translation mechanism of what a person reads: the report, the verifier's printed output
// and the touch UI. Italian is the first language, English the second; every text exists in both.
//
// # Catalogs
//
// A [Catalog] maps stable keys ("verdict.read", "custody.link") to a [Text], the same sentence in Italian and
// English, written as fmt formats. [Catalog.T] prints one in a language; a key the catalog lacks prints as
// "⟦key⟧", so that a gap shows on the page instead of vanishing. [Catalog.Check] fails when a text is empty in
// either language or when the two take different arguments (verbs that differ in count or order): each package
// that owns a catalog calls it from a test, so that a missing translation fails the build's tests.
//
// # Language check
//
// [Foreign] finds the lines of a text that read as the other language, with a word-list heuristic: a line is
// counted as English when at least three of its words are common English function words ("the", "was", "of",
// "not", …) and they outnumber the Italian ones ("il", "della", "che", "non", …), and the other way round. Words
// that both languages write alike ("a", "in", "per", "come") are in neither list. Tests run it on rendered reports;
// it is a heuristic, not a language model: a quoted chat message in Italian is Italian in an English report too,
// and the caller removes such quotes first.
package i18n

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Lang is a language of the product.
type Lang string

// The languages: Italian first.
const (
	IT Lang = "it"
	EN Lang = "en"
)

// Langs lists the languages in their order.
var Langs = []Lang{IT, EN}

// ErrLang is Parse's answer for a language the product does not speak.
var ErrLang = errors.New("i18n: unknown language")

// Parse reads a language code; "" is Italian.
func Parse(s string) (Lang, error) {
	switch s {
	case "", "it":
		return IT, nil
	case "en":
		return EN, nil
	}
	return "", fmt.Errorf("%w %q, want it or en", ErrLang, s)
}

// Text is one sentence or label in both languages, as fmt formats.
type Text struct{ IT, EN string }

// In returns the text in l (English for EN, Italian otherwise).
func (t Text) In(l Lang) string {
	if l == EN {
		return t.EN
	}
	return t.IT
}

// Catalog is a named set of texts by key. It is read-only once made, safe for concurrent use.
type Catalog struct {
	name  string
	texts map[string]Text
}

// NewCatalog returns the catalog name (the package that owns it) over texts.
func NewCatalog(name string, texts map[string]Text) *Catalog {
	return &Catalog{name: name, texts: texts}
}

// T prints the text of key in l with args; a missing key prints "⟦key⟧".
func (c *Catalog) T(l Lang, key string, args ...any) string {
	t, ok := c.texts[key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	if len(args) == 0 {
		return t.In(l)
	}
	return fmt.Sprintf(t.In(l), args...)
}

// Has says whether the catalog holds key.
func (c *Catalog) Has(key string) bool { _, ok := c.texts[key]; return ok }

// Keys returns the catalog's keys, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts))
	for k := range c.texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Check returns an error naming every key whose text is empty in a language, or whose two languages take
// different fmt verbs.
func (c *Catalog) Check() error {
	var errs []error
	for _, k := range c.Keys() {
		t := c.texts[k]
		if strings.TrimSpace(t.IT) == "" {
			errs = append(errs, fmt.Errorf("i18n: %s: %q has no Italian", c.name, k))
		}
		if strings.TrimSpace(t.EN) == "" {
			errs = append(errs, fmt.Errorf("i18n: %s: %q has no English", c.name, k))
		}
		if vi, ve := verbs(t.IT), verbs(t.EN); !slices.Equal(vi, ve) {
			errs = append(errs, fmt.Errorf("i18n: %s: %q takes %v in Italian, %v in English", c.name, k, vi, ve))
		}
	}
	return errors.Join(errs...)
}

// verbs lists the fmt verbs of a format in order ("%%" is not one).
func verbs(format string) []string {
	var out []string
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.[]", format[j]) >= 0 {
			j++
		}
		if j < len(format) && format[j] != '%' {
			out = append(out, format[i:j+1])
		}
		i = j
	}
	return out
}

// Printer is a catalog bound to one language.
type Printer struct {
	C    *Catalog
	Lang Lang
}

// T prints key in the printer's language.
func (p Printer) T(key string, args ...any) string { return p.C.T(p.Lang, key, args...) }

// KeysIn lists the keys the Go source of the package in dir prints, as found by pattern (its first group is the
// key), skipping test files: a package's test checks each against its catalog with [Catalog.Has].
func KeysIn(dir string, pattern *regexp.Regexp) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("i18n: keys in %s: %w", f, err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	return keys, nil
}
