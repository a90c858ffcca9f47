package authority_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// enrolledSim is the simulator TPM enrolled with an authority that accepts uncertified EKs, on a clock the test
// moves.
type enrolledSim struct {
	tp    *tpm.TPM
	a     *authority.Authority
	chain []*x509.Certificate
	roots *x509.CertPool
	now   time.Time
}

const simID = "5151515151515151"

func newEnrolledSim(t testing.TB) *enrolledSim {
	t.Helper()
	tp, id := openProvisioned(t, "sim")
	s := &enrolledSim{tp: tp, now: time.Now().UTC().Truncate(time.Second)}
	s.a = newAuthority(t, authority.InitOptions{AcceptUncertifiedEK: true,
		Policies: []authority.PCRPolicy{{Name: "image-1", Selection: id.PCRSelection.String(), Values: id.PCRValues}}})
	s.a.SetClock(func() time.Time { return s.now })
	req, err := tp.Enroll(t.Context(), simID, subjectOf("box"))
	if err != nil {
		t.Fatal(err)
	}
	if req.EKCertified {
		t.Fatal("the simulator claims an EK certificate")
	}
	ch, err := s.a.Challenge(attest.EncodeFile(req))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := tp.ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatal(err)
	}
	if s.chain, err = s.a.Issue(attest.EncodeFile(ans)); err != nil {
		t.Fatal(err)
	}
	s.roots = x509.NewCertPool()
	s.roots.AddCert(s.a.Root())
	return s
}

func subjectOf(cn string) pkix.Name { return pkix.Name{CommonName: cn} }

// fetch is the appliance's GET /attest, without HTTP.
func (s *enrolledSim) fetch(t *testing.T) func(context.Context, []byte) ([]byte, error) {
	return func(ctx context.Context, nonce []byte) ([]byte, error) {
		att, err := s.tp.WriteAttestation(ctx, filepath.Join(t.TempDir(), "att"), nonce)
		if err != nil {
			return nil, err
		}
		return att.Zip()
	}
}

func (s *enrolledSim) status(t *testing.T) *authority.StatusBody {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.a.Dir(), authority.StatusFile))
	if err != nil {
		t.Fatal(err)
	}
	st, err := authority.ReadStatusList("status.json", b, s.roots)
	if err != nil {
		t.Fatalf("ReadStatusList: %v", err)
	}
	return st
}

// TestPollFlagsFailureFromThenOn polls an enrolled box: good, then, after a tamper event changes its PCRs,
// failing. The signed status list shows a delivery made between the two as good, one made after the failure as
// failing, one made before enrollment as not enrolled.
func TestPollFlagsFailureFromThenOn(t *testing.T) {
	s := newEnrolledSim(t)
	enrolled := s.now

	s.now = enrolled.Add(time.Hour)
	res, err := s.a.Poll(t.Context(), simID, s.fetch(t))
	if err != nil || !res.OK {
		t.Fatalf("first poll: %+v %v", res, err)
	}
	if err := s.tp.ExtendAppPCR(t.Context(), []byte("case opened")); err != nil {
		t.Fatal(err)
	}
	s.now = enrolled.Add(2 * time.Hour)
	res, err = s.a.Poll(t.Context(), simID, s.fetch(t))
	if err != nil || res.OK || !strings.Contains(res.Reason, "PCR") || !strings.Contains(res.Reason, "[23]") {
		t.Fatalf("poll after tamper: %+v %v", res, err)
	}
	s.now = enrolled.Add(3 * time.Hour)
	res, err = s.a.Poll(t.Context(), simID, func(context.Context, []byte) ([]byte, error) { return nil, errors.New("connection refused") })
	if err != nil || res.OK || !strings.Contains(res.Reason, "did not answer") {
		t.Fatalf("poll of a silent box: %+v %v", res, err)
	}

	st := s.status(t)
	for _, tc := range []struct {
		at   time.Time
		want string // "" = trusted
	}{
		{enrolled.Add(-time.Minute), "not yet enrolled"},
		{enrolled.Add(90 * time.Minute), ""},
		{enrolled.Add(150 * time.Minute), "was failing since"},
	} {
		_, err := authority.CheckSigner(s.chain, s.roots, simID, tc.at, st)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("delivery at %s: %v, want %q", tc.at.Format(time.RFC3339), err, tc.want)
		}
	}
	if e := st.Find(simID, ""); e == nil || e.State != authority.StateFailing || e.LastGood == nil || !e.LastGood.Equal(enrolled.Add(time.Hour)) {
		t.Errorf("status entry: %+v", e)
	}
}

