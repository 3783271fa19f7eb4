// Package schedule keeps the chat's opening hours and closed days that
// supervisors and admins set on /admin/, in bbolt, and serves them; until
// someone saves, the --hours flag holds.
//
// The setting is one JSON value in bucket "schedule". Set writes it and its
// audit entry in one transaction and only then makes the new hours current,
// so Hours, which the chat asks on every status request, is a cheap atomic
// read that always matches what is committed. Nothing a parent wrote is
// stored here; the log names only the staff member who changed the hours.
package schedule
