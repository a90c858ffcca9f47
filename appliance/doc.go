// Package appliance is Attesta's composition root: it opens the TPM, provisions the appliance's keys, opens the
// evidence journal and the blob store, runs the start-up self-test, and checks itself periodically with TPM
// attestation. [Serve] runs it as the appliance runs: the touch UI and the public links, the jobs, the scheduler,
// the front panel, and a graceful shutdown.
//
// # Parts
//
// An opened [Appliance] hands out its parts, each with one concern: [Appliance.Certify], the acquisition pipelines
// (package certify: WhatsApp Web, Android backups, phones over ADB, deliveries); [Appliance.Desk], the cases, their
// retention and the jobs; [Appliance.Screens], what the touch UI shows and journals; the front panel (package
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
//	cases.json       the case register
//	retention.json   the retention registry (see package retention)
//	jobs/            one record per job, and key.sealed, the records' key sealed by the TPM
//
// # Cases and retention
//
// The case register, cases.json, is one JSON document replaced durably on every change:
//
//	{"format": "attesta.cases/v1", "cases": [{"id": "AT-2026-0001", "client": ..., "client_phone": E.164,
//	 "purpose": ..., "service_months": 1|3|6|12, "max_messages": 5|10|20|50, "created": RFC 3339,
//	 "operator": ...}, ...]}
//
// Case ids number the cases of each year (Europe/Rome). A reader refuses another format string, unknown fields
// and duplicate or invalid ids; a new layout gets a new format string. Each case is registered for retention when
// it is opened (service bought plus [Config].LegalMonths), and journaled as a "case-opened" leaf holding its id
// and numbers only; the client's name, number and purpose stay in the register, and are emptied from it when the
// case is erased. [Desk.RunRetention] erases, through [Appliance.EraseCase], the cases whose retention has
// ended and that are not on legal hold; every retention change is a "retention" leaf.
//
// # Jobs
//
// A web session or an extraction runs as a job in the background ([Desk.StartWebSession],
// [Desk.StartExtraction]), one of each kind at a time, under the context given to [Desk.OpenJobs]. Each
// job has a record, jobs/<id>.json, replaced durably at every change of state and chat outcome (progress at most
// once a second):
//
//	{"format": "attesta.job/v1", "id": "j" + 16 hex digits, "kind": "web"|"adb", "case": id,
//	 "state": "running"|"done"|"failed"|"interrupted"|"cancelled"|"resumed", "started", "updated": RFC 3339,
//	 "progress": text, "done", "total": n, "resumed_from", "resumed_as": job ids (optional),
//	 "lines": [{"line": n, "delivered": bool, "certified": n}], "sealed": base64}
//
// Everything that names people or opens their data (the list as typed, the chats, the delivery folders, which
// carry numbers, the backup key, the phone's serial, the error text) is in "sealed": nonce ‖ AES-256-GCM of a JSON
// object, with the format, id, kind and case as additional data, under a key that the TPM seals in
// jobs/key.sealed. A record found "running" at start-up was cut short by a stop: it becomes "interrupted" (a
// "job-interrupted" leaf) and [Desk.ResumeJob] runs its undelivered lines again as a new job. Journal leaves
// "job-started", "job-ended", "job-interrupted" and "job-resumed" carry ids, kinds, states and counts only. A
// reader refuses another format string, unknown fields and trailing data; such a record is listed as failed with
// an error naming its file, and the other jobs are read on.
package appliance