func TestCheckAttestationRefuses(t *testing.T) {
	s := newEnrolledSim(t)
	nonce := []byte("authority's nonce")
	att, err := s.tp.WriteAttestation(t.Context(), filepath.Join(t.TempDir(), "att"), nonce)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := att.Zip()
	files, err := authority.ReadAttestationZip(z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.CheckAttestation(simID, nonce, files); err != nil {
		t.Fatalf("good attestation: %v", err)
	}
	for name, tc := range map[string]struct {
		nonce  []byte
		change func(map[string][]byte)
		want   string
	}{
		"replayed (another nonce)": {[]byte("another nonce"), nil, "nonce"},
		"other AK":                 {nonce, func(f map[string][]byte) { f["ak.tpmt"] = f["signing-key.tpmt"] }, "not the enrolled one"},
		"missing certification":    {nonce, func(f map[string][]byte) { delete(f, "certify.msg") }, "certify.msg missing"},
		"forged quote signature":   {nonce, func(f map[string][]byte) { f["quote.sig"] = f["certify.sig"] }, "signature"},
	} {
		t.Run(name, func(t *testing.T) {
			f := map[string][]byte{}
			for k, v := range files {
				f[k] = v
			}
			if tc.change != nil {
				tc.change(f)
			}
			_, err := s.a.CheckAttestation(simID, tc.nonce, f)
			if !errors.Is(err, authority.ErrAttestationFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a failure saying %q", err, tc.want)
			}
		})
	}
	if _, err := authority.ReadAttestationZip([]byte("not a zip")); err == nil {
		t.Error("ReadAttestationZip accepted garbage")
	}
}

// TestReenrollmentKeepsTheOldCertificateHistory: after a revocation the box enrolls again; deliveries under the
// old certificate are judged by its history (good before the revocation, revoked after), under the new by its own.
func TestReenrollmentKeepsTheOldCertificateHistory(t *testing.T) {
	s := newEnrolledSim(t)
	t0 := s.now
	s.now = t0.Add(time.Hour)
	if err := s.a.Revoke(simID, "", "x"); err == nil {
		t.Error("a revocation without an operator was accepted")
	}
	if err := s.a.Revoke(simID, "Mario Bianchi", "TPM replaced"); err != nil {
		t.Fatal(err)
	}
	if err := s.a.Revoke(simID, "Mario Bianchi", "again"); err == nil {
		t.Error("revoked twice")
	}
	s.now = t0.Add(2 * time.Hour)
	req, err := s.tp.Enroll(t.Context(), simID, subjectOf("box"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.a.Challenge(attest.EncodeFile(req))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := s.tp.ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatal(err)
	}
	newChain, err := s.a.Issue(attest.EncodeFile(ans))
	if err != nil {
		t.Fatalf("enrolling again after the revocation: %v", err)
	}
	st := s.status(t)
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		at    time.Time
		want  string
	}{
		{"old certificate before the revocation", s.chain, t0.Add(30 * time.Minute), ""},
		{"old certificate after the revocation", s.chain, t0.Add(3 * time.Hour), "was revoked since"},
		{"new certificate after enrollment", newChain, t0.Add(3 * time.Hour), ""},
	} {
		_, err := authority.CheckSigner(tc.chain, s.roots, simID, tc.at, st)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
