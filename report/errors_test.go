package report_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

func TestRenderRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*report.Input, *report.Options)
		want   error
		say    string
	}{
		{"no manifest", func(in *report.Input, _ *report.Options) { in.Manifest = nil }, report.ErrInput, "no manifest"},
		{"not sealed", func(in *report.Input, _ *report.Options) { in.Manifest.Journal = nil }, report.ErrInput,
			"acq-20260115-0001: manifest not sealed"},
		{"invalid manifest", func(in *report.Input, _ *report.Options) { in.Manifest.Messages[0].ID = "" },
			bundle.ErrManifest, "messages[0]"},
		{"bad hash", func(in *report.Input, _ *report.Options) { in.Manifest.Artifacts[0].SHA256 = "xyz" },
			bundle.ErrManifest, "artifact"},
		{"language", func(_ *report.Input, o *report.Options) { o.Lang = "de" }, report.ErrOptions, `"de"`},
		{"kind", func(_ *report.Input, o *report.Options) { o.Kind = 7 }, report.ErrOptions, "kind 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := sample(t)
			m := *in.Manifest
			m.Messages = append([]evidence.Message(nil), m.Messages...)
			m.Artifacts = append([]evidence.Artifact(nil), m.Artifacts...)
			in.Manifest = &m
			opts := report.Options{Now: now}
			tt.change(&in, &opts)
			var out bytes.Buffer
			err := report.Render(t.Context(), &out, in, opts)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.say) {
				t.Fatalf("Render = %v, want %v saying %q", err, tt.want, tt.say)
			}
			if out.Len() != 0 {
				t.Errorf("Render wrote %d bytes before failing", out.Len())
			}
			if _, err := report.RenderSigned(t.Context(), in, opts, newSigner(t).options()); !errors.Is(err, tt.want) {
				t.Errorf("RenderSigned = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRenderCanceled(t *testing.T) {
	in, _ := sample(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := report.Render(ctx, io.Discard, in, report.Options{Kind: report.Personalizzata}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Render with a canceled context = %v", err)
	}
}

// failingFiles serves some contents wrong, as a damaged or hostile blob store would.
type failingFiles struct {
	memFiles
	broken map[string]func() (io.ReadCloser, error)
}

func (f failingFiles) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if b, ok := f.broken[sha]; ok {
		return b()
	}
	return f.memFiles.Open(ctx, sha)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk error") }

// TestPicturesThatCannotBeShown checks that a picture that is missing, altered, truncated, not an image, or an
// image claiming enormous dimensions is named in the report with the reason, and that the report still renders.
func TestPicturesThatCannotBeShown(t *testing.T) {
	in, files := sample(t)
	photo := in.Manifest.Messages[3].Attachments[0].SHA256
	good := files[photo]
	tests := []struct {
		name string
		open func() (io.ReadCloser, error)
		it   string
	}{
		{"missing", func() (io.ReadCloser, error) { return files.Open(t.Context(), strings.Repeat("0", 64)) },
			"file non trovato"},
		{"altered", func() (io.ReadCloser, error) {
			b := bytes.Clone(good)
			b[len(b)/2] ^= 1
			return io.NopCloser(bytes.NewReader(b)), nil
		}, "il contenuto non corrisponde all'impronta"},
		{"truncated", func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(good[:len(good)/2])), nil },
			"il contenuto non corrisponde all'impronta"},
		{"read error", func() (io.ReadCloser, error) { return io.NopCloser(errReader{}), nil }, "errore di lettura"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := in
			in.Files = failingFiles{files, map[string]func() (io.ReadCloser, error){photo: tt.open}}
			path, _ := render(t, in, report.Options{Kind: report.Personalizzata})
			text := pdfText(t, path)
			for _, w := range []string{"[anteprima non disponibile: " + tt.it + "]",
				"artifacts/media/IMG-20260114-WA0001.jpg: " + tt.it} {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q", w)
				}
			}
		})
	}

	// Contents that match their digest but are not pictures, or claim a size no appliance should decode.
	hostile := map[string][]byte{
		"not an image":    []byte("%PDF-1.4 not a picture"),
		"huge dimensions": hugePNG(t),
	}
	for name, data := range hostile {
		t.Run(name, func(t *testing.T) {
			in, files := sample(t)
			sha, size := files.put(data)
			m := *in.Manifest
			m.Artifacts = []evidence.Artifact{{Path: "artifacts/screenshots/bad.png", SHA256: sha, Size: size,
				Kind: evidence.ArtifactScreenshot}}
			in.Manifest = &m
			path, _ := render(t, in, report.Options{Kind: report.Personalizzata})
			text := pdfText(t, path)
			want := map[string]string{"not an image": "formato non leggibile", "huge dimensions": "file troppo grande"}[name]
			if !strings.Contains(text, "artifacts/screenshots/bad.png: "+want) {
				t.Errorf("report lacks the reason %q", want)
			}
		})
	}
}

// hugePNG is a valid PNG header claiming 100000×100000 pixels, with no pixel data.
func hugePNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := pngHeader(&b, 100000, 100000); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
