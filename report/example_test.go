package report_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// Render a signed report for a sealed manifest. On the appliance the key is the TPM-resident signing key (a
// crypto.Signer) and the manifest comes from bundle.Seal; report.Hook plugs the same into bundle.Write.
func ExampleRenderSigned() {
	ctx := context.Background()
	day := evidence.Date{Year: 2026, Month: time.January, Day: 14}
	text := "Le confermo l'appuntamento di domani."
	chat := evidence.Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: "393771151946@c.us"}
	history := []evidence.Message{{ID: "A1", FromMe: true, SentAt: evidence.At(day.Start().Add(10 * time.Hour)),
		Type: evidence.TypeText, Text: &text, Ack: evidence.AckRead, ReadAt: evidence.At(day.Start().Add(11 * time.Hour))}}
	sel := evidence.Certify(chat, history, evidence.Range{From: day, To: day}, 5)
	m := &bundle.Manifest{
		Format: bundle.Format,
		Acquisition: evidence.Acquisition{ID: "acq-1", Method: evidence.MethodWhatsAppWeb,
			StartedAt: evidence.At(day.AddDays(1).Start().Add(9 * time.Hour)), ApplianceID: "A1"},
		Chat: chat, Range: evidence.Range{From: day, To: day}, Messages: sel.Messages, Artifacts: []evidence.Artifact{},
		Journal: &bundle.JournalRef{Origin: "attesta/A1", LeafIndex: 3, TreeSize: 4, RootHash: strings.Repeat("0f", 32)},
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	cert, err := pades.SelfSignedCert(key, pkix.Name{CommonName: "Attesta A1"}, now, now.AddDate(5, 0, 0))
	if err != nil {
		log.Fatal(err)
	}
	in := report.Input{Manifest: m, Request: report.Request{Client: "Mario Rossi", Purpose: "Prova della lettura"},
		Appliance: report.Appliance{ID: "A1", SoftwareVersion: "attesta 1.4.2"}}
	pdf, err := report.RenderSigned(ctx, in, report.Options{Lang: "it", Kind: report.Semplice},
		pades.Options{Signer: key, Chain: []*x509.Certificate{cert}})
	if err != nil {
		log.Fatal(err)
	}
	sigs, err := pades.Verify(pdf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sigs[0].Name, sigs[0].WholeDocument)
	// Output: Attesta A1 true
}
