package chat

import (
	"errors"
	"fmt"

	"parentline/internal/sealbox"
)

// sealer encrypts what a cluster keeps of a chat's content in Redis (the
// log, the parent's first line, frames in flight between nodes) with the
// cluster key, which every node has and Redis never sees: neither Redis's
// memory nor its append-only file holds chat text in the clear, and what
// lingers there after a chat ends is ciphertext.
type sealer struct{ box *sealbox.Box }

// ClusterKeySize is the length of a cluster key in bytes.
const ClusterKeySize = sealbox.KeySize

func newSealer(key []byte) (*sealer, error) {
	box, err := sealbox.New(key)
	if err != nil {
		return nil, fmt.Errorf("chat: cluster key: %w", err)
	}
	return &sealer{box: box}, nil
}

// seal encrypts plain, bound to ad (a chat id or a recipient), as
// nonce || ciphertext. Empty stays empty.
func (s *sealer) seal(ad string, plain []byte) string {
	if len(plain) == 0 {
		return ""
	}
	return string(s.box.Seal(plain, []byte(ad)))
}

var errUnsealed = errors.New("chat: a sealed value does not open with this cluster key")

// open reverses seal.
func (s *sealer) open(ad, sealed string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	plain, err := s.box.Open([]byte(sealed), []byte(ad))
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
