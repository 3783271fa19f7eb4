// Package canned keeps the canned answers counsellors insert into a chat, in
// bbolt, edited by supervisors and admins over a small JSON API.
//
// Canned answers are staff-written texts; nothing a parent wrote is ever
// stored here. Every method reads or writes bbolt directly, so a Store is safe
// for concurrent use and always shows the committed state.
package canned
