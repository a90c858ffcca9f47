package tpm_test

import (
	"bytes"
	"testing"

	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// TestRotateAKSwtpm rotates the AK of swtpm after a restart of the TPM's user (the creation ticket of the signing
// key, which TPM2_CertifyCreation by the new AK needs, stays valid in a real TPM's hierarchy).
func TestRotateAKSwtpm(t *testing.T) {
	sw := tpmtest.Start(t)
	dir := t.TempDir()
	open := func() (*tpm.TPM, *tpm.Identity) {
		tp, err := tpm.Open(t.Context(), sw.Spec, dir)
		if err != nil {
			t.Fatal(err)
		}
		id, err := tp.Provision(t.Context(), tpm.ProvisionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tp, id
	}
	tp, old := open()
	tp.Close()
	tp, _ = open()
	defer tp.Close()
	rot, err := tp.RotateAK(t.Context())
	if err != nil {
		t.Fatalf("RotateAK after a restart: %v", err)
	}
	if err := tpm.CheckAKLink(old.AKTPMT, rot.NewAKTPMT, rot.Link.Msg, rot.Link.Sig); err != nil {
		t.Fatal(err)
	}
	req, err := tp.Enroll(t.Context(), "0123456789abcdef", old.EKCert.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req.AKPublic, rot.NewAKTPMT) {
		t.Fatal("the enrollment request after the rotation does not carry the new AK")
	}
}
