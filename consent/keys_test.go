package consent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeys_WriteAndLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id := KeyID(priv.PublicKey())
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("KeyID = %q", id)
	}
	privPath, pubPath, err := WriteKeyPair(dir, priv)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(privPath) != "intake-"+id+".jwk" || filepath.Base(pubPath) != "intake-"+id+".pub.pem" {
		t.Fatalf("paths %s %s", privPath, pubPath)
	}
	st, err := os.Stat(privPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode = %v, %v; want 0600", st.Mode(), err)
	}

	// The JWK has exactly what WebCrypto needs.
	raw, _ := os.ReadFile(privPath)
	var j map[string]any
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"kty", "crv", "x", "y", "d", "kid", "key_ops"} {
		if _, ok := j[f]; !ok {
			t.Errorf("JWK lacks %q", f)
		}
	}
	if j["kty"] != "EC" || j["crv"] != "P-256" || j["kid"] != id {
		t.Errorf("JWK = %v", j)
	}
	if ops, _ := j["key_ops"].([]any); len(ops) != 1 || ops[0] != "deriveBits" {
		t.Errorf("key_ops = %v", j["key_ops"])
	}
	if d := j["d"].(string); len(d) != 43 || strings.ContainsAny(d, "+/=") {
		t.Errorf("d is not 32 bytes of unpadded base64url: %q", d)
	}

	gotPriv, err := LoadPrivateKey(privPath)
	if err != nil || !gotPriv.Equal(priv) {
		t.Fatalf("LoadPrivateKey = %v", err)
	}
	gotPub, err := LoadPublicKey(pubPath)
	if err != nil || !gotPub.Equal(priv.PublicKey()) {
		t.Fatalf("LoadPublicKey(pem) = %v", err)
	}
	pem, _ := os.ReadFile(pubPath)
	if !strings.HasPrefix(string(pem), "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key file:\n%s", pem)
	}

	// A public JWK (no "d") loads as a public key; a private one is refused.
	delete(j, "d")
	pubJWK, _ := json.Marshal(j)
	pubJWKPath := filepath.Join(dir, "pub.jwk")
	os.WriteFile(pubJWKPath, pubJWK, 0o644)
	if got, err := LoadPublicKey(pubJWKPath); err != nil || !got.Equal(priv.PublicKey()) {
		t.Fatalf("LoadPublicKey(jwk) = %v", err)
	}
	if _, err := LoadPublicKey(privPath); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("LoadPublicKey(private jwk) = %v, want a refusal", err)
	}
	if _, err := LoadPrivateKey(pubPath); err == nil {
		t.Fatal("LoadPrivateKey(pem) worked")
	}
	if _, err := LoadPrivateKey(pubJWKPath); err == nil {
		t.Fatal("LoadPrivateKey of a JWK without d worked")
	}

	// Never overwrite a key.
	if _, _, err := WriteKeyPair(dir, priv); err == nil {
		t.Fatal("WriteKeyPair overwrote an existing key")
	}
}

func TestKeys_Invalid(t *testing.T) {
	other, _ := GenerateKey()
	priv, _ := GenerateKey()
	jwkOf := func(d, x string) []byte {
		b, _ := json.Marshal(map[string]any{"kty": "EC", "crv": "P-256", "d": d, "x": x, "y": "AAAA"})
		return b
	}
	for name, data := range map[string][]byte{
		"not json":     []byte("{nope"),
		"wrong curve":  []byte(`{"kty":"EC","crv":"P-384","x":"","y":"","d":""}`),
		"rsa":          []byte(`{"kty":"RSA"}`),
		"short d":      jwkOf("AAAA", "AAAA"),
		"empty":        nil,
		"bad point":    []byte(`{"kty":"EC","crv":"P-256","x":"` + strings.Repeat("A", 43) + `","y":"` + strings.Repeat("A", 43) + `","d":"` + b64url.EncodeToString(priv.Bytes()) + `"}`),
		"mixed halves": mixedJWK(priv.Bytes(), other.PublicKey().Bytes()),
	} {
		if _, err := ParsePrivateKey(data); err == nil {
			t.Errorf("%s: ParsePrivateKey worked", name)
		}
	}
	for name, data := range map[string]string{
		"garbage":     "hello",
		"private pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"bad der":     "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	} {
		if _, err := ParsePublicKey([]byte(data)); err == nil {
			t.Errorf("%s: ParsePublicKey worked", name)
		}
	}
}

// mixedJWK is a JWK whose d and public point belong to different keys.
func mixedJWK(d, point []byte) []byte {
	b, _ := json.Marshal(map[string]any{"kty": "EC", "crv": "P-256", "d": b64url.EncodeToString(d),
		"x": b64url.EncodeToString(point[1:33]), "y": b64url.EncodeToString(point[33:])})
	return b
}
