package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestURLHeaders(t *testing.T) {
	ts := startServer(t, config{})
	r := ts.callURL(t, urlCall{method: "GET",
		target: "/lambda-url/url-headers?X-One=a&x-two=c&X-One=b%2C%20c&Set-Cookie=s%3D1&Set-Cookie=t%3D2", signer: &mainKeys})
	if r.status != http.StatusOK || string(r.body) != `{"headers":5}` || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %s", r)
	}
	for name, want := range map[string][]string{
		"X-One":      {"a", "b, c"},
		"X-Two":      {"c"},
		"Set-Cookie": {"s=1", "t=2"},
	} {
		if got := r.header.Values(name); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if r.header.Get("X-Amzn-RequestId") == "" {
		t.Error("no X-Amzn-RequestId")
	}

	none := ts.callURL(t, urlCall{method: "POST", target: "/lambda-url/url-headers", body: []byte("x"), signer: &mainKeys})
	if none.status != http.StatusOK || string(none.body) != `{"headers":0}` {
		t.Errorf("no query: got %s", none)
	}

	for _, query := range []string{"Content-Length=1", "transfer-encoding=chunked", "Connection=close",
		"Content-Type=text%2Fhtml", "Trailer=X", "Upgrade=h2c", "bad%20name=1", "X-A=%0Aevil", "=v", "%3B=1"} {
		r := ts.callURL(t, urlCall{method: "GET", target: "/lambda-url/url-headers?" + query, signer: &mainKeys})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"message":`) {
			t.Errorf("%s: want 400, got %s", query, r)
		}
	}

	unsigned := ts.callURL(t, urlCall{method: "GET", target: "/lambda-url/url-headers?X-One=a"})
	if unsigned.status != http.StatusForbidden || unsigned.header.Get("X-One") != "" {
		t.Errorf("unsigned: got %s", unsigned)
	}
	if snap := ts.stats(t); snap.URLRequests != 13 || snap.URLAuthFailures != 1 {
		t.Errorf("stats %+v", snap)
	}
}

func TestIsToken(t *testing.T) {
	for s, want := range map[string]bool{
		"X-Amz-Meta": true, "a.b_c~d!#$%&'*+^`|": true, "": false, "a b": false, "a:b": false, "é": false, "a\x7f": false,
	} {
		if isToken(s) != want {
			t.Errorf("isToken(%q) = %t, want %t", s, !want, want)
		}
	}
}
