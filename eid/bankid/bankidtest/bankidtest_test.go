package bankidtest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// client is a plain HTTP client with the fake's relying-party certificate.
func client(t *testing.T, s *Server) *http.Client {
	t.Helper()
	cert, err := tls.X509KeyPair(s.ClientCertPEM, s.ClientKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CAPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// call posts body and returns the status and the decoded answer.
func call(t *testing.T, hc *http.Client, method, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var ans map[string]any
	if err := json.Unmarshal(data, &ans); err != nil {
		t.Fatalf("answer %q is not JSON: %v", data, err)
	}
	return resp.StatusCode, ans
}

func TestRequestsAreCheckedLikeBankID(t *testing.T) {
	s := New(t)
	hc := client(t, s)
	const js = "application/json"
	for _, c := range []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
	}{
		{"GET", http.MethodGet, "/auth", js, `{"endUserIp":"192.0.2.1"}`, 405, "methodNotAllowed"},
		{"no content type", http.MethodPost, "/auth", "", `{"endUserIp":"192.0.2.1"}`, 415, "unsupportedMediaType"},
		{"form", http.MethodPost, "/auth", "application/x-www-form-urlencoded", `endUserIp=192.0.2.1`, 415, "unsupportedMediaType"},
		{"unknown method", http.MethodPost, "/verify", js, `{}`, 404, "notFound"},
		{"not JSON", http.MethodPost, "/auth", js, `endUserIp`, 400, "invalidParameters"},
		{"unknown field", http.MethodPost, "/auth", js, `{"endUserIp":"192.0.2.1","personalNumber":"198211059954"}`, 400, "invalidParameters"},
		{"no endUserIp", http.MethodPost, "/auth", js, `{}`, 400, "invalidParameters"},
		{"bad endUserIp", http.MethodPost, "/auth", js, `{"endUserIp":"localhost"}`, 400, "invalidParameters"},
		{"bad personalNumber", http.MethodPost, "/auth", js, `{"endUserIp":"192.0.2.1","requirement":{"personalNumber":"8211059954"}}`, 400, "invalidParameters"},
		{"empty personalNumber", http.MethodPost, "/auth", js, `{"endUserIp":"192.0.2.1","requirement":{"personalNumber":""}}`, 400, "invalidParameters"},
		{"sign without text", http.MethodPost, "/sign", js, `{"endUserIp":"192.0.2.1"}`, 400, "invalidParameters"},
		{"text not base64", http.MethodPost, "/sign", js, `{"endUserIp":"192.0.2.1","userVisibleData":"hej då"}`, 400, "invalidParameters"},
		{"empty text", http.MethodPost, "/sign", js, `{"endUserIp":"192.0.2.1","userVisibleData":""}`, 400, "invalidParameters"},
		{"unknown format", http.MethodPost, "/sign", js, `{"endUserIp":"192.0.2.1","userVisibleData":"aGVq","userVisibleDataFormat":"html"}`, 400, "invalidParameters"},
		{"hidden not base64", http.MethodPost, "/auth", js, `{"endUserIp":"192.0.2.1","userNonVisibleData":"!"}`, 400, "invalidParameters"},
		{"collect without ref", http.MethodPost, "/collect", js, `{}`, 400, "invalidParameters"},
		{"collect unknown", http.MethodPost, "/collect", js, `{"orderRef":"131daac9-16c6-4618-beb0-365768f37288"}`, 404, "notFound"},
		{"cancel unknown", http.MethodPost, "/cancel", js, `{"orderRef":"131daac9-16c6-4618-beb0-365768f37288"}`, 404, "notFound"},
		{"auth ok", http.MethodPost, "/auth", "application/json; charset=utf-8", `{"endUserIp":"2001:db8::1"}`, 200, ""},
		{"sign markdown ok", http.MethodPost, "/sign", js, `{"endUserIp":"192.0.2.1","userVisibleData":"aGVq","userVisibleDataFormat":"simpleMarkdownV1"}`, 200, ""},
	} {
		status, ans := call(t, hc, c.method, s.URL+c.path, c.contentType, c.body)
		if status != c.status || (c.code != "" && ans["errorCode"] != c.code) {
			t.Errorf("%s: HTTP %d %v, want %d %s", c.name, status, ans, c.status, c.code)
		}
		if c.code == "" {
			for _, k := range []string{"orderRef", "autoStartToken", "qrStartToken", "qrStartSecret"} {
				if v, _ := ans[k].(string); len(v) != 36 {
					t.Errorf("%s: %s = %v", c.name, k, ans[k])
				}
			}
		}
	}
}

func TestScriptAndCollectTwice(t *testing.T) {
	s := New(t, WithUser(User{PersonalNumber: "199012119948", Name: "A B", GivenName: "A", Surname: "B"}))
	hc := client(t, s)
	_, started := call(t, hc, http.MethodPost, s.URL+"/auth", "application/json", `{"endUserIp":"192.0.2.1"}`)
	ref := `{"orderRef":"` + started["orderRef"].(string) + `"}`
	for _, want := range []string{"pending", "pending", "complete"} {
		status, ans := call(t, hc, http.MethodPost, s.URL+"/collect", "application/json", ref)
		if status != 200 || ans["status"] != want {
			t.Fatalf("HTTP %d %v, want %s", status, ans, want)
		}
		if want == "complete" {
			cd := ans["completionData"].(map[string]any)
			if cd["user"].(map[string]any)["personalNumber"] != "199012119948" || cd["signature"] == "" || cd["ocspResponse"] == "" {
				t.Errorf("completionData %v", cd)
			}
			if _, ok := ans["hintCode"]; ok {
				t.Error("complete answer has a hintCode")
			}
		} else if _, ok := ans["completionData"]; ok {
			t.Error("pending answer has completionData")
		}
	}
	status, ans := call(t, hc, http.MethodPost, s.URL+"/collect", "application/json", ref)
	if status != 400 || ans["errorCode"] != "invalidParameters" {
		t.Errorf("collect after complete: HTTP %d %v", status, ans)
	}
}

func TestFailNext(t *testing.T) {
	s := New(t)
	hc := client(t, s)
	s.FailNext("maintenance")
	s.FailNextRaw(502, "text/html", `{"not":"bankid"}`)
	status, ans := call(t, hc, http.MethodPost, s.URL+"/auth", "application/json", `{"endUserIp":"192.0.2.1"}`)
	if status != 503 || ans["errorCode"] != "maintenance" {
		t.Errorf("HTTP %d %v", status, ans)
	}
	status, _ = call(t, hc, http.MethodPost, s.URL+"/auth", "application/json", `{"endUserIp":"192.0.2.1"}`)
	if status != 502 {
		t.Errorf("raw failure: HTTP %d", status)
	}
	status, _ = call(t, hc, http.MethodPost, s.URL+"/auth", "application/json", `{"endUserIp":"192.0.2.1"}`)
	if status != 200 {
		t.Errorf("after the failures: HTTP %d", status)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d requests recorded", n)
	}
}
