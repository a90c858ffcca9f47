// Package appliance is Attesta's composition root: it opens the TPM, provisions the appliance's keys, opens the
// evidence journal and the blob store, runs the start-up self-test, and checks itself periodically with TPM
// attestation.
//
// # Start-up
//
// [Open] does, in order: select and open the TPM ([Config].TPM), provision or load the attestation key and the
// PCR-bound signing key, open the journal (origin "attesta/<appliance-id>", checkpoints signed by the TPM key), open
// the blob store (case keys wrapped by the TPM), run the journal's self-test, and append a "boot" leaf recording the
// tool version, the TPM kind and its clock. A failure at any step leaves the appliance closed: it never certifies
// on a journal or a key it could not check.
//
// # Attestation and the certification lock
//
// [Appliance.CheckAttestation] quotes the PCRs with a fresh nonce, verifies the quote and the signing key's
// certification by the attestation key, compares the PCRs with the values recorded at provisioning, and checks that
// the TPM clock never went backwards. Every result is a journal leaf of type "attestation". A failure appends a
// "certification-lock" leaf: from then on [Appliance.CheckCertify] refuses until an administrator appends a
// "certification-unlock" leaf ([Appliance.Unlock]). The lock state is read back from the journal at start-up, so
// restarting the appliance does not clear it.
//
// # Data directory
//
//	appliance.json   the appliance id (random, made once) and creation time
//	tpm/             TPM state: key blobs, provisioning record, simulator seed (development only)
//	journal.db       the evidence journal (bbolt)
//	blobs/           encrypted evidence blobs, one directory per case
package appliance
