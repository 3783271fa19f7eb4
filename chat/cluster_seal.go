package chat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealer encrypts what a cluster keeps of a chat's content in Redis (the
// log, the parent's first line, frames in flight between nodes) with the
// cluster key, which every node has and Redis never sees: neither Redis's
// memory nor its append-only file holds chat text in the clear, and what
// lingers there after a chat ends is ciphertext.
type sealer struct{ aead cipher.AEAD }

// ClusterKeySize is the length of a cluster key in bytes.
const ClusterKeySize = 32

func newSealer(key []byte) (*sealer, error) {
	if len(key) != ClusterKeySize {
		return nil, fmt.Errorf("chat: the cluster key must be %d bytes, not %d", ClusterKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("chat: cluster key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("chat: cluster key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain, bound to ad (a chat id or a recipient), as
// nonce || ciphertext. Empty stays empty.
func (s *sealer) seal(ad string, plain []byte) string {
	if len(plain) == 0 {
		return ""
	}
	out := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(out) // crypto/rand.Read never fails (Go ≥ 1.24)
	return string(s.aead.Seal(out, out, plain, []byte(ad)))
}

var errUnsealed = errors.New("chat: a sealed value does not open with this cluster key")

// open reverses seal.
func (s *sealer) open(ad, sealed string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnsealed
	}
	b := []byte(sealed)
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(ad))
	if err != nil {
		return nil, errUnsealed
	}
	return plain, nil
}

// openString is open for text fields; a value that does not open reads as
// empty (and is logged by the caller's caller only as a count, never shown).
func (s *sealer) openString(ad, sealed string) string {
	b, err := s.open(ad, sealed)
	if err != nil {
		return ""
	}
	return string(b)
}
