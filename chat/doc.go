// Package chat is the live heart of Parentline: the queue of anonymous parents,
// pairing with counsellors, message routing, resume after a drop, and the two
// WebSocket endpoints (/ws/parent and /ws/counselor).
//
// Privacy invariants: a parent is only a random session id, a random resume
// token and a random pseudonym, all held in memory. Chat text lives in memory
// for the life of the chat and is dropped when it ends. Nothing here writes to
// disk or logs a message text, session id, token, IP address or user agent;
// the one thing a closed chat leaves is a tally increment per chosen topic,
// handed to the Tallier.
//
// Concurrency: one mutex (Hub.mu) guards all hub state. Every socket has a
// reader goroutine that turns frames into hub calls, and a writer goroutine fed
// by a bounded channel; the hub never blocks on a socket: a peer whose channel
// is full is disconnected (and may resume). Queue-position and console updates
// are coalesced and sent at most every FlushDelay.
package chat
