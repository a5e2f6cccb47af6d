package main

// The -proxy-listen proxy: an HTTP proxy as clients find one in HTTP_PROXY
// and HTTPS_PROXY, for tests of whether (and how) a client goes through
// it. It forwards absolute-form requests ("POST http://host:port/path") and
// opens CONNECT tunnels ("CONNECT host:port"), and whatever the host name,
// it connects to 127.0.0.1 on the port asked for: names that no resolver
// knows (lambda.test) work through it, and only through it. With
// -proxy-auth user:pass, every request must carry
// "Proxy-Authorization: Basic base64(user:pass)"; others get 407 with
// Proxy-Authenticate. The counts are in the server's stats: proxyConnects,
// proxyForwards, proxyAuthFailures.

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"
)

// proxyTarget is where every proxied connection goes.
const proxyTarget = "127.0.0.1"

// proxy is the handler of the -proxy-listen listener.
type proxy struct {
	stats *stats
	// authorization is the Proxy-Authorization value required, "" for none.
	authorization string
	dialer        *net.Dialer
	forward       *httputil.ReverseProxy
}

// checkProxyAuth checks the -proxy-auth value: "user:pass", or "" for none.
func checkProxyAuth(auth string) error {
	if auth == "" {
		return nil
	}
	if user, _, ok := strings.Cut(auth, ":"); !ok || user == "" {
		return fmt.Errorf("-proxy-auth %q: want user:pass", auth)
	}
	return nil
}

// newProxy makes the proxy, counting into st; auth is "user:pass" or ""
// (see checkProxyAuth).
func newProxy(st *stats, auth string) *proxy {
	p := &proxy{stats: st, dialer: &net.Dialer{Timeout: 5 * time.Second}}
	if auth != "" {
		p.authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(auth))
	}
	transport := &http.Transport{
		// Never another proxy, whatever this process's environment says.
		Proxy: nil,
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			target, err := loopbackTarget(addr, "")
			if err != nil {
				return nil, err
			}
			return p.dialer.DialContext(ctx, "tcp", target)
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	p.forward = &httputil.ReverseProxy{
		// The request goes out as it came (URL, Host header and all but the
		// hop-by-hop headers, Proxy-Authorization among them): what a
		// client signed is what the server checks.
		Rewrite:   func(*httputil.ProxyRequest) {},
		Transport: transport,
	}
	return p
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(r) {
		p.stats.countProxyAuthFailure()
		w.Header().Set("Proxy-Authenticate", `Basic realm="lambdaserver proxy"`)
		http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	switch {
	case r.Method == http.MethodConnect:
		p.tunnel(w, r)
	case r.URL.IsAbs() && r.URL.Scheme == "http":
		p.stats.countProxyForward()
		p.forward.ServeHTTP(w, r)
	default:
		http.Error(w, "this is a proxy: send CONNECT or absolute-form http:// requests", http.StatusBadRequest)
	}
}

// authorized says whether r carries the credentials -proxy-auth asks for.
func (p *proxy) authorized(r *http.Request) bool {
	if p.authorization == "" {
		return true
	}
	got := r.Header.Get("Proxy-Authorization")
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.authorization)) == 1
}

// loopbackTarget maps host:port (any host) to 127.0.0.1:port; without a
// port, defaultPort ("" if a port is required).
func loopbackTarget(hostport, defaultPort string) (string, error) {
	_, port, err := net.SplitHostPort(hostport)
	if err != nil {
		if defaultPort == "" {
			return "", fmt.Errorf("proxy target %q: %w", hostport, err)
		}
		port = defaultPort
	}
	return net.JoinHostPort(proxyTarget, port), nil
}

// tunnel answers CONNECT host:port: a TCP connection to 127.0.0.1:port,
// then bytes both ways until either side is done.
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	target, err := loopbackTarget(r.Host, "")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	upstream, err := p.dialer.DialContext(r.Context(), "tcp", target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		_ = upstream.Close()
		http.Error(w, "cannot tunnel: "+err.Error(), http.StatusInternalServerError)
		return
	}
	// Counted before the client can see the tunnel, as byStatus is.
	p.stats.countProxyConnect()
	_, _ = buf.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	if err := buf.Flush(); err != nil {
		_ = client.Close()
		_ = upstream.Close()
		return
	}
	splice(client, buf.Reader, upstream)
}

// splice copies client (read through clientReader, which may hold bytes
// the client sent before it saw the 200) to upstream and back, half-closing
// each direction at its end, then closes both.
func splice(client net.Conn, clientReader *bufio.Reader, upstream net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(upstream, clientReader)
		closeWrite(upstream)
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(client, upstream)
		closeWrite(client)
	}()
	wg.Wait()
	_ = client.Close()
	_ = upstream.Close()
}

// closeWrite half-closes a TCP connection (a FIN: the peer reads EOF), or
// closes any other kind.
func closeWrite(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
		return
	}
	_ = conn.Close()
}
