package bankid

import (
	"net/url"
	"time"

	"parentline/eid"
)

// QRData is the content of the animated QR code at the given whole second
// since the order was started (eid.QRData, BankID's algorithm).
func QRData(qrStartToken, qrStartSecret string, seconds int) string {
	return eid.QRData(qrStartToken, qrStartSecret, seconds)
}

// QRAt is QRData for a started order at time now: the seconds are the whole
// seconds since s.At (the time the start answer was received), 0 before it.
func QRAt(s eid.Started, now time.Time) string {
	d := now.Sub(s.At)
	if d < 0 {
		d = 0
	}
	return QRData(s.QRStartToken, s.QRStartSecret, int(d/time.Second))
}

// AutoStartURL is the link that starts the BankID app on the same device:
// bankid:///?autostarttoken=<token>&redirect=<redirect>, with the redirect
// URL-escaped, or the literal null when there is none (the app then returns
// to where it was started from on most platforms).
func AutoStartURL(token, redirect string) string {
	r := "null"
	if redirect != "" {
		r = url.QueryEscape(redirect)
	}
	return "bankid:///?autostarttoken=" + url.QueryEscape(token) + "&redirect=" + r
}
