package appliance

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/format"
)

// ConsistencyFormat is the first line of an exported consistency proof.
const ConsistencyFormat = "attesta.consistency/v1"

// ExportJournal writes what an auditor needs to check the journal without Attesta: the C2SP tlog-tiles and the
// newest checkpoint (journal.Export), every stored checkpoint under checkpoints/<size>, and between each two
// consecutive checkpoints an RFC 6962 consistency proof under proofs/consistency-<old>-<new>, which shows that the
// newer tree extends the older one: the signed history only ever grew. A proof file is the line
// "attesta.consistency/v1", the lines "old <size>" and "new <size>", then one base64 hash per line.
func ExportJournal(ctx context.Context, j *journal.Journal, dir string) error {
	if err := j.Export(ctx, dir); err != nil {
		return err
	}
	cps, err := j.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for _, sub := range []string{"checkpoints", "proofs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for i, cp := range cps {
		if err := durable.WriteNew(filepath.Join(dir, "checkpoints", fmt.Sprint(cp.Size)), cp.Note, 0o644); err != nil {
			return err
		}
		if i == 0 {
			continue
		}
		old := cps[i-1]
		proof, err := j.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return fmt.Errorf("consistency proof %d to %d: %w", old.Size, cp.Size, err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\nold %d\nnew %d\n", ConsistencyFormat, old.Size, cp.Size)
		for _, h := range proof {
			b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
		}
		name := fmt.Sprintf("consistency-%d-%d", old.Size, cp.Size)
		if err := durable.WriteNew(filepath.Join(dir, "proofs", name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ExportChain writes dir/chain.pem, the certificate chain an authority issued for the journal's key in force (its
// certificate, then the issuing CAs), when the appliance in dataDir is enrolled with that key: with the
// authority's root, an auditor checks the exported checkpoints with openssl alone, as a delivery's proofs/chain.pem.
// It reports whether it wrote one.
func ExportChain(dataDir string, j *journal.Journal, dir string) (bool, error) {
	certs, err := installedCertificates(dataDir)
	if certs == nil {
		return false, err
	}
	key, err := format.VerifierPublicKey(j.VerifierKey())
	if err != nil {
		return false, err
	}
	var chain []*x509.Certificate
	for _, c := range certs {
		if key.Equal(c.PublicKey) && chain == nil {
			chain = []*x509.Certificate{c}
		}
	}
	if chain == nil {
		return false, nil // enrolled with an earlier key: the key in force has no certificate yet
	}
	for _, c := range certs {
		if c.IsCA {
			chain = append(chain, c)
		}
	}
	return true, durable.WriteNew(filepath.Join(dir, "chain.pem"), authority.PEMChain(chain...), 0o644)
}
