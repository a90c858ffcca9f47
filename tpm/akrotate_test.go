package tpm

import (
	"bytes"
	"testing"
)

// TestRotateAK: the AK is replaced by the next generation's, which the old one certifies; the new AK certifies
// the signing key and quotes; the rotation survives a restart, and a second one continues the generations.
func TestRotateAK(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	old := provisionT(t, tp)
	rot, err := tp.RotateAK(t.Context())
	if err != nil {
		t.Fatalf("RotateAK: %v", err)
	}
	id := tp.id
	if bytes.Equal(rot.NewAKTPMT, old.AKTPMT) || !bytes.Equal(id.AKTPMT, rot.NewAKTPMT) || id.AKGeneration != 1 {
		t.Fatalf("after the rotation: generation %d, AK changed %v", id.AKGeneration, !bytes.Equal(id.AKTPMT, old.AKTPMT))
	}
	if !id.SigningKey.Equal(old.SigningKey) {
		t.Fatal("an AK rotation changed the signing key")
	}
	if err := CheckAKLink(old.AKTPMT, rot.NewAKTPMT, rot.Link.Msg, rot.Link.Sig); err != nil {
		t.Fatalf("the old AK's certification of the new one: %v", err)
	}
	if err := CheckAKLink(rot.NewAKTPMT, old.AKTPMT, rot.Link.Msg, rot.Link.Sig); err == nil {
		t.Fatal("the link was accepted the other way round")
	}
	if err := VerifyCertification(id.AK, id.Certify.Msg, id.Certify.Sig, id.SigningKeyTPMT); err != nil {
		t.Fatalf("the new AK's certification of the signing key: %v", err)
	}
	if err := VerifyCertification(old.AK, id.Certify.Msg, id.Certify.Sig, id.SigningKeyTPMT); err == nil {
		t.Fatal("the new certification verified under the old AK")
	}
	nonce := bytes.Repeat([]byte{7}, 32)
	q, err := tp.Quote(t.Context(), nonce, id.PCRSelection)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyQuote(id.AK, q, nonce, nil); err != nil {
		t.Fatalf("quote under the new AK: %v", err)
	}
	if err := VerifyQuote(old.AK, q, nonce, nil); err == nil {
		t.Fatal("a quote after the rotation verified under the retired AK")
	}
	signAndVerify(t, tp, "after the AK rotation")

	// A second rotation keeps both predecessors; a restart loads the AK in force. (The simulator's creation
	// tickets do not survive its restart, so rotations after one are tested on swtpm: TestRotateAKSwtpm.)
	rot2, err := tp.RotateAK(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rot2.NewGeneration != 2 || len(tp.id.PreviousAKTPMT) != 2 || !bytes.Equal(tp.id.PreviousAKTPMT[0], old.AKTPMT) {
		t.Fatalf("second rotation: generation %d, previous %d", rot2.NewGeneration, len(tp.id.PreviousAKTPMT))
	}
	tp.Close()
	again := provisionT(t, openT(t, simBackend(), dir))
	if !bytes.Equal(again.AKTPMT, rot2.NewAKTPMT) || again.AKGeneration != 2 || len(again.PreviousAKTPMT) != 2 {
		t.Fatalf("after a restart: generation %d, %d previous AKs", again.AKGeneration, len(again.PreviousAKTPMT))
	}
}
