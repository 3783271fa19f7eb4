package main

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// BankID wants the citizen's own IP address with every order (endUserIp):
// it compares it with the address of the device that scans the QR code or
// opens the app, and refuses or flags an order that looks relayed. In a
// cluster the store node starts the orders, but the citizen's connection
// ends at a chat node, so the store node would name the chat node instead.
//
// So, on the few routes that start an e-ID order, the chat node adds
// endUserHeader: the citizen's address and the time, sealed under the
// cluster key. The store node opens it, hands the address to the e-ID
// service for that one order, and keeps and logs nothing of it. On every
// other route no client address leaves a chat node (see clientHeaders).
const (
	endUserHeader = "X-Parentline-End-User"
	adEndUser     = "parentline end user v1"
	endUserWindow = time.Minute
)

// endUserRoutes are the proxied routes (all POST) that start an e-ID
// order: the login, the applicant's signature and the co-applicant's.
var endUserRoutes = map[string]bool{
	"/api/eid/orders":              true,
	"/api/booking/sign":            true,
	"/api/booking/invitation/sign": true,
}

// endUserToken is endUserHeader's value for a client at remoteAddr
// (host:port as net/http gives it), or "" when that is not an IP address.
func (b *internalBox) endUserToken(remoteAddr string, now time.Time) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return ""
	}
	plain := fmt.Sprintf("%s|%d", ap.Addr().Unmap().WithZone(""), now.UnixMilli())
	return base64.RawURLEncoding.EncodeToString(b.seal([]byte(plain), adEndUser))
}

// endUserIP is the store node's eid.Options.ClientIP: the address a chat
// node sealed into the request, or else the request's own address. A
// forged, stale or unreadable header counts as absent.
func (b *internalBox) endUserIP(r *http.Request) string {
	if ip, ok := b.openEndUser(r.Header.Get(endUserHeader), time.Now()); ok {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// openEndUser opens an endUserHeader value made within endUserWindow of now.
func (b *internalBox) openEndUser(v string, now time.Time) (string, bool) {
	if v == "" {
		return "", false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return "", false
	}
	plain, err := b.open(sealed, adEndUser)
	if err != nil {
		return "", false
	}
	ip, at, _ := strings.Cut(string(plain), "|")
	ms, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return "", false
	}
	if d := now.Sub(time.UnixMilli(ms)); d >= endUserWindow || d <= -endUserWindow {
		return "", false
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", false
	}
	return addr.String(), true
}
