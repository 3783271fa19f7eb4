package consent

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Intake keys are P-256 key pairs made on the reader's side (parentline
// keys new). The server is given only public keys; the private key stays
// with the intake staff, as a JWK file that the browser imports with
// WebCrypto (importKey("jwk", …, {name: "ECDH", namedCurve: "P-256"}, false,
// ["deriveBits"])) and that `parentline case open` reads.

// GenerateKey makes a new P-256 key pair for an intake reader.
func GenerateKey() (*ecdh.PrivateKey, error) {
	return ecdh.P256().GenerateKey(rand.Reader)
}

// KeyID names a public key: the first 16 hex digits of SHA-256 of its
// uncompressed point (pub.Bytes()). It is what an envelope's key_id holds.
func KeyID(pub *ecdh.PublicKey) string {
	sum := sha256.Sum256(pub.Bytes())
	return hex.EncodeToString(sum[:])[:16]
}

// jwk is an EC key in JSON Web Key form (RFC 7517/7518).
type jwk struct {
	Kty    string   `json:"kty"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	D      string   `json:"d,omitempty"`
	Kid    string   `json:"kid,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
}

var b64url = base64.RawURLEncoding

// WriteKeyPair writes priv to dir as intake-<key id>.jwk (the private key,
// mode 0600) and its public key as intake-<key id>.pub.pem (PKIX PEM). It
// creates dir (0700) if needed and never overwrites an existing file.
func WriteKeyPair(dir string, priv *ecdh.PrivateKey) (privPath, pubPath string, err error) {
	if priv == nil || priv.Curve() != ecdh.P256() {
		return "", "", errors.New("consent: intake keys must be P-256")
	}
	pub := priv.PublicKey()
	id := KeyID(pub)
	point := pub.Bytes() // 0x04 || X || Y
	k := jwk{
		Kty:    "EC",
		Crv:    "P-256",
		X:      b64url.EncodeToString(point[1:33]),
		Y:      b64url.EncodeToString(point[33:65]),
		D:      b64url.EncodeToString(priv.Bytes()),
		Kid:    id,
		KeyOps: []string{"deriveBits"},
	}
	privJSON, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("consent: encoding the public key: %w", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("consent: making the key directory: %w", err)
	}
	privPath = filepath.Join(dir, "intake-"+id+".jwk")
	pubPath = filepath.Join(dir, "intake-"+id+".pub.pem")
	if err := writeNew(privPath, append(privJSON, '\n'), 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		_ = os.Remove(privPath)
		return "", "", err
	}
	return privPath, pubPath, nil
}

// writeNew creates path with data, failing if it exists.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("consent: writing key file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("consent: writing key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("consent: writing key file: %w", err)
	}
	return f.Close()
}

// LoadPublicKey reads an intake public key from a PEM file (PKIX "PUBLIC
// KEY") or a JWK file. Given a private JWK it refuses, so that a private key
// is never handed to the server by mistake.
func LoadPublicKey(path string) (*ecdh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("consent: reading intake public key: %w", err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return pub, nil
}

// ParsePublicKey is LoadPublicKey on the file's contents.
func ParsePublicKey(data []byte) (*ecdh.PublicKey, error) {
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "{") {
		k, err := parseJWK([]byte(trimmed))
		if err != nil {
			return nil, err
		}
		if k.D != "" {
			return nil, errors.New("consent: this is a private key; give the server only the public key (the .pub.pem file)")
		}
		return jwkPublic(k)
	}
	block, _ := pem.Decode([]byte(trimmed))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("consent: not a PEM \"PUBLIC KEY\" or a JWK")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("consent: parsing the public key: %w", err)
	}
	var pub *ecdh.PublicKey
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if pub, err = k.ECDH(); err != nil {
			return nil, fmt.Errorf("consent: parsing the public key: %w", err)
		}
	case *ecdh.PublicKey:
		pub = k
	default:
		return nil, errors.New("consent: the public key is not an EC key")
	}
	if pub.Curve() != ecdh.P256() {
		return nil, errors.New("consent: the public key is not on P-256")
	}
	return pub, nil
}

// LoadPrivateKey reads an intake private key from its JWK file. It is for
// the reader's side (the CLI's case open); the server never calls it.
func LoadPrivateKey(path string) (*ecdh.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("consent: reading intake private key: %w", err)
	}
	priv, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return priv, nil
}

// ParsePrivateKey is LoadPrivateKey on the file's contents.
func ParsePrivateKey(data []byte) (*ecdh.PrivateKey, error) {
	k, err := parseJWK(data)
	if err != nil {
		return nil, err
	}
	if k.D == "" {
		return nil, errors.New("consent: the JWK has no private part (\"d\")")
	}
	d, err := b64url.DecodeString(k.D)
	if err != nil || len(d) != 32 {
		return nil, errors.New("consent: the JWK's \"d\" is not a P-256 private key")
	}
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("consent: the JWK's \"d\" is not a P-256 private key: %w", err)
	}
	pub, err := jwkPublic(k)
	if err != nil {
		return nil, err
	}
	if !pub.Equal(priv.PublicKey()) {
		return nil, errors.New("consent: the JWK's public point does not belong to its private key")
	}
	return priv, nil
}

func parseJWK(data []byte) (jwk, error) {
	var k jwk
	if err := json.Unmarshal(data, &k); err != nil {
		return jwk{}, errors.New("consent: not a valid JWK (JSON)")
	}
	if k.Kty != "EC" || k.Crv != "P-256" {
		return jwk{}, errors.New("consent: the JWK is not an EC P-256 key")
	}
	return k, nil
}

func jwkPublic(k jwk) (*ecdh.PublicKey, error) {
	x, errX := b64url.DecodeString(k.X)
	y, errY := b64url.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("consent: the JWK's \"x\" and \"y\" are not a P-256 point")
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdh.P256().NewPublicKey(point)
	if err != nil {
		return nil, fmt.Errorf("consent: the JWK's point is not on P-256: %w", err)
	}
	return pub, nil
}
