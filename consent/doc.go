// Package consent is the escalation path for concern about a child
// (orosanmälan, ConcernReport): consent records, cases encrypted to the
// intake staff's public keys, and their audit trail.
//
// Privacy invariant: the server never holds a key that can read a case.
package consent
