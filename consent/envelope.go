package consent

import (
	"crypto/ecdh"
	"crypto/hpke"
	"encoding/base64"
	"errors"
	"fmt"
)

// Suite names the one HPKE suite envelopes use: RFC 9180 base mode,
// DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. A browser opens it
// with WebCrypto's ECDH, HKDF (or HMAC) and AES-GCM.
const Suite = "HPKE-P256-SHA256-AES128GCM"

// EnvelopeVersion is the envelope format version.
const EnvelopeVersion = 1

// Envelope is a case's content sealed separately to each intake key. See
// docs/protocol.md.
type Envelope struct {
	Version    int      `json:"version"`
	Suite      string   `json:"suite"`
	Recipients []Sealed `json:"recipients"`
}

// Sealed is the content sealed to one intake key. Enc (the encapsulated
// key) and Ciphertext are standard base64 with padding.
type Sealed struct {
	KeyID      string `json:"key_id"`
	Enc        string `json:"enc"`
	Ciphertext string `json:"ciphertext"`
}

// Envelope errors.
var (
	ErrNotRecipient = errors.New("consent: this case was not sealed to that key (no recipient with its key id)")
	ErrOpen         = errors.New("consent: the case cannot be opened with that key: it was altered, or sealed for another case")
)

// Info is the HPKE info string that binds a sealed case to its reference:
// "parentline case v1 " + reference. A ciphertext moved to another
// reference does not open.
func Info(reference string) []byte {
	return []byte("parentline case v1 " + reference)
}

// Seal encrypts plaintext to every recipient, each with a single-shot HPKE
// base-mode context (info = Info(reference), empty aad, sequence 0).
func Seal(plaintext []byte, reference string, recipients []*ecdh.PublicKey) (Envelope, error) {
	if len(recipients) == 0 {
		return Envelope{}, ErrNoRecipients
	}
	env := Envelope{Version: EnvelopeVersion, Suite: Suite, Recipients: make([]Sealed, 0, len(recipients))}
	for _, pub := range recipients {
		if pub == nil || pub.Curve() != ecdh.P256() {
			return Envelope{}, errors.New("consent: intake keys must be P-256")
		}
		pk, err := hpke.NewDHKEMPublicKey(pub)
		if err != nil {
			return Envelope{}, fmt.Errorf("consent: intake key: %w", err)
		}
		enc, sender, err := hpke.NewSender(pk, hpke.HKDFSHA256(), hpke.AES128GCM(), Info(reference))
		if err != nil {
			return Envelope{}, fmt.Errorf("consent: sealing: %w", err)
		}
		ct, err := sender.Seal(nil, plaintext)
		if err != nil {
			return Envelope{}, fmt.Errorf("consent: sealing: %w", err)
		}
		env.Recipients = append(env.Recipients, Sealed{
			KeyID:      KeyID(pub),
			Enc:        base64.StdEncoding.EncodeToString(enc),
			Ciphertext: base64.StdEncoding.EncodeToString(ct),
		})
	}
	return env, nil
}

// Open decrypts the part of env sealed to priv's public key. It runs on the
// reader's side (the CLI); the server has no private key to call it with.
func Open(env Envelope, reference string, priv *ecdh.PrivateKey) ([]byte, error) {
	if env.Version != EnvelopeVersion || env.Suite != Suite {
		return nil, fmt.Errorf("consent: unknown envelope version %d or suite %q", env.Version, env.Suite)
	}
	if priv == nil || priv.Curve() != ecdh.P256() {
		return nil, errors.New("consent: intake keys must be P-256")
	}
	id := KeyID(priv.PublicKey())
	for _, r := range env.Recipients {
		if r.KeyID != id {
			continue
		}
		enc, err1 := base64.StdEncoding.DecodeString(r.Enc)
		ct, err2 := base64.StdEncoding.DecodeString(r.Ciphertext)
		if err1 != nil || err2 != nil {
			return nil, ErrOpen
		}
		sk, err := hpke.NewDHKEMPrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("consent: intake key: %w", err)
		}
		rc, err := hpke.NewRecipient(enc, sk, hpke.HKDFSHA256(), hpke.AES128GCM(), Info(reference))
		if err != nil {
			return nil, ErrOpen
		}
		pt, err := rc.Open(nil, ct)
		if err != nil {
			return nil, ErrOpen
		}
		return pt, nil
	}
	return nil, ErrNotRecipient
}
