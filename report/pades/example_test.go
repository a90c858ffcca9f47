package pades_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/attesta/attesta/report/pades"
)

// Sign a report with a key that certifies itself (on the appliance: the
// TPM's Signer), then verify it.
func Example() {
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	cert, err := pades.SelfSignedCert(key, pkix.Name{CommonName: "Attesta A1"}, now, now.AddDate(5, 0, 0))
	if err != nil {
		log.Fatal(err)
	}

	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(0, 10, "Relazione")
	var report bytes.Buffer
	if err := doc.Output(&report); err != nil {
		log.Fatal(err)
	}

	signed, err := pades.Sign(ctx, report.Bytes(), pades.Options{
		Signer: key, Chain: []*x509.Certificate{cert},
		Name: "Attesta A1", Reason: "Certificazione", Location: "Roma",
	})
	if err != nil {
		log.Fatal(err)
	}
	sigs, err := pades.Verify(signed)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sigs[0].Field, sigs[0].SubFilter, sigs[0].Signer.Subject.CommonName, sigs[0].WholeDocument)
	// Output: Signature1 ETSI.CAdES.detached Attesta A1 true
}
