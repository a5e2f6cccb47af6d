package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clientFrom makes an HTTP client whose connections come from localIP, or
// skips the test where that address cannot be bound.
func clientFrom(t *testing.T, localIP string) *http.Client {
	t.Helper()
	probe, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		t.Skipf("cannot bind %s here: %v", localIP, err)
	}
	_ = probe.Close()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}, Timeout: 5 * time.Second}
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport}
}

// The whoami function and GET /_test/whoami report the address the
// connection came from: 127.0.0.2 for a client bound to it.
func TestWhoamiReportsThePeer(t *testing.T) {
	ts := startServer(t, config{})
	for _, local := range []string{"127.0.0.1", "127.0.0.2"} {
		ts.client = clientFrom(t, local)

		r := ts.invoke(t, signed("whoami", `{}`))
		var got peer
		if err := json.Unmarshal(r.body, &got); err != nil || r.status != http.StatusOK {
			t.Fatalf("%s: whoami: %v %s", local, err, r)
		}
		if host, _, _ := net.SplitHostPort(got.RemoteAddr); host != local || got.TLSVersion != "" {
			t.Fatalf("%s: whoami says %+v (%s)", local, got, r.body)
		}
		if !strings.HasPrefix(string(r.body), `{"remoteAddr":"`+local+":") {
			t.Fatalf("%s: payload %s", local, r.body)
		}

		resp, err := ts.client.Get(ts.URL + "/_test/whoami")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var direct peer
		if err := json.Unmarshal(body, &direct); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /_test/whoami: %d %s", local, resp.StatusCode, body)
		}
		if host, _, _ := net.SplitHostPort(direct.RemoteAddr); host != local {
			t.Fatalf("%s: GET /_test/whoami says %s", local, body)
		}
	}
	// /_test/whoami is no invocation.
	if s := ts.stats(t); s.Invocations != 2 || s.ByFunction["whoami"] != 2 {
		t.Fatalf("stats: %+v", s)
	}
}
