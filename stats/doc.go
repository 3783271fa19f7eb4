// Package stats keeps the de-identified tallies that closed chats leave behind,
// and the topic list they are keyed by.
//
// Privacy invariant: a closed chat leaves exactly one increment of a counter
// keyed by (day in Europe/Stockholm, audience, topic) per chosen topic. No chat
// or session id, no time finer than the day, no text and no counsellor is ever
// stored or logged here.
//
// Concurrency: Tallies has one writer goroutine that commits everything
// pending in one bbolt transaction (group commit), so Add never waits for the
// disk. Topics keeps an in-memory copy under an RWMutex; writes go to bbolt
// first and then to memory, under the same lock.
package stats
