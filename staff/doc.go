// Package staff holds staff accounts, roles, password hashing, sessions and
// login throttling, with the HTTP handlers and middleware that use them.
//
// Privacy invariants:
//
//   - A password is never logged or stored; only its argon2id hash is kept.
//   - A session token is never stored; sessions are keyed by SHA-256(token),
//     in bbolt on a node of its own and in Redis in a cluster (RedisSessions,
//     which also keeps the user's display name and roles, for chat nodes that
//     cannot read the accounts, and is kept in step with every change to them).
//   - A client's IP address and user agent are never logged or stored. The
//     login throttle keys clients by an HMAC of the address under a secret
//     that lives only in memory and is replaced every 24 hours.
//   - Logs name staff by their username only, and only usernames that exist:
//     a failed login for an unknown name does not log the name (it may be a
//     password typed into the wrong field).
//   - Parents only ever see a staff member's display name, never the login.
package staff
