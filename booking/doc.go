// Package booking is the family-counselling booking e-service: counselling
// slots, bookings signed by both partners with e-ID, and their retention.
//
// Privacy invariant: personal data in a booking is deleted 30 days after the
// meeting, cancellation or release.
//
// # Shape
//
// A Store keeps everything in buckets named "booking/..." of a bbolt file the
// caller opens; every change is one bbolt write transaction, so a slot is
// held by at most one booking whatever the timing. The clock is
// Options.Now, so tests and jobs run on a controlled time.
//
//   - Staff publish slots (PublishSlot, DeleteSlot, ListSlots); citizens see
//     the free ones (FreeSlots, Slot).
//   - An applicant who has signed with e-ID books a slot (Book). The slot is
//     held for the co-applicant, who gets a mail with a single-use link
//     (PathCoSign?t=token) and answers it (Invitation, CoSign, Decline).
//   - On Mina sidor each party sees their bookings (BookingsFor), and may
//     cancel or move them (CancelTerms, Cancel, RebookTerms, Rebook); staff
//     may cancel on someone's behalf (StaffCancel).
//   - Staff see confirmed bookings only (StaffBookings, Signatures) and the
//     fees to invoice (FeeList).
//   - Jobs: ExpireHolds (every minute), Purge (daily), DeliverMail; Run runs
//     them all.
//
// # States of a booking
//
//	Book ─▶ awaiting_cosign ─┬─ CoSign (another person) ─▶ confirmed ─┬─ Rebook ─▶ confirmed (new slot)
//	                         │                                        └─ Cancel, StaffCancel ─▶ cancelled
//	                         ├─ CoSign (same personnummer) ─▶ refused_same_person
//	                         ├─ Decline ─▶ declined
//	                         ├─ HoldUntil passed ─▶ expired (ExpireHolds, or found at read time)
//	                         └─ Cancel (applicant), StaffCancel ─▶ cancelled
//
// A slot is free, held (awaiting_cosign) or booked (confirmed); it is
// derived from the booking that holds it at the moment of reading, so a
// hold past its deadline never blocks a slot even before ExpireHolds runs.
// Every move out of awaiting_cosign or confirmed frees the slot in the same
// transaction. HoldUntil is Book's time plus HoldFor (24 h), at the latest
// the meeting's start.
//
// A change later than FeeWindow (48 h) before the meeting of a confirmed
// booking costs Fee (200 SEK): CancelTerms and RebookTerms say so first, and
// Cancel and Rebook refuse with ErrFeeNotAccepted unless acceptFee is true.
//
// # Mail
//
// Every change that must tell someone writes its mails to an outbox bucket
// in the same transaction (the invitation with its link; a receipt to the
// applicant; the confirmation, containing ConfirmationPhrase, to both; the
// release after a decline, an expiry or the same person signing twice;
// cancellation and rebooking receipts). DeliverMail sends them and deletes
// each only after the Mailer accepted it, with backoff on failure. Mails are
// plain text, Swedish first and then English, and never contain a
// personnummer. The invitation token is stored in clear only inside its
// mail job until that mail is sent; otherwise only its SHA-256 is kept.
//
// # Privacy
//
// Staff see nothing of a booking until both have signed (DOMAIN.md §6). The
// personnummer index is an HMAC-SHA256 under Options.Secret; the clear
// numbers are in the booking record only. Logs carry booking and slot ids,
// states and counts, never names, addresses, e-mail addresses, numbers or
// tokens, and the types holding personal data print as placeholders.
// Errors a citizen may see are *Error or FieldErrors, with Swedish and
// English texts that never repeat what was typed.
//
// Purge deletes each booking entirely RetainFor (30 days) after its
// meeting, cancellation or release, with its index entries, token, fees and
// unsent mail, and then overwrites the free pages of the bbolt file so that
// the deleted bytes do not linger on disk. What remains are the anonymous
// counts per month, form and outcome (Counts).
package booking
