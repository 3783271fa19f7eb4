package eid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	// rsc.io/qr is Russ Cox's small QR encoder (BSD, no dependencies of its
	// own): a QR encoder is Reed–Solomon codes, version tables, masks and
	// format bits, easy to get subtly wrong, and writing our own would be
	// worse than using this one.
	"rsc.io/qr"
)

// qrQuietZone is the blank border around a QR code, in modules (the
// standard asks for 4).
const qrQuietZone = 4

// QRSVG encodes data as a QR code (error correction level M) and returns
// it as an SVG image: black modules on white, with the quiet zone, scaling
// to any size (no width or height of its own).
func QRSVG(data string) ([]byte, error) {
	code, err := qr.Encode(data, qr.M)
	if err != nil {
		return nil, err
	}
	n := code.Size + 2*qrQuietZone
	var b strings.Builder
	b.Grow(64 * code.Size)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(n) + " " + strconv.Itoa(n))
	b.WriteString(`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	// One rectangle per horizontal run of black modules.
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < code.Size && code.Black(x, y) {
				x++
			}
			b.WriteString("M" + strconv.Itoa(start+qrQuietZone) + " " + strconv.Itoa(y+qrQuietZone) +
				"h" + strconv.Itoa(x-start) + "v1h-" + strconv.Itoa(x-start) + "z")
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

// qrSecond is the whole seconds since the order started, the t of BankID's
// animated QR code.
func qrSecond(s Started, now time.Time) int64 {
	t := int64(now.Sub(s.At) / time.Second)
	return max(t, 0)
}

// fallbackQRData is QRData for a started order at now, used when
// Options.QRData is not set.
func fallbackQRData(s Started, now time.Time) string {
	return QRData(s.QRStartToken, s.QRStartSecret, int(qrSecond(s, now)))
}

// QRData is the content of BankID's animated QR code at the given whole
// second since the order was started:
//
//	"bankid." + qrStartToken + "." + seconds + "." + hex(HMAC-SHA256(qrStartSecret, seconds))
//
// with seconds in decimal and the HMAC in lowercase hex. Compute it on the
// server and send only the result to the browser, never the secret. A
// negative seconds counts as 0.
func QRData(qrStartToken, qrStartSecret string, seconds int) string {
	t := strconv.Itoa(max(seconds, 0))
	mac := hmac.New(sha256.New, []byte(qrStartSecret))
	mac.Write([]byte(t))
	return "bankid." + qrStartToken + "." + t + "." + hex.EncodeToString(mac.Sum(nil))
}
