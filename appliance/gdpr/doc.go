// Package gdpr is the data-protection side of the studio's desk: the lawful bases a case may name, the studio's
// information notice and its rendering for a case, the register of data-subject requests (access, erasure,
// restriction) with their one-month deadline, and the record of processing activities of GDPR art. 30.
//
// It holds no appliance state of its own but the request register; the desk (appliance/desk) joins it with the
// cases, the journal and the retention register.
//
// # Request register
//
// One JSON file, replaced durably on every change and read strictly:
//
//	{"format": "attesta.gdpr.requests/v1", "requests": [{"id", "kind": access|erasure|restriction,
//	 "subject": HMAC-SHA256 of the E.164 number, hex, "masked": "+39…946", "received", "due", "answered",
//	 "outcome", "operator"}]}
//
// The register never holds a data subject's number in the clear: the number is keyed with a secret of the
// appliance (subject.key beside the register), so that an erasure request leaves no copy of the number it named,
// while a later request of the same person is still recognised.
//
// # Record of processing
//
// [WriteRegisterCSV] and [WriteRegisterPDF] write the art. 30 record, one row per case and an aggregate: categories of
// data subjects and data, purposes, lawful bases, recipients by role, retention and security measures. A row holds
// no personal data: the case id, its dates, the bases chosen and counts.
package gdpr
