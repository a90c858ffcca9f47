package report_test

import (
	"io"
	"testing"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// FuzzRender puts hostile text where chat content and captured names go (message text, the chat's name, an
// anomaly's detail, an attachment's MIME type): the report must render whatever WhatsApp let people write.
func FuzzRender(f *testing.F) {
	for _, s := range []string{textAccents, textEmoji, "", "\x00\x01\x02", "\u202eRTL override", "( ) \\ %PDF-1.4 endstream",
		string(make([]byte, 3000))} {
		f.Add(s, "Emanuel 🎉")
	}
	in, _ := sample(f)
	f.Fuzz(func(t *testing.T, text, name string) {
		in := in
		m := *in.Manifest
		m.Messages = append([]evidence.Message(nil), m.Messages...)
		m.Messages[0].Text = &text
		m.Messages[1].Text = &text
		m.Messages[0].Anomalies = []evidence.Anomaly{{Code: "fuzz", Detail: text}}
		m.Messages[3].Attachments = evidence.Attachments{m.Messages[3].Attachments[0]}
		m.Messages[3].Attachments[0].MIME = name
		m.Chat.Name = name
		in.Manifest = &m
		in.Request.Client = name
		if err := report.Render(t.Context(), io.Discard, in, report.Options{Kind: report.Personalizzata, Now: now}); err != nil {
			t.Fatalf("Render: %v", err)
		}
	})
}
