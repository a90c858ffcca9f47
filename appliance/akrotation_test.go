package appliance

import (
	"bytes"
	"strings"
	"testing"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/tpm"
)

// TestRotateAKThenPoll: the enrolled box rotates its attestation key. Its /attest answers with the new AK at once,
// which the authority refuses until the box is enrolled again; then it accepts the new AK and refuses an answer
// made with the retired one. The rotation is journaled with the old AK's certification of the new one, and the
// deliveries' attestation and AK certificate follow the new AK.
func TestRotateAKThenPoll(t *testing.T) {
	a := openSim(t, t.TempDir())
	auth := newTestAuthority(t, a)
	if _, err := InstallCertificate(t.Context(), a, authority.PEMChain(enrollAt(t, a, auth)...)); err != nil {
		t.Fatal(err)
	}
	fetch, _ := attestFetcher(t, a)
	nonce := bytes.Repeat([]byte{9}, 32)
	oldAnswer, err := fetch(t.Context(), nonce)
	if err != nil {
		t.Fatal(err)
	}
	oldFiles, err := authority.ReadAttestationZip(oldAnswer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CheckAttestation(a.ID(), nonce, oldFiles); err != nil {
		t.Fatalf("the answer before the rotation: %v", err)
	}
	oldAK := a.Identity().AKTPMT

	rot, err := RotateAK(t.Context(), a)
	if err != nil {
		t.Fatalf("RotateAK: %v", err)
	}
	if bytes.Equal(a.Identity().AKTPMT, oldAK) || !bytes.Equal(a.Identity().AKTPMT, rot.NewAKTPMT) {
		t.Fatal("the appliance's identity still has the old AK")
	}
	if err := tpm.CheckAKLink(oldAK, rot.NewAKTPMT, rot.Link.Msg, rot.Link.Sig); err != nil {
		t.Fatal(err)
	}
	leaves := leavesOfType(t, a, LeafAKRotation)
	if len(leaves) != 1 || leaves[0].Fields["new_ak_sha256"] != KeyDigestTPMT(rot.NewAKTPMT) {
		t.Fatalf("AK rotation leaves: %v", leaves)
	}
	// Until the box is enrolled again, the authority knows only the old AK.
	if res, err := auth.Poll(t.Context(), a.ID(), fetch); err != nil || res.OK || !strings.Contains(res.Reason, "not the enrolled one") {
		t.Fatalf("poll before the re-enrollment: %+v %v", res, err)
	}
	chain := enrollAt(t, a, auth)
	if !a.Identity().AK.Equal(chain[2].PublicKey) {
		t.Fatal("the new AK certificate is not for the new AK")
	}
	if _, err := InstallCertificate(t.Context(), a, authority.PEMChain(chain...)); err != nil {
		t.Fatal(err)
	}
	if res, err := auth.Poll(t.Context(), a.ID(), fetch); err != nil || !res.OK {
		t.Fatalf("poll with the new AK: %+v %v", res, err)
	}
	if _, err := auth.CheckAttestation(a.ID(), nonce, oldFiles); err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("an answer by the retired AK: %v", err)
	}
	aps, err := auth.Appliances()
	if err != nil || len(aps) != 1 || !strings.Contains(aps[0].History[0].Reason, "rotation of the attestation key") {
		t.Fatalf("registry after the re-enrollment: %+v %v", aps, err)
	}
	chains, err := a.enrolled()
	if err != nil || chains == nil || chains.ak == nil || !chains.ak[0].Equal(chain[2]) {
		t.Fatalf("installed chains after the AK rotation: %+v %v", chains, err)
	}
	// The journal's self-verification accepts the signing key certified by the new AK.
	if _, err := a.VerifyJournal(t.Context(), nil); err != nil {
		t.Fatalf("VerifyJournal: %v", err)
	}
}
