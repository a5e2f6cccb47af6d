package main

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// startProxy serves a -proxy-listen proxy counting into st; it returns its
// host:port.
func startProxy(t *testing.T, st *stats, auth string) string {
	t.Helper()
	ps := httptest.NewServer(newProxy(st, auth))
	t.Cleanup(ps.Close)
	return ps.Listener.Addr().String()
}

// proxiedClient goes through the proxy at proxyAddr, with credentials
// userinfo ("" for none), trusting any certificate.
func proxiedClient(t *testing.T, proxyAddr, userinfo string) *http.Client {
	t.Helper()
	proxyURL, err := url.Parse("http://" + userinfo + proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport}
}

// renamed is base (http://127.0.0.1:P) with the host name lambda.test,
// which no resolver knows: only the proxy can reach it.
func renamed(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Scheme + "://lambda.test:" + u.Port()
}

// proxiedInvoke invokes function at base through client; transport errors
// fail the test.
func proxiedInvoke(t *testing.T, client *http.Client, base, function, body string) reply {
	t.Helper()
	resp, err := tlsInvoke(t, client, base, function, body)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	return readReply(t, resp)
}

// readReply reads resp's body (the caller closes it).
func readReply(t *testing.T, resp *http.Response) reply {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// Absolute-form requests are forwarded to 127.0.0.1 on their port,
// whatever the host name, with the Host header (and so the signature)
// as the client sent them, and without the proxy's credentials.
func TestProxyForwardsAnyHostToLoopback(t *testing.T) {
	ts := startServer(t, config{})
	client := proxiedClient(t, startProxy(t, ts.srv.stats, "user:pass"), "user:pass@")
	target := renamed(t, ts.URL)

	if r := proxiedInvoke(t, client, target, "echo", `{"via":"proxy"}`); r.status != http.StatusOK || string(r.body) != `{"via":"proxy"}` {
		t.Fatalf("through the proxy: %s", r)
	}
	if r := proxiedInvoke(t, client, target, "whoami", `{}`); r.status != http.StatusOK ||
		!strings.HasPrefix(string(r.body), `{"remoteAddr":"127.0.0.1:`) {
		t.Fatalf("whoami through the proxy: %s", r)
	}
	// The /_test endpoints too.
	resp, err := client.Get(target + "/_test/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if r := readReply(t, resp); r.status != http.StatusOK {
		t.Fatalf("stats through the proxy: %s", r)
	}
	s := ts.stats(t)
	if s.ProxyForwards != 3 || s.ProxyConnects != 0 || s.ProxyAuthFailures != 0 ||
		s.Invocations != 2 || s.ByStatus["200"] != 2 || s.SignatureFailures != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

// CONNECT opens a tunnel to 127.0.0.1 on the port asked for, once per
// connection: HTTPS goes through it end to end.
func TestProxyConnectTunnels(t *testing.T) {
	srv, tlsURL, _ := startTLSServer(t)
	client := proxiedClient(t, startProxy(t, srv.stats, "user:pass"), "user:pass@")
	target := renamed(t, tlsURL)
	for i := 0; i < 2; i++ {
		if r := proxiedInvoke(t, client, target, "echo", `{"via":"tunnel"}`); r.status != http.StatusOK || string(r.body) != `{"via":"tunnel"}` {
			t.Fatalf("through the tunnel: %s", r)
		}
	}
	s := srv.stats.snapshot()
	if s.ProxyConnects != 1 || s.ProxyForwards != 0 || s.TLSHellos != 1 || s.Invocations != 2 {
		t.Fatalf("stats: %+v", s)
	}
}

// Bytes a client sends right behind its CONNECT, before it has read the
// 200, reach the other end.
func TestProxyTunnelKeepsEarlyBytes(t *testing.T) {
	ts := startServer(t, config{})
	conn, err := net.Dial("tcp", startProxy(t, ts.srv.stats, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	port := ts.Listener.Addr().(*net.TCPAddr).Port
	_, err = io.WriteString(conn, "CONNECT lambda.test:"+strconv.Itoa(port)+" HTTP/1.1\r\nHost: lambda.test\r\n\r\n"+
		"GET /_test/whoami HTTP/1.1\r\nHost: lambda.test\r\nConnection: close\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	reader := bufio.NewReader(conn)
	connect, err := http.ReadResponse(reader, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	_ = connect.Body.Close() // none: a 200 to CONNECT has no body
	if connect.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %s", connect.Status)
	}
	resp, err := http.ReadResponse(reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if r := readReply(t, resp); r.status != http.StatusOK || !strings.Contains(string(r.body), `"remoteAddr":"127.0.0.1:`) {
		t.Fatalf("through the tunnel: %s", r)
	}
	if s := ts.stats(t); s.ProxyConnects != 1 {
		t.Fatalf("stats: %+v", s)
	}
}

// With -proxy-auth, requests without the credentials, or with others, get
// 407 and Proxy-Authenticate, and nothing reaches the server.
func TestProxyRequiresCredentials(t *testing.T) {
	srv, tlsURL, _ := startTLSServer(t)
	plain := startServer(t, config{})
	proxyAddr := startProxy(t, srv.stats, "user:pass")
	for _, userinfo := range []string{"", "user:wrong@", "other:pass@"} {
		client := proxiedClient(t, proxyAddr, userinfo)
		r := proxiedInvoke(t, client, renamed(t, plain.URL), "echo", `{}`)
		if r.status != http.StatusProxyAuthRequired || !strings.HasPrefix(r.header.Get("Proxy-Authenticate"), "Basic ") {
			t.Fatalf("forward with %q: %s", userinfo, r)
		}
		if err := tlsFails(t, client, renamed(t, tlsURL), "echo"); err == nil || !strings.Contains(err.Error(), "Proxy Authentication Required") {
			t.Fatalf("CONNECT with %q: %v", userinfo, err)
		}
	}
	if s := srv.stats.snapshot(); s.ProxyAuthFailures != 6 || s.ProxyConnects != 0 || s.ProxyForwards != 0 ||
		s.TLSHellos != 0 || s.Invocations != 0 {
		t.Fatalf("stats: %+v", s)
	}
	if s := plain.stats(t); s.Invocations != 0 {
		t.Fatalf("the plain server was reached: %+v", s)
	}
}

// Without -proxy-auth, no credentials are needed (and any are ignored).
func TestProxyWithoutAuth(t *testing.T) {
	ts := startServer(t, config{})
	proxyAddr := startProxy(t, ts.srv.stats, "")
	for _, userinfo := range []string{"", "any:thing@"} {
		if r := proxiedInvoke(t, proxiedClient(t, proxyAddr, userinfo), renamed(t, ts.URL), "echo", `{}`); r.status != http.StatusOK {
			t.Fatalf("with %q: %s", userinfo, r)
		}
	}
	if s := ts.stats(t); s.ProxyForwards != 2 || s.ProxyAuthFailures != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

// What is not a proxy request gets 400, uncounted.
func TestProxyRefusesOtherRequests(t *testing.T) {
	ts := startServer(t, config{})
	proxyAddr := startProxy(t, ts.srv.stats, "")
	for _, request := range []string{
		"GET /_test/stats HTTP/1.1\r\nHost: lambda.test\r\n\r\n",             // origin-form
		"GET https://lambda.test:1/ HTTP/1.1\r\nHost: lambda.test:1\r\n\r\n", // https without CONNECT
		"CONNECT lambda.test HTTP/1.1\r\nHost: lambda.test\r\n\r\n",          // no port
	} {
		conn, err := net.Dial("tcp", proxyAddr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, request); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := readReply(t, resp)
		_ = resp.Body.Close()
		_ = conn.Close()
		if r.status != http.StatusBadRequest {
			t.Fatalf("%q: %s", request, r)
		}
	}
	if s := ts.stats(t); s.ProxyForwards != 0 || s.ProxyConnects != 0 || s.ProxyAuthFailures != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

func TestCheckProxyAuth(t *testing.T) {
	for _, ok := range []string{"", "user:pass", "user:", "u:p:q"} {
		if err := checkProxyAuth(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"user", ":pass"} {
		if err := checkProxyAuth(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p := newProxy(newStats(), "user:pass")
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass")); p.authorization != want {
		t.Fatalf("authorization %q", p.authorization)
	}
}
