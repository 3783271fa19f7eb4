// Package hours holds the opening hours of the chat, in Europe/Stockholm
// wall-clock time: the --hours spec or the weekly spans an editor sets
// (FromSpans), the whole days it is closed although the week says open
// (WithClosures: public holidays), Open, NextOpen and the spans and upcoming
// closed days of /api/status.
//
// Hours are wall-clock times: "sun 02:00-03:00" never opens on the day clocks
// go forward and is open for two real hours on the day they go back. A closed
// day is a calendar day in Stockholm, 23 or 25 hours long on the days the
// clocks change. The time zone database is embedded (time/tzdata), so no
// zoneinfo is needed on the host. An Hours value is immutable and safe for
// concurrent use. Nothing here does I/O.
package hours
