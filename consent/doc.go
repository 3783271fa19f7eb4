// Package consent is the path for concern about a child: consented
// escalations and mandatory reports (orosanmälan) become cases sealed to the
// social-services intake, with withdrawal, retention and an audit trail.
//
// # Privacy invariants
//
//   - A case's content (the parent's details, the counsellor's summary, the
//     consent record, a report's text) exists in clear only in memory while it
//     is sealed. At rest it is an HPKE envelope (RFC 9180, P-256) to the intake
//     staff's public keys. The server never holds a private key: Service and
//     Store only have public keys, so an operator with the data directory and
//     the binary cannot read a case. Opening happens on the reader's side
//     (Open, used by the CLI; the intake page does the same with WebCrypto).
//   - The clear metadata of a case is its reference, kind, status, times,
//     retention date, the staff username who raised it, and the keyed hash of
//     the withdrawal code. The withdrawal code itself is shown once and never
//     stored.
//   - Report drafts awaiting a supervisor live in memory only, and are lost
//     on restart (see reports.go).
//   - Logs and the audit trail carry references, ids and actions, never
//     content, names, contacts, personnummer or codes. Details, Report and
//     personnummer.Number print as placeholders to keep it that way.
//   - Withdrawal answers "not found" alike for an unknown reference, a wrong
//     code, a replay and a locked reference; codes are compared in constant
//     time and throttled per reference.
//
// # Concurrency
//
// Service is safe for concurrent use. Every change to a case is one bbolt
// write transaction that also appends its audit entry and, on creation,
// counts the escalation, so bbolt's single writer orders them and a change
// is never stored without its entry. Sealing happens inside that
// transaction (milliseconds). Report drafts and the withdrawal throttle are
// maps under their own mutexes. Callbacks (Notify, OnStatus,
// OnReportDecided) run after the commit, on the caller's goroutine, with no
// lock held.
package consent
