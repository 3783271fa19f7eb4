// Package relayfloor is the reference floor for the load benchmark: a bare
// WebSocket relay with no logic, so chat server figures can be stated as ratios.
//
// Two sockets that open /ws?pair=K are paired and every frame one sends is
// written verbatim to the other; when either side goes, both are closed.
package relayfloor

import (
	"context"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// Handler returns a relay with its own pairing table.
func Handler() http.Handler {
	type half struct {
		ws   *websocket.Conn
		peer chan *websocket.Conn
	}
	var mu sync.Mutex
	waiting := map[string]half{} // pair id → the first socket, waiting for its peer
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ws.SetReadLimit(1 << 20)
		key := r.URL.Query().Get("pair")
		mu.Lock()
		first, paired := waiting[key]
		if paired {
			delete(waiting, key)
		} else {
			first = half{ws: ws, peer: make(chan *websocket.Conn, 1)}
			waiting[key] = first
		}
		mu.Unlock()
		var peer *websocket.Conn
		if paired {
			peer = first.ws
			first.peer <- ws
		} else {
			peer = <-first.peer
		}
		ctx := context.Background()
		for {
			typ, b, err := ws.Read(ctx)
			if err != nil {
				peer.CloseNow()
				return
			}
			if err := peer.Write(ctx, typ, b); err != nil {
				ws.CloseNow()
				return
			}
		}
	})
	return mux
}
