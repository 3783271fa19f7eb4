// Package interest is the store of interest registrations
// (intresseanmälningar): to become a foster home, jourhem, contact person or
// contact family, and to join the ABC and Komet parenting programmes. A
// Form (package foster, package programme) says what is asked and checked;
// this package keeps the registrations, sealed per receiving unit (a
// municipality, a city district), with their status, retention, drafts,
// withdrawal, consent withdrawal, contact corrections, the confirmation
// mail, the units' notifications and the audit trail, and serves the citizens' and staff's routes.
//
// # Privacy invariants
//
//   - What a citizen writes, who they are (personnummer, e-ID name,
//     protected identity) and the consent text they gave exist in clear
//     only in memory while a record is sealed. At rest each record is an
//     HPKE envelope (consent.Seal, reference = the record id) to the
//     public keys of its unit's readers alone: a registration naming three
//     municipalities becomes three records, each readable by one
//     municipality. Contact corrections are sealed the same way (reference
//     id + "/correction/" + N). The server holds no private key, so an
//     operator with the data directory, the binary and the secret cannot
//     read a registration; the staff's browser opens it with the unit's
//     private key (/intake/hpke.js).
//   - In clear on disk there is only metadata: id, kind, unit, label,
//     status, times, consent version and times, and keyed hashes
//     (HMAC-SHA256 under Options.Secret) of the person ("person|"+pn, for
//     Mine) and of the register-once key (kind|unit|label|pn). A hash hides
//     the number from anyone without the secret; with the secret, whoever
//     tries every possible personnummer can learn who registered where
//     (never what they wrote), so the secret is kept apart from the data
//     directory and its backups.
//   - Drafts are what Form.Draft keeps of the answers, which never includes
//     health answers (art. 9 data). They are AES-256-GCM under a key derived
//     from the secret, bound to kind and person, and deleted DraftFor
//     (30 days) after the last save, or when the form is submitted. The
//     server must read them back, so, unlike records, the secret opens them.
//   - The confirmation mail (Form.Mail) is queued in the transaction that
//     stores the records and is the only place an e-mail address is kept in
//     clear. It is deleted once the Mailer accepted it (or its records were
//     withdrawn, or after MailGiveUpAfter undelivered), and the freed pages
//     of the file are overwritten, as Purge does after deleting records.
//     So a later status change is not mailed (the server no longer has
//     the address): the citizen follows it on Mina sidor, which the
//     confirmation links to. A unit's shared mailbox (Unit.Notify) is
//     told each new record's id and nothing else.
//   - Logs carry ids, kinds, units, statuses, counts and staff usernames,
//     never a personnummer, name, contact detail or answer. The audit trail
//     (package audit, in the same transaction as each change) names the
//     actor (a staff username, "citizen" or "retention"), the action and
//     the record id. An id typed that is not one is audited as "malformed",
//     so nothing a person typed reaches it.
//   - A citizen sees the metadata of their own records only (Mine); another
//     person's id answers ErrNotFound like an unknown one. Staff see the
//     records of the units their roles name (RolePrefix+":"+unit) and no
//     other; refusals are audited.
//
// # Retention
//
// A record is kept while its status's RetainFor runs from StatusAt (when it
// entered the status), then Purge deletes it (audited "interest_purged").
// The citizen may withdraw it (deleted at once) while the status is
// Erasable; otherwise KeepError says why not in plain words. Withdrawing
// the consent deletes an erasable record; otherwise it is marked, staff see
// it, and the record stays until its retention ends.
//
// # Concurrency
//
// Store is safe for concurrent use. Every change is one bbolt write
// transaction that also appends its audit entries and queues its mail, so
// bbolt's single writer orders them: of many concurrent submissions by one
// person to one unit, exactly one is stored (register once). Sealing
// happens inside that transaction (a fraction of a millisecond per key).
// DeliverMail and the scrubbing of free pages run one at a time each.
package interest
