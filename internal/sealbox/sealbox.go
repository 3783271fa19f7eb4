// Package sealbox is authenticated encryption with a 32-byte key: AES-256-GCM
// with a random nonce, written as nonce || ciphertext, bound to associated data.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a key in bytes.
const KeySize = 32

// ErrOpen is the one error for a sealed value that does not open: altered,
// too short, sealed under another key or for other associated data.
var ErrOpen = errors.New("sealbox: the value does not open with this key")

// Box seals and opens with one key. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// New returns a Box for key, which must be KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sealbox: the key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain bound to ad, as nonce || ciphertext.
func (b *Box) Seal(plain, ad []byte) []byte {
	out := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	rand.Read(out) // crypto/rand.Read never fails (Go ≥ 1.24)
	return b.aead.Seal(out, out, plain, ad)
}

// Open reverses Seal; any failure is ErrOpen.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
