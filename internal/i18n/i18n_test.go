package i18n_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/i18n"
)

func TestCatalog(t *testing.T) {
	c := i18n.NewCatalog("test", map[string]i18n.Text{
		"hello": {IT: "Ciao %s, hai %d messaggi", EN: "Hello %s, you have %d messages"},
	})
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	if got := c.T(i18n.IT, "hello", "Anna", 3); got != "Ciao Anna, hai 3 messaggi" {
		t.Errorf("IT = %q", got)
	}
	if got := (i18n.Printer{C: c, Lang: i18n.EN}).T("hello", "Anna", 3); got != "Hello Anna, you have 3 messages" {
		t.Errorf("EN = %q", got)
	}
	if got := c.T(i18n.IT, "missing"); got != "⟦missing⟧" {
		t.Errorf("missing key = %q", got)
	}
}

func TestCheckFindsGaps(t *testing.T) {
	c := i18n.NewCatalog("test", map[string]i18n.Text{
		"no-en":  {IT: "solo italiano"},
		"no-it":  {EN: "English only"},
		"verbs":  {IT: "%d di %s", EN: "%s of %d"},
		"count":  {IT: "%d messaggi", EN: "messages"},
		"pct":    {IT: "100%% fatto %s", EN: "100%% done %s"},
		"spaces": {IT: "  ", EN: "blank"},
	})
	err := c.Check()
	for _, key := range []string{`"no-en" has no English`, `"no-it" has no Italian`, `"verbs" takes`, `"count" takes`,
		`"spaces" has no Italian`} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Check = %v, want it to say %s", err, key)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"pct"`) {
		t.Errorf("Check complains of %%%%: %v", err)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]i18n.Lang{"": i18n.IT, "it": i18n.IT, "en": i18n.EN} {
		if got, err := i18n.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := i18n.Parse("fr"); !errors.Is(err, i18n.ErrLang) {
		t.Errorf("Parse(fr) = %v, want ErrLang", err)
	}
}

func TestForeign(t *testing.T) {
	tests := []struct {
		lang i18n.Lang
		text string
		want []string
	}{
		{i18n.IT, "Il destinatario ha letto il messaggio il 12/01/2026.\nthe message was edited: receipts were reset then",
			[]string{"the message was edited: receipts were reset then"}},
		{i18n.EN, "The recipient read the message on 12/01/2026.\nil messaggio è stato consegnato e non letto",
			[]string{"il messaggio è stato consegnato e non letto"}},
		// Names, numbers and digests are neither language.
		{i18n.IT, "Emanuel Celano +393771151946 SHA-256 36f80b52cc47\nWhatsApp Web 2.3000.1034270928", nil},
		// A line with a stray English word stays Italian.
		{i18n.IT, "Versione del bridge di acquisizione: bridge v1 (the build)", nil},
	}
	for _, tt := range tests {
		got := i18n.Foreign(tt.lang, tt.text)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Foreign(%s, %q) = %q, want %q", tt.lang, tt.text, got, tt.want)
		}
	}
}

func TestKeysIn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", `package a; var _ = t("one"); var _ = t("two")`)
	write("a_test.go", `package a; var _ = t("test-only")`)
	keys, err := i18n.KeysIn(dir, regexp.MustCompile(`t\("([^"]+)"`))
	if err != nil || strings.Join(keys, ",") != "one,two" {
		t.Errorf("KeysIn = %v, %v, want one, two", keys, err)
	}
}
