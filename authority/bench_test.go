package authority_test

import (
	"testing"

	"github.com/attesta/attesta/tpm/attest"
)

// BenchmarkEnrollmentRoundTrip measures one challenge (checks and MakeCredential), one activation in the simulator
// TPM (ActivateCredential and a quote) and one issue (checks, certificate, status list signed and written).
func BenchmarkEnrollmentRoundTrip(b *testing.B) {
	s := newEnrolledSim(b)
	req, err := s.tp.Enroll(b.Context(), simID, subjectOf("bench"))
	if err != nil {
		b.Fatal(err)
	}
	file := attest.EncodeFile(req)
	for b.Loop() {
		ch, err := s.a.Challenge(file)
		if err != nil {
			b.Fatal(err)
		}
		ans, err := s.tp.ActivateCredential(b.Context(), ch)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.a.Issue(attest.EncodeFile(ans)); err != nil {
			b.Fatal(err)
		}
	}
}
