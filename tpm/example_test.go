package tpm_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"log"
	"os"

	"github.com/attesta/attesta/tpm"
)

// Open the development simulator, provision the appliance keys, sign a
// digest and check the signature with the standard library.
func Example() {
	ctx := context.Background()
	stateDir, _ := os.MkdirTemp("", "attesta-tpm")
	defer os.RemoveAll(stateDir)

	t, err := tpm.Open(ctx, "sim", stateDir) // "/dev/tpmrm0" on the appliance
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	id, err := t.Provision(ctx, tpm.ProvisionOptions{})
	if err != nil {
		log.Fatal(err)
	}
	signer, err := t.Signer(ctx)
	if err != nil {
		log.Fatal(err)
	}
	digest := sha256.Sum256([]byte("checkpoint"))
	sig, err := signer.SignDigest(ctx, digest[:])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("policy:", id.PCRSelection)
	fmt.Println("verifies:", ecdsa.VerifyASN1(id.SigningKey, digest[:], sig))
	// Output:
	// policy: sha256:0,1,2,3,4,5,6,7,23
	// verifies: true
}
