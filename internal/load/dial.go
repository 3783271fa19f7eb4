//go:build linux

package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"
)

// dialer opens every socket of a run. Sockets are spread over loopback
// source addresses 127.0.0.2, 127.0.0.3, … (Linux routes all of 127/8 to
// lo): the server throttles logins per client address, and each source
// address has its own range of ephemeral ports.
type dialer struct {
	host    string // the server's host:port
	sources bool   // false when the server is on IPv6 loopback
	mu      sync.Mutex
	clients map[int]*http.Client
}

func newDialer(host string) *dialer {
	h, _, _ := net.SplitHostPort(host)
	return &dialer{host: host, sources: net.ParseIP(h).To4() != nil, clients: map[int]*http.Client{}}
}

// sourceAddr is the k-th source address (k ≥ 1): 127.0.0.2 … 127.0.0.254, 127.0.1.1, …
func sourceAddr(k int) net.IP {
	return net.IPv4(127, 0, byte(k/254), byte(k%254+1))
}

// client returns the HTTP client whose sockets come from source address k.
func (d *dialer) client(k int) *http.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.clients[k]; c != nil {
		return c
	}
	nd := &net.Dialer{Timeout: 10 * time.Second, Control: loopbackOnly}
	if d.sources {
		nd.LocalAddr = &net.TCPAddr{IP: sourceAddr(k)}
	}
	c := &http.Client{Transport: &http.Transport{
		DialContext:         nd.DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}
	d.clients[k] = c
	return c
}

// loopbackOnly refuses any remote address outside loopback and lets the
// kernel pick the source port at connect time (IP_BIND_ADDRESS_NO_PORT), so
// ports are shared between destinations as for an unbound socket.
func loopbackOnly(network, address string, c syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("dial %s: refused, not a loopback address", address)
	}
	if network != "tcp4" {
		return nil
	}
	var optErr error
	err = c.Control(func(fd uintptr) {
		optErr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err == nil {
		err = optErr
	}
	if err != nil {
		return fmt.Errorf("dial %s: IP_BIND_ADDRESS_NO_PORT: %w", address, err)
	}
	return nil
}

// closeIdle closes the idle connections of every client.
func (d *dialer) closeIdle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.clients {
		c.CloseIdleConnections()
	}
}

// websocket opens path (with its query) as a WebSocket from source address k.
func (d *dialer) websocket(ctx context.Context, k int, path string, header http.Header) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws://"+d.host+path, &websocket.DialOptions{
		HTTPClient:      d.client(k),
		HTTPHeader:      header,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("opening %s: HTTP %d: %w", path, resp.StatusCode, err)
		}
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, nil
}

// login signs a counsellor in from source address k and returns the Cookie
// header for their console socket. A throttled login is retried after the
// time the server asks for, for at most a minute.
func (d *dialer) login(ctx context.Context, k int, username, password string) (string, error) {
	body, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		return "", fmt.Errorf("login %s: %w", username, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+d.host+"/api/login", bytes.NewReader(body))
		if err != nil {
			return "", fmt.Errorf("login %s: %w", username, err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := d.client(k).Do(req)
		if err != nil {
			return "", fmt.Errorf("login %s: %w", username, err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return cookieHeader(resp)
		case http.StatusTooManyRequests:
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
				continue
			case <-ctx.Done():
				return "", fmt.Errorf("login %s: throttled: %w", username, ctx.Err())
			}
		}
		return "", fmt.Errorf("login %s: HTTP %d: %s", username, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
}

// cookieHeader turns a response's cookies into a Cookie request header.
func cookieHeader(resp *http.Response) (string, error) {
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("login: the server set no session cookie")
	}
	return strings.Join(parts, "; "), nil
}

// url is the HTTP address of path on the server.
func (d *dialer) url(path string) string { return "http://" + d.host + path }
