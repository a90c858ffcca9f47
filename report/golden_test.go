package report_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
	"github.com/attesta/attesta/report"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestDemoChatGolden")

const demoDir = "testdata/demo"

// demoChat is the report input of the demo chat (testdata/demo, see its PROVENANCE.md): the delivered manifest,
// its custody log and its files.
func demoChat(t *testing.T) report.Input {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(demoDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(filepath.Join(demoDir, filepath.FromSlash(bundle.CustodyPath)))
	if err != nil {
		t.Fatal(err)
	}
	custody, err := bundle.DecodeCustody(log)
	if err != nil {
		t.Fatal(err)
	}
	files := memFiles{}
	err = filepath.WalkDir(filepath.Join(demoDir, "artifacts"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[hex.EncodeToString(sum[:])] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return report.Input{Manifest: m, ManifestJSON: raw, Custody: custody, Files: files,
		Request:   report.Request{Client: "Studio Legale Esempio", Case: "demo-case", Purpose: "prova delle comunicazioni inviate ai clienti"},
		Appliance: report.Appliance{ID: m.Acquisition.ApplianceID, SoftwareVersion: m.Acquisition.ToolVersion, VKey: "attesta/demo+00000000+AA=="},
		Source:    report.Source{WebBuild: "2.3000.1034270928", BridgeVersion: "1", ExtractionPath: report.PathWhatsAppWeb},
	}
}

// TestDemoChatGolden renders the demo chat in both languages and checks, from the PDF's text: page 1 holds the
// table of verdicts (a row per certified message, with its verdict) and matches its golden text; no line reads as
// the other language; no Go syntax; each distinct screenshot appears once. The pages are left as PNG images in
// -dump's directory, to look at.
func TestDemoChatGolden(t *testing.T) {
	in := demoChat(t)
	for _, lang := range []i18n.Lang{i18n.IT, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			path, _ := render(t, in, report.Options{Lang: string(lang), Kind: report.Personalizzata,
				Now: in.Manifest.Acquisition.FinishedAt.Time.Add(2 * time.Minute)})
			page1, err := tool(t, "pdftotext", "-layout", "-enc", "UTF-8", "-f", "1", "-l", "1", path, "-")
			if err != nil {
				t.Fatal(err)
			}
			checkVerdictTable(t, lang, page1, in.Manifest)
			golden(t, filepath.Join(demoDir, "page1."+string(lang)+".txt"), page1)

			all, err := tool(t, "pdftotext", "-enc", "UTF-8", path, "-")
			if err != nil {
				t.Fatal(err)
			}
			checkOneLanguage(t, lang, all, dataOf(in))
			checkScreenshotsOnce(t, all, in.Manifest)
			checkCustodyEmbedded(t, path)
			// The messages are framed on a copy of their screenshot, which says it is an illustration.
			framed := map[i18n.Lang]string{i18n.IT: "Illustrazione: copia ridotta della schermata con evidenziati in rosso N. 1, N. 2, N. 3.",
				i18n.EN: "Illustration: a reduced copy of the screenshot with No. 1, No. 2, No. 3 framed in red."}[lang]
			if !strings.Contains(spaces.ReplaceAllString(all, " "), framed) {
				t.Errorf("the report lacks %q", framed)
			}
			if *dump != "" {
				dir := filepath.Join(*dump, "demo-"+string(lang))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if data, err := os.ReadFile(path); err != nil || os.WriteFile(filepath.Join(dir, "relazione.pdf"), data, 0o644) != nil {
					t.Fatalf("keep the report in %s: %v", dir, err)
				}
				if out, err := tool(t, "pdftoppm", "-png", "-r", "60", path, filepath.Join(dir, "p")); err != nil {
					t.Fatalf("pdftoppm: %v\n%s", err, out)
				}
			}
		})
	}
}

// checkVerdictTable looks for the table's header and one row per certified message on page 1: its number, its
// time to the minute and its verdict.
func checkVerdictTable(t *testing.T, lang i18n.Lang, page1 string, m *bundle.Manifest) {
	t.Helper()
	head, proven, notProven := `N\.\s+Data e ora\s+Tipo\s+Inizio del testo\s+Esito`, "PROVATO", "NON PROVATO"
	if lang == i18n.EN {
		head, proven, notProven = `No\.\s+Date and time\s+Type\s+First words\s+Verdict`, "PROVEN", "NOT PROVEN"
	}
	if !regexp.MustCompile(head).MatchString(page1) {
		t.Errorf("page 1 has no table of verdicts:\n%s", page1)
	}
	rows := 0
	for i, msg := range m.Messages {
		lv := msg.LegalValue
		if lv == nil {
			continue
		}
		rows++
		verdict := proven
		if !lv.Proven {
			verdict = notProven
		}
		when := msg.SentAt.Time.In(evidence.Location()).Format("02/01/2006 15:04")
		row := regexp.MustCompile(`(?m)^` + strconv.Itoa(i+1) + `\s+` + regexp.QuoteMeta(when) + `\s.*` + regexp.QuoteMeta(verdict))
		if !row.MatchString(page1) {
			t.Errorf("page 1 lacks the row of message %d (%s, %s)", i+1, when, verdict)
		}
	}
	if rows == 0 {
		t.Fatal("the demo chat has no certified message")
	}
}

// checkScreenshotsOnce checks that each distinct screenshot is printed once: its caption "SHA-256 <digest>"
// appears once however many files hold it.
func checkScreenshotsOnce(t *testing.T, text string, m *bundle.Manifest) {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range m.Artifacts {
		if a.Kind != evidence.ArtifactScreenshot || seen[a.SHA256] {
			continue
		}
		seen[a.SHA256] = true
		if n := strings.Count(text, "SHA-256 "+a.SHA256); n != 1 {
			t.Errorf("screenshot %s (%s) printed %d times, want once", a.SHA256[:12], a.Path, n)
		}
	}
	if len(seen) < 2 {
		t.Fatalf("the demo chat has %d distinct screenshots, want several", len(seen))
	}
}

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendered page 1 (run with -update after checking the change):\n%s", path, got)
	}
}

// checkCustodyEmbedded checks that the PDF carries the chat's custody log byte for byte as the delivery does.
func checkCustodyEmbedded(t *testing.T, path string) {
	t.Helper()
	list, err := tool(t, "pdfdetach", "-list", path)
	if err != nil {
		t.Fatalf("pdfdetach -list: %v\n%s", err, list)
	}
	n := ""
	for _, line := range strings.Split(list, "\n") {
		if num, name, ok := strings.Cut(strings.TrimSpace(line), ": "); ok && name == "custody.jsonl" {
			n = num
		}
	}
	if n == "" {
		t.Fatalf("custody.jsonl is not embedded:\n%s", list)
	}
	saved := filepath.Join(t.TempDir(), "custody.jsonl")
	if out, err := tool(t, "pdfdetach", "-save", n, "-o", saved, path); err != nil {
		t.Fatalf("pdfdetach -save: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(saved)
	want, _ := os.ReadFile(filepath.Join(demoDir, filepath.FromSlash(bundle.CustodyPath)))
	if !bytes.Equal(got, want) {
		t.Error("the embedded custody.jsonl is not the delivery's")
	}
}
