package consent

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func TestEnvelope_RoundTripTwoRecipients(t *testing.T) {
	a, _ := GenerateKey()
	b, _ := GenerateKey()
	plain := []byte(`{"reference":"ORO-TEST0001","details":{"name":"Kim"}}`)
	env, err := Seal(plain, "ORO-TEST0001", []*ecdh.PublicKey{a.PublicKey(), b.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if env.Version != 1 || env.Suite != "HPKE-P256-SHA256-AES128GCM" || len(env.Recipients) != 2 {
		t.Fatalf("envelope = %+v", env)
	}
	if env.Recipients[0].KeyID != KeyID(a.PublicKey()) || env.Recipients[1].KeyID != KeyID(b.PublicKey()) {
		t.Fatal("key ids do not name the recipients")
	}
	if env.Recipients[0].Enc == env.Recipients[1].Enc {
		t.Fatal("both recipients share an encapsulated key")
	}
	for _, k := range []*ecdh.PrivateKey{a, b} {
		got, err := Open(env, "ORO-TEST0001", k)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, %v", got, err)
		}
	}

	// JSON field names are the protocol's.
	var m map[string]any
	raw, _ := jsonMarshal(env)
	if err := jsonUnmarshalAny(raw, &m); err != nil {
		t.Fatal(err)
	}
	r0 := m["recipients"].([]any)[0].(map[string]any)
	for _, f := range []string{"key_id", "enc", "ciphertext"} {
		if _, ok := r0[f]; !ok {
			t.Fatalf("recipient JSON lacks %q: %s", f, raw)
		}
	}
	if _, ok := m["version"]; !ok {
		t.Fatalf("envelope JSON lacks version: %s", raw)
	}
}

func TestEnvelope_RefusesWhatItShould(t *testing.T) {
	a, _ := GenerateKey()
	stranger, _ := GenerateKey()
	env, err := Seal([]byte("secret"), "ORO-TEST0001", []*ecdh.PublicKey{a.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(env, "ORO-TEST0001", stranger); !errors.Is(err, ErrNotRecipient) {
		t.Errorf("a stranger's key: %v, want ErrNotRecipient", err)
	}
	// A stranger pretending to be the recipient fails to decrypt.
	forged := cloneEnv(env)
	forged.Recipients[0].KeyID = KeyID(stranger.PublicKey())
	if _, err := Open(forged, "ORO-TEST0001", stranger); !errors.Is(err, ErrOpen) {
		t.Errorf("stranger with a forged key id: %v, want ErrOpen", err)
	}
	// Moved to another case.
	if _, err := Open(env, "ORO-TEST0002", a); !errors.Is(err, ErrOpen) {
		t.Errorf("other reference: %v, want ErrOpen", err)
	}
	// A flipped bit anywhere in the ciphertext or the encapsulated key.
	ct, _ := base64.StdEncoding.DecodeString(env.Recipients[0].Ciphertext)
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 1
		e := cloneEnv(env)
		e.Recipients[0].Ciphertext = base64.StdEncoding.EncodeToString(bad)
		if _, err := Open(e, "ORO-TEST0001", a); !errors.Is(err, ErrOpen) {
			t.Fatalf("ciphertext byte %d flipped: %v", i, err)
		}
	}
	enc, _ := base64.StdEncoding.DecodeString(env.Recipients[0].Enc)
	for _, i := range []int{1, 20, 64} {
		bad := bytes.Clone(enc)
		bad[i] ^= 1
		e := cloneEnv(env)
		e.Recipients[0].Enc = base64.StdEncoding.EncodeToString(bad)
		if _, err := Open(e, "ORO-TEST0001", a); err == nil {
			t.Fatalf("enc byte %d flipped: opened", i)
		}
	}
	e := cloneEnv(env)
	e.Recipients[0].Ciphertext = "not base64!"
	if _, err := Open(e, "ORO-TEST0001", a); !errors.Is(err, ErrOpen) {
		t.Errorf("bad base64: %v", err)
	}
	e = cloneEnv(env)
	e.Suite = "HPKE-X25519"
	if _, err := Open(e, "ORO-TEST0001", a); err == nil {
		t.Error("unknown suite opened")
	}
	if _, err := Seal([]byte("x"), "ORO-TEST0001", nil); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("Seal to nobody: %v", err)
	}
	x, _ := ecdh.X25519().GenerateKey(nil)
	if _, err := Seal([]byte("x"), "ORO-TEST0001", []*ecdh.PublicKey{x.PublicKey()}); err == nil {
		t.Error("Seal to an X25519 key worked")
	}
}

func cloneEnv(e Envelope) Envelope {
	e.Recipients = append([]Sealed(nil), e.Recipients...)
	return e
}

// TestEnvelope_OpensWithPlainPrimitives opens an envelope the way the
// intake page does in the browser: only ECDH, HKDF (extract and expand) and
// AES-GCM, following RFC 9180 §4.1 (DHKEM) and §5.1 (base mode key
// schedule) step by step. It proves the envelope is standard HPKE that
// WebCrypto can open, not something only Go's crypto/hpke reads.
func TestEnvelope_OpensWithPlainPrimitives(t *testing.T) {
	k, _ := GenerateKey()
	plain := []byte(`{"reference":"ORO-ABCD1234","kind":"consented"}`)
	env, err := Seal(plain, "ORO-ABCD1234", []*ecdh.PublicKey{k.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := base64.StdEncoding.DecodeString(env.Recipients[0].Enc)
	ct, _ := base64.StdEncoding.DecodeString(env.Recipients[0].Ciphertext)
	got, err := rfc9180Open(k, enc, ct, []byte("parentline case v1 ORO-ABCD1234"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("opened %q", got)
	}
}

func i2osp2(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }

func labeledExtract(suite []byte, salt []byte, label string, ikm []byte) []byte {
	in := append(append(append([]byte("HPKE-v1"), suite...), label...), ikm...)
	prk, err := hkdf.Extract(sha256.New, in, salt)
	if err != nil {
		panic(err)
	}
	return prk
}

func labeledExpand(suite []byte, prk []byte, label string, info []byte, l int) []byte {
	in := append(append(append(append(i2osp2(l), "HPKE-v1"...), suite...), label...), info...)
	out, err := hkdf.Expand(sha256.New, prk, string(in), l)
	if err != nil {
		panic(err)
	}
	return out
}

func rfc9180Open(sk *ecdh.PrivateKey, enc, ct, info []byte) ([]byte, error) {
	// DHKEM(P-256, HKDF-SHA256), kem_id 0x0010.
	kemSuite := append([]byte("KEM"), i2osp2(0x0010)...)
	pkE, err := ecdh.P256().NewPublicKey(enc)
	if err != nil {
		return nil, err
	}
	dh, err := sk.ECDH(pkE) // the x coordinate, 32 bytes: WebCrypto deriveBits(256)
	if err != nil {
		return nil, err
	}
	kemContext := append(bytes.Clone(enc), sk.PublicKey().Bytes()...)
	eaePRK := labeledExtract(kemSuite, nil, "eae_prk", dh)
	shared := labeledExpand(kemSuite, eaePRK, "shared_secret", kemContext, 32)

	// Key schedule, mode_base, HKDF-SHA256 (0x0001), AES-128-GCM (0x0001).
	suite := append(append(append([]byte("HPKE"), i2osp2(0x0010)...), i2osp2(0x0001)...), i2osp2(0x0001)...)
	pskIDHash := labeledExtract(suite, nil, "psk_id_hash", nil)
	infoHash := labeledExtract(suite, nil, "info_hash", info)
	ksContext := append(append([]byte{0x00}, pskIDHash...), infoHash...)
	secret := labeledExtract(suite, shared, "secret", nil)
	key := labeledExpand(suite, secret, "key", ksContext, 16)
	nonce := labeledExpand(suite, secret, "base_nonce", ksContext, 12) // sequence 0

	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, nonce, ct, nil)
}

// The server-side types hold no private key: walk every type reachable from
// Service and Store and look for one.
func TestServerHoldsNoPrivateKey(t *testing.T) {
	bad := map[reflect.Type]bool{
		reflect.TypeFor[ecdh.PrivateKey](): true,
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		if bad[typ] {
			t.Errorf("%s holds a %v", path, typ)
		}
		if typ.PkgPath() == "crypto/hpke" && typ.Name() == "PrivateKey" {
			t.Errorf("%s holds an hpke.PrivateKey", path)
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			walk(typ.Key(), path+"{key}")
			walk(typ.Elem(), path+"{}")
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[Service](), "Service")
	walk(reflect.TypeFor[Store](), "Store")
	if !seen[reflect.TypeFor[ecdh.PublicKey]()] {
		t.Fatal("the walk did not reach the public keys; it is not looking where it should")
	}
}
