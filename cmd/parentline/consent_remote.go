package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"parentline/chat"
	"parentline/consent"
	"parentline/internal/sealbox"
	"parentline/staff"
)

// On a cluster, cases are sealed where the intake keys and the case store
// are: on the store node. A chat node hands a parent's accepted consent to
// the store node's /internal/consent, encrypted and authenticated with a
// key derived from the cluster key, and gets the reference and withdrawal
// code back the same way. Nothing the parent gives passes through Redis,
// and nothing on the wire is readable without the cluster key. A request
// is accepted once, within a minute of being made.

const (
	internalConsentPath = "/internal/consent"
	consentWindow       = time.Minute // how old a request may be
	maxConsentBody      = 64 << 10
	adConsentRequest    = "parentline consent request v1"
	adConsentReply      = "parentline consent reply v1 "
)

// internalBox seals and opens the messages between nodes, under a key
// derived from the cluster key.
type internalBox struct {
	box       *sealbox.Box
	clientKey []byte // keys the hash of a login's client network
}

func newInternalBox(clusterKey []byte) (*internalBox, error) {
	k := sha256.Sum256(append([]byte("parentline internal v1\x00"), clusterKey...))
	box, err := sealbox.New(k[:])
	if err != nil {
		return nil, err
	}
	ck := sha256.Sum256(append([]byte("parentline login client v1\x00"), clusterKey...))
	return &internalBox{box: box, clientKey: ck[:]}, nil
}

func (b *internalBox) seal(plain []byte, ad string) []byte { return b.box.Seal(plain, []byte(ad)) }

func (b *internalBox) open(sealed []byte, ad string) ([]byte, error) {
	return b.box.Open(sealed, []byte(ad))
}

type (
	consentCall struct {
		ID    string            `json:"id"`
		At    int64             `json:"at"` // unix ms
		Given chat.ConsentGiven `json:"given"`
	}
	consentReply struct {
		Reference string `json:"reference,omitempty"`
		Code      string `json:"code,omitempty"`
		Error     string `json:"error,omitempty"` // fit to show to the parent
	}
)

// notSaved is the parent's message when the store node cannot be reached.
func notSaved(lang string) error {
	if lang == "en" {
		return userError("Your answer could not be saved right now. Please try again in a moment.")
	}
	return userError("Ditt svar kunde inte sparas just nu. Försök igen om en stund.")
}

// remoteEscalator is a chat node's consent path: the texts from this
// node's configuration (every node has the same), the sealing on the store
// node.
type remoteEscalator struct {
	rdb     *redis.Client
	box     *internalBox
	client  *http.Client
	log     zerolog.Logger
	unit    string
	days    int
	canSeal func() bool // the store node's last word on pl:seal
}

func newRemoteEscalator(rdb *redis.Client, box *internalBox, log zerolog.Logger, unit string, days int, canSeal func() bool) *remoteEscalator {
	return &remoteEscalator{rdb: rdb, box: box, log: log, unit: unit, days: days, canSeal: canSeal, client: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext},
	}}
}

// CanSeal is chat.SealChecker: whether the store node says it can seal.
func (e *remoteEscalator) CanSeal() bool { return e.canSeal == nil || e.canSeal() }

func (e *remoteEscalator) ConsentRequest(lang string) chat.ConsentRequest {
	text, version := consent.ConsentText(lang, e.unit, e.days)
	return chat.ConsentRequest{Text: text, Version: version, SharedWith: e.unit, RetentionDays: e.days}
}

func (e *remoteEscalator) Consent(g chat.ConsentGiven) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	reply, err := e.call(ctx, g)
	if err != nil {
		e.log.Warn().Err(err).Msg("handing a consent to the store node")
		return "", "", notSaved(g.Lang)
	}
	if reply.Error != "" {
		return "", "", userError(reply.Error)
	}
	return reply.Reference, reply.Code, nil
}

