package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startTLSServer serves a lambdaserver as -tls-listen does; it returns the
// server, the https:// URL and the certificate.
func startTLSServer(t *testing.T) (*server, string, *x509.Certificate) {
	t.Helper()
	return startTLSServerMax(t, 0)
}

// startTLSServerMax is startTLSServer with the listener's highest TLS
// version (0: TLS 1.3; tls.VersionTLS12 as -tls12-listen).
func startTLSServerMax(t *testing.T, maxVersion uint16) (*server, string, *x509.Certificate) {
	t.Helper()
	srv := newServer(config{coldEvery: 4})
	inner, err := listen("-tls-listen", "127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := selfSignedCertificate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	go func() { _ = hs.Serve(srv.tlsListener(inner, cert, maxVersion)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return srv, "https://" + inner.Addr().String(), cert.Leaf
}

// tlsClient trusts roots (nil: the system's roots).
func tlsClient(roots *x509.CertPool, serverName string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12},
	}}
}

func tlsInvoke(t *testing.T, client *http.Client, url, function, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+invokePrefix+function+invokeSuffix, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	mainKeys.sign(req, []byte(body))
	return client.Do(req)
}

// tlsFails invokes expecting no response, and returns the error.
func tlsFails(t *testing.T, client *http.Client, url, function string) error {
	t.Helper()
	resp, err := tlsInvoke(t, client, url, function, `{}`)
	if err == nil {
		_ = resp.Body.Close()
	}
	return err
}

func TestTLSListener(t *testing.T) {
	srv, url, leaf := startTLSServer(t)

	// A client with the usual roots refuses the certificate for its issuer,
	// and nothing but the ClientHello reaches the server.
	err := tlsFails(t, tlsClient(nil, ""), url, "echo")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an unknown authority error, got %v", err)
	}
	if s := srv.stats.snapshot(); s.TLSHellos != 1 || s.Invocations != 0 {
		t.Fatalf("after the refused handshake: %+v", s)
	}

	// It is the only fault: a client that trusts it gets through, with
	// the name checked, for each name the certificate carries.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"", "localhost", "::1"} {
		resp, err := tlsInvoke(t, tlsClient(roots, name), url, "echo", `{"tls":true}`)
		if err != nil {
			t.Fatalf("server name %q: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != `{"tls":true}` || resp.ProtoMajor != 1 {
			t.Fatalf("server name %q: %s %d %q", name, resp.Proto, resp.StatusCode, body)
		}
	}
	if s := srv.stats.snapshot(); s.TLSHellos != 4 || s.Invocations != 3 || s.ByStatus["200"] != 3 {
		t.Fatalf("after three invocations: %+v", s)
	}
	if !leaf.NotAfter.After(time.Now().Add(time.Hour)) || leaf.IsCA {
		t.Errorf("certificate valid until %s, CA %t", leaf.NotAfter, leaf.IsCA)
	}
}

// The misbehaviours work over TLS too: the connection is taken over the
// same way.
func TestTLSMisbehaviours(t *testing.T) {
	srv, url, leaf := startTLSServer(t)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	client := tlsClient(roots, "")

	err := tlsFails(t, client, url, "not-http")
	if err == nil || !strings.Contains(err.Error(), "malformed HTTP response") {
		t.Fatalf("not-http: %v", err)
	}
	resp, err := tlsInvoke(t, client, url, "close-mid-body", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("close-mid-body: %v", err)
	}
	if err := tlsFails(t, client, url, "reset"); err == nil {
		t.Fatal("reset: answered")
	}
	s := srv.stats.snapshot()
	if s.ByStatus[outcomeNotHTTP] != 1 || s.ByStatus[outcomeTruncated] != 1 || s.ByStatus[outcomeReset] != 1 {
		t.Fatalf("%+v", s)
	}
}

// A -tls-listen address must be loopback, as -addr.
func TestTLSListenIsLoopbackOnly(t *testing.T) {
	if _, err := listen("-tls-listen", "0.0.0.0:0", ""); err == nil || !strings.Contains(err.Error(), "-tls-listen") {
		t.Fatalf("got %v", err)
	}
}

// The -tls12-listen listener speaks TLS 1.2 at most: a client that insists
// on TLS 1.3 fails the handshake after its ClientHello and sends nothing,
// one that allows 1.2 gets through; the -tls-listen one negotiates 1.3.
func TestTLS12Listener(t *testing.T) {
	insecure := func(minVersion, maxVersion uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, MinVersion: minVersion, MaxVersion: maxVersion,
		}}}
	}
	whoamiVersion := func(t *testing.T, client *http.Client, url string) string {
		t.Helper()
		resp, err := tlsInvoke(t, client, url, "whoami", `{}`)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var p peer
		if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("whoami: %d %s", resp.StatusCode, body)
		}
		return p.TLSVersion
	}

	srv, url, _ := startTLSServerMax(t, tls.VersionTLS12)
	err := tlsFails(t, insecure(tls.VersionTLS13, 0), url, "echo")
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("a TLS 1.3-only client: %v", err)
	}
	if s := srv.stats.snapshot(); s.TLSHellos != 1 || s.Invocations != 0 {
		t.Fatalf("after the refused handshake: %+v", s)
	}
	if v := whoamiVersion(t, insecure(tls.VersionTLS12, 0), url); v != "TLS 1.2" {
		t.Fatalf("negotiated %q", v)
	}

	_, url13, _ := startTLSServer(t)
	if v := whoamiVersion(t, insecure(tls.VersionTLS12, 0), url13); v != "TLS 1.3" {
		t.Fatalf("-tls-listen negotiated %q", v)
	}
	if v := whoamiVersion(t, insecure(tls.VersionTLS12, tls.VersionTLS12), url13); v != "TLS 1.2" {
		t.Fatalf("-tls-listen, a client capped at 1.2, negotiated %q", v)
	}
}
