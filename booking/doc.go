// Package booking is the family-counselling booking e-service: counselling
// slots, bookings signed by both partners with e-ID, and their retention.
//
// Privacy invariant: personal data in a booking is deleted 30 days after the
// meeting, cancellation or release.
package booking
