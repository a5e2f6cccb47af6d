package main

// whoami: the connection as the server sees it, for tests of where a
// client connects from (k6's localIPs) and with which TLS version.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
)

// peer is the answer of the whoami function and of GET /_test/whoami.
type peer struct {
	// RemoteAddr is the client's address and port ("127.0.0.2:40312"):
	// the address the connection came from (through -proxy-listen, the
	// proxy's).
	RemoteAddr string `json:"remoteAddr"`
	// TLSVersion is the negotiated version ("TLS 1.2", "TLS 1.3"), absent
	// over plain HTTP.
	TLSVersion string `json:"tlsVersion,omitempty"`
}

func peerOf(r *http.Request) peer {
	p := peer{RemoteAddr: r.RemoteAddr}
	if r.TLS != nil {
		p.TLSVersion = tls.VersionName(r.TLS.Version)
	}
	return p
}

// whoami is the function: its payload is the peer, as JSON.
func whoami(_ context.Context, inv *invocation) result {
	payload, _ := json.Marshal(inv.peer)
	inv.log.printf("INFO", "peer %s", payload)
	return result{payload: payload}
}

// serveWhoami answers GET /_test/whoami (no signature needed, as the
// stats), for clients that cannot sign, such as k6/http.
func (s *server) serveWhoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, peerOf(r))
}
