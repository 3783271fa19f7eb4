package main

import (
	"crypto/ecdh"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"parentline/consent"
	bt "parentline/internal/browsertest"
)

// TestBrowser_HPKEInterop: a case sealed by the server (Go's crypto/hpke)
// opens in the intake's browser with the reader's key file and WebCrypto
// alone; the key id the browser computes matches the server's; a wrong key
// and a tampered ciphertext do not open it.
func TestBrowser_HPKEInterop(t *testing.T) {
	browser := bt.Start(t)
	keyFile := func() (*ecdh.PrivateKey, json.RawMessage) {
		priv, err := consent.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		path, _, err := consent.WriteKeyPair(t.TempDir(), priv)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return priv, b
	}
	reader, readerJWK := keyFile()
	other, otherJWK := keyFile()

	const reference = "ORO-TEST0001"
	const plaintext = `{"reference":"ORO-TEST0001","details":{"name":"Kim Åström","contact":"070-123 45 67"}}`
	env, err := consent.Seal([]byte(plaintext), reference, []*ecdh.PublicKey{reader.PublicKey(), other.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	envJSON, _ := json.Marshal(env)

	// The intake page's HPKE module, served as the browser will load it.
	hpkeJS, err := os.ReadFile(filepath.Join(bt.ModuleRoot(t), "static", "intake", "hpke.js"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hpke.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(hpkeJS)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="sv"><title>hpke</title><body></body></html>`)
	}))
	defer srv.Close()
	tab := browser.Tab(t)
	tab.Do("open", chromedp.Navigate(srv.URL))

	open := func(jwk json.RawMessage, tamper bool) string {
		t.Helper()
		script := `(async () => {
			const m = await import('/hpke.js');
			const env = ` + string(envJSON) + `;
			const jwk = ` + string(jwk) + `;
			const kid = await m.keyIdFromJwk(jwk);
			const rec = env.recipients.find(r => r.key_id === kid);
			if (!rec) return 'no recipient for ' + kid;
			const b64 = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
			const ct = b64(rec.ciphertext);
			if (` + map[bool]string{true: "true", false: "false"}[tamper] + `) ct[3] ^= 1;
			try {
				const pt = await m.hpkeOpen(jwk, b64(rec.enc), ct, new TextEncoder().encode('parentline case v1 ` + reference + `'));
				return 'ok:' + new TextDecoder().decode(pt);
			} catch (e) { return 'error:' + e.name; }
		})()`
		return bt.Eval[string](tab, script)
	}
	if got := open(readerJWK, false); got != "ok:"+plaintext {
		t.Fatalf("the reader's browser got %q", got)
	}
	if got := open(otherJWK, false); got != "ok:"+plaintext {
		t.Fatalf("the second reader's browser got %q", got)
	}
	if got := open(otherJWK, true); got[:6] != "error:" {
		t.Fatalf("a tampered ciphertext opened: %q", got)
	}
	_, strangerJWK := keyFile()
	if got := open(strangerJWK, false); got[:17] != "no recipient for " {
		t.Fatalf("a key that is not a recipient: %q", got)
	}
	if kid := bt.Eval[string](tab, `import('/hpke.js').then(m => m.keyIdFromJwk(`+string(readerJWK)+`))`); kid != consent.KeyID(reader.PublicKey()) {
		t.Fatalf("browser key id %s, server key id %s", kid, consent.KeyID(reader.PublicKey()))
	}
}
