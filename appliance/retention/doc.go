// Package retention decides when a case's evidence must be erased and erases it.
//
// # Rule
//
// Each case is kept for the service the studio bought (1, 3, 6 or 12 months) plus the legal retention the studio
// sets (whole months, possibly none). Both are calendar months counted in Europe/Rome from the day the case was
// acquired, added in one step: a case acquired on day D is retained until the end of day D of the month that is
// service+legal months later (23:59:59.999999999, Rome time), or until the end of that month's last day when it
// has no day D (31 January + 1 month ends on 28 or 29 February). This is the civil-law way of counting terms in
// months; adding the two periods in one step keeps a short month from shortening the second period. See
// [RetainUntil].
//
// A case on legal hold is never erased; releasing the hold lets a case whose retention has passed be erased at the
// next round. The [Scheduler] erases due cases through an [Eraser] (which destroys the case key, deletes the blobs
// and journals the erasure), marks them erased in the [Registry] so that no case is erased twice, and retries a
// failed erasure at every later round. The appliance plugs its own erasure in with a one-line adapter:
//
//	eraser := retention.EraserFunc(func(ctx context.Context, id, by, why string) error {
//		_, err := app.EraseCase(ctx, id, by, why)
//		return err
//	})
//
// # Registry file
//
// The [Registry] is one JSON file, replaced atomically and durably on every change:
//
//	{"format": "attesta-retention-registry", "version": 1, "cases": [ {"id": ..., "acquired": RFC 3339,
//	 "service_months": 1|3|6|12, "legal_months": n, "hold": {...}, "past_holds": [...], "erased": RFC 3339}, ... ]}
//
// Cases are sorted by id. A reader refuses a format or version it does not know, unknown fields, trailing data,
// duplicate ids and invalid cases; a newer layout gets a new version number. The file holds who set or released a
// hold and why, so it stays on the appliance; the [Audit] records sent to the journal hold only case ids and dates.
package retention
