package appliance

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/tpm/attest"
)

// TestAttestEndpointPolledByAuthority enrolls the appliance, installs its certificate, and has the authority poll
// GET /attest over HTTP: good while the PCRs are the image's, failing after a tamper event. The endpoint refuses
// bad nonces and limits its rate; every answer is journaled.
func TestAttestEndpointPolledByAuthority(t *testing.T) {
	a := openSim(t, t.TempDir())
	auth := newTestAuthority(t, a)
	chain := enrollAt(t, a, auth)
	if _, err := InstallCertificate(t.Context(), a, authority.PEMChain(chain...)); err != nil {
		t.Fatalf("InstallCertificate: %v", err)
	}
	if got, err := (reporter{a}).certificate(t.Context()); err != nil || len(got) != 2 || !got[0].Equal(chain[0]) {
		t.Fatalf("the reports' chain after installation: %d certificates, %v", len(got), err)
	}
	if _, err := InstallCertificate(t.Context(), a, authority.PEMChain(chain[1])); err == nil {
		t.Error("installed a certificate that is not for the signing key")
	}

	fetch, url := attestFetcher(t, a)
	before := len(leavesOfType(t, a, LeafAttestationExport))
	res, err := auth.Poll(t.Context(), a.ID(), fetch)
	if err != nil || !res.OK {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if err := a.TPM().ExtendAppPCR(t.Context(), []byte("intrusion")); err != nil {
		t.Fatal(err)
	}
	res, err = auth.Poll(t.Context(), a.ID(), fetch)
	if err != nil || res.OK || !strings.Contains(res.Reason, "PCR") {
		t.Fatalf("poll after tamper: %+v %v", res, err)
	}
	if got := len(leavesOfType(t, a, LeafAttestationExport)) - before; got != 2 {
		t.Errorf("%d attestation leaves journaled, want 2", got)
	}
	for _, q := range []string{"", "nonce=xyz", "nonce=" + strings.Repeat("ab", 65)} {
		resp, err := http.Get(url + "/attest?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /attest?%s: %s", q, resp.Status)
		}
	}
	// Two answers of the burst of three are spent: the third passes, the fourth waits.
	codes := []int{}
	for range 2 {
		_, err := fetch(t.Context(), []byte{1})
		if err != nil && strings.Contains(err.Error(), "429") {
			codes = append(codes, http.StatusTooManyRequests)
		} else {
			codes = append(codes, http.StatusOK)
		}
	}
	if codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Errorf("no rate limit: %v", codes)
	}
}

// newTestAuthority makes an authority that accepts a's image policy and uncertified EKs (the simulator has none).
func newTestAuthority(t *testing.T, a *Appliance) *authority.Authority {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "authority")
	pol := authority.PCRPolicy{Name: "image", Selection: a.Identity().PCRSelection.String(), Values: a.Identity().PCRValues}
	if err := authority.Init(dir, authority.InitOptions{Name: "Studio", Passphrase: []byte("passphrase!"), AcceptUncertifiedEK: true,
		Policies: []authority.PCRPolicy{pol}}); err != nil {
		t.Fatal(err)
	}
	auth, err := authority.Open(dir, []byte("passphrase!"))
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// enrollAt runs a's enrollment with auth (request, challenge, activation, issue) and returns the issued chain.
func enrollAt(t *testing.T, a *Appliance, auth *authority.Authority) []*x509.Certificate {
	t.Helper()
	req, err := a.TPM().Enroll(t.Context(), a.ID(), pkix.Name{CommonName: "Attesta " + a.ID()})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := auth.Challenge(attest.EncodeFile(req))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := a.TPM().ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := auth.Issue(attest.EncodeFile(ans))
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

// attestFetcher serves a's GET /attest on a test server and returns the authority's fetch over HTTP, and the
// server's URL.
func attestFetcher(t *testing.T, a *Appliance) (func(ctx context.Context, nonce []byte) ([]byte, error), string) {
	t.Helper()
	srv := httptest.NewServer(withAttest(AttestHandler(a), http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	return func(ctx context.Context, nonce []byte) ([]byte, error) {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/attest?nonce="+hex.EncodeToString(nonce), nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s", resp.Status, b)
		}
		return b, nil
	}, srv.URL
}