func (e *remoteEscalator) call(ctx context.Context, g chat.ConsentGiven) (consentReply, error) {
	addr, err := e.rdb.Get(ctx, storeKey).Result()
	if err != nil {
		return consentReply{}, fmt.Errorf("reading the store node's address: %w", err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	call := consentCall{ID: fmt.Sprintf("%x", id), At: time.Now().UnixMilli(), Given: g}
	plain, err := json.Marshal(call)
	if err != nil {
		return consentReply{}, err
	}
	body := e.box.seal(plain, adConsentRequest)
	clear(plain)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+internalConsentPath, bytes.NewReader(body))
	if err != nil {
		return consentReply{}, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := e.client.Do(req)
	if err != nil {
		return consentReply{}, err
	}
	defer res.Body.Close()
	sealed, err := io.ReadAll(io.LimitReader(res.Body, maxConsentBody))
	if err != nil {
		return consentReply{}, err
	}
	if res.StatusCode != http.StatusOK {
		return consentReply{}, fmt.Errorf("the store node answered %s", res.Status)
	}
	plain, err = e.box.open(sealed, adConsentReply+call.ID)
	if err != nil {
		return consentReply{}, fmt.Errorf("opening the store node's reply: %w", err)
	}
	var reply consentReply
	if err := json.Unmarshal(plain, &reply); err != nil {
		return consentReply{}, fmt.Errorf("reading the store node's reply: %w", err)
	}
	return reply, nil
}

// consentIntake is the store node's /internal/consent.
type consentIntake struct {
	box  *internalBox
	esc  chat.Escalator // nil: no intake key, nothing can be sealed
	log  zerolog.Logger
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time // request ids within the window
}

func (h *consentIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sealed, err := io.ReadAll(io.LimitReader(r.Body, maxConsentBody+1))
	if err != nil || len(sealed) > maxConsentBody {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	plain, err := h.box.open(sealed, adConsentRequest)
	if err != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var call consentCall
	err = json.Unmarshal(plain, &call)
	clear(plain)
	if err != nil || call.ID == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	now := h.now()
	if d := now.Sub(time.UnixMilli(call.At)); d > consentWindow || d < -consentWindow || !h.first(call.ID, now) {
		h.log.Warn().Msg("refused a stale or repeated consent hand-over")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var reply consentReply
	if h.esc == nil {
		reply.Error = consent.UserMessage(consent.ErrNoRecipients, call.Given.Lang)
	} else if ref, code, err := h.esc.Consent(call.Given); err != nil {
		reply.Error = err.Error()
	} else {
		reply.Reference, reply.Code = ref, code
	}
	out, _ := json.Marshal(reply)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(h.box.seal(out, adConsentReply+call.ID))
}

// first records a request id and reports whether it is new.
func (h *consentIntake) first(id string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, at := range h.seen {
		if now.Sub(at) > 2*consentWindow {
			delete(h.seen, k)
		}
	}
	if _, ok := h.seen[id]; ok {
		return false
	}
	h.seen[id] = now
	return true
}

// The login throttle counts attempts per client. A chat node passes a
// login on to the store node, which would see every client of that chat
// node as one; so the chat node adds clientHeader: a keyed hash of the
// client's network (staff.ClientNetwork), the same on every node, sealed
// with the time. The address itself does not leave the chat node.
const (
	clientHeader = "X-Parentline-Client"
	adClient     = "parentline login client v1"
	clientWindow = time.Minute
)

// clientToken is clientHeader's value for a client at remoteAddr.
func (b *internalBox) clientToken(remoteAddr string, now time.Time) string {
	m := hmac.New(sha256.New, b.clientKey)
	m.Write([]byte(staff.ClientNetwork(remoteAddr)))
	return b.sealStamped(fmt.Sprintf("%x", m.Sum(nil)), adClient, now)
}

// loginClient is the store node's staff.AuthOptions.Client: the client a
// chat node named, or else the request's own address.
func (b *internalBox) loginClient(r *http.Request) string {
	if hash, ok := b.openStamped(r.Header.Get(clientHeader), adClient, clientWindow, time.Now()); ok {
		return "node-client-" + hash // no colon: staff.ClientNetwork takes it as it is
	}
	return r.RemoteAddr // a forged or stale header counts as the sender itself
}

// sealStamped seals payload (which holds no "|") with the time under ad, as
// a header value one node hands another.
func (b *internalBox) sealStamped(payload, ad string, now time.Time) string {
	plain := fmt.Sprintf("%s|%d", payload, now.UnixMilli())
	return base64.RawURLEncoding.EncodeToString(b.seal([]byte(plain), ad))
}

// openStamped opens a sealStamped value made under ad within window of
// now; ok is false for an empty, forged, stale or malformed one.
func (b *internalBox) openStamped(v, ad string, window time.Duration, now time.Time) (payload string, ok bool) {
	if v == "" {
		return "", false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return "", false
	}
	plain, err := b.open(sealed, ad)
	if err != nil {
		return "", false
	}
	payload, at, _ := strings.Cut(string(plain), "|")
	ms, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return "", false
	}
	if d := now.Sub(time.UnixMilli(ms)); d >= window || d <= -window {
		return "", false
	}
	return payload, true
}
