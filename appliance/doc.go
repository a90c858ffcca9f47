// Package appliance is Attesta's composition root: it opens the TPM, provisions the appliance's keys, opens the
// evidence journal and the blob store, runs the start-up self-test, and checks itself periodically with TPM
// attestation. [Serve] runs it as the appliance runs: the touch UI and the public links, the jobs, the scheduler,
// the front panel, and a graceful shutdown.
//
// # Parts
//
// An opened [Appliance] hands out its parts, each with one concern: [Appliance.Certify], the acquisition pipelines
// (package certify: WhatsApp Web, Android backups, phones over ADB, deliveries); [Appliance.Desk], the cases, their
// retention and the jobs (package desk); [Appliance.Screens], what the touch UI shows and journals; the front panel (package
// panel), which [Serve] opens from [Config].Panel.
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
// certification by the attestation key, compares the PCRs with the values of the signed image policy in force
// ([Config].TPMPolicy), or else with those recorded at provisioning, naming each PCR that differs (index, expected,
// actual), has the signing key sign (which fails, saying why, while the TPM's tamper index is set or the policy does
// not hold), and checks that the TPM clock never went backwards. Every result is a journal leaf of type "attestation". A failure appends a
// "certification-lock" leaf: from then on [Appliance.CheckCertify] refuses until an administrator appends a
// "certification-unlock" leaf ([Appliance.Unlock]; a set tamper index is cleared first, after a "tamper-clear" leaf). The lock state is read back from the journal at start-up, so
// restarting the appliance does not clear it.
//
// Once the TPM's owner hierarchy is locked ([LockOwner], a "tpm-owner-lock" leaf; `attesta keys owner-lock`), the
// tamper index is cleared only by [UnlockWithSecret] with the administrator's unlock secret, which the box does not
// keep: the TPM checks it before anything is journaled as cleared, and a refused attempt is a "tamper-clear-refused"
// leaf that clears nothing (see package tpm, "Owner lock"). A box never locked unlocks as before.
//
// # Data directory
//
//	appliance.json   the appliance id (random, made once) and creation time
//	tpm/             TPM state: key blobs, provisioning record, simulator seed (development only)
//	journal.db       the evidence journal (bbolt)
//	blobs/           encrypted evidence blobs, one directory per case
//	cases.json       the case register
//	retention.json   the retention registry (see package retention)
//	jobs/            one record per job, and key.sealed, the records' key sealed by the TPM
//
// # Cases, retention and jobs
//
// They are the desk, package [github.com/attesta/attesta/appliance/desk], which documents the case register and
// the job records; the appliance gives it its dependencies ([desk.Deps]) and [Appliance.EraseCase] for the
// erasure of a case's evidence at the end of its retention.
package appliance
