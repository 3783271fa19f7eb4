package main

import (
	"net/http"
	"net/netip"
	"time"

	"parentline/eid"
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
	return b.sealStamped(ap.Addr().Unmap().WithZone("").String(), adEndUser, now)
}

// endUserIP is the store node's eid.Options.ClientIP: the address a chat
// node sealed into the request, or else the request's own address. A
// forged, stale or unreadable header counts as absent.
func (b *internalBox) endUserIP(r *http.Request) string {
	if ip, ok := b.openStamped(r.Header.Get(endUserHeader), adEndUser, endUserWindow, time.Now()); ok {
		if addr, err := netip.ParseAddr(ip); err == nil {
			return addr.String()
		}
	}
	return eid.RemoteIP(r)
}
