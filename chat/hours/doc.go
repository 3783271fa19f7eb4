// Package hours holds the opening hours of the chat, in Europe/Stockholm
// wall-clock time: the --hours spec, Open, NextOpen and the spans of /api/status.
//
// Hours are wall-clock times: "sun 02:00-03:00" never opens on the day clocks
// go forward and is open for two real hours on the day they go back. The time
// zone database is embedded (time/tzdata), so no zoneinfo is needed on the host.
// An Hours value is immutable and safe for concurrent use.
package hours
