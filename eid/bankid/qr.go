package bankid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"

	"parentline/eid"
)

// QRData is the content of the animated QR code at the given whole second
// since the order was started:
//
//	"bankid." + qrStartToken + "." + seconds + "." + hex(HMAC-SHA256(qrStartSecret, seconds))
//
// with seconds in decimal and the HMAC in lowercase hex. Compute it on the
// server and send only the result to the browser, never the secret.
// A negative seconds counts as 0.
func QRData(qrStartToken, qrStartSecret string, seconds int) string {
	if seconds < 0 {
		seconds = 0
	}
	t := strconv.Itoa(seconds)
	mac := hmac.New(sha256.New, []byte(qrStartSecret))
	mac.Write([]byte(t))
	return "bankid." + qrStartToken + "." + t + "." + hex.EncodeToString(mac.Sum(nil))
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
