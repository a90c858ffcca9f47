// Package desk is the studio's side of the appliance: the case register, the retention of the cases' evidence,
// and the jobs that acquire it (web sessions over WhatsApp Web, extractions from phones over ADB). It is what the
// touch UI's cases and jobs screens work on ([Desk] implements ui.Cases and ui.Jobs). It holds no appliance: what
// it works with, the journal, the certification gate, the TPM's sealing, the pipelines and the erasure of a case's
// evidence, is given to [New] in [Deps].
//
// # Files
//
// Under [Config].DataDir:
//
//	cases.json       the case register
//	retention.json   the retention registry (see package retention)
//	jobs/            one record per job, and key.sealed, the records' key sealed by the TPM
//	cloud.json       the cloud-backup path's restores on the studio's lab phones (see [Desk.StartCloudRestore])
//	uploads/<case>/  the backups clients uploaded through their remote page, until the job certifying each ends
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
// case is erased. [Desk.RunRetention] erases, through [Deps].Erase, the cases whose retention has
// ended and that are not on legal hold; every retention change is a "retention" leaf.
//
// # Jobs
//
// A web session, an extraction, a client's uploaded backup ([Desk.ReceiveBackup]) or a cloud restore's extraction
// ([Desk.ExtractCloud]) runs as a job in the background ([Desk.StartWebSession],
// [Desk.StartExtraction]), one of each kind at a time, under the context given to [Desk.OpenJobs]. Each
// job has a record, jobs/<id>.json, replaced durably at every change of state and chat outcome (progress at most
// once a second):
//
//	{"format": "attesta.job/v1", "id": "j" + 16 hex digits, "kind": "web"|"adb"|"upload"|"cloud", "case": id,
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
package desk
