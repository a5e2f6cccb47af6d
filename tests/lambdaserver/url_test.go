package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// urlCall is one request to a function URL.
type urlCall struct {
	method string
	target string // path and query, from /lambda-url/ on, as it goes on the wire
	body   []byte
	header map[string]string
	signer *testSigner // nil: unsigned
	// tamper, if set, changes the request after it was signed.
	tamper func(*http.Request)
}

func (ts *testServer) urlRequest(t *testing.T, c urlCall) *http.Request {
	t.Helper()
	return ts.newRequest(t, c.method, c.target, c.body, c.signer, c.tamper, c.header)
}

func (ts *testServer) callURL(t *testing.T, c urlCall) reply {
	t.Helper()
	return ts.roundTrip(t, ts.urlRequest(t, c))
}

func TestURLEcho(t *testing.T) {
	ts := startServer(t, config{})
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	cases := []struct {
		name  string
		c     urlCall
		path  string
		query map[string][]string
	}{
		{"GET, no path", urlCall{method: "GET", target: "/lambda-url/url-echo", signer: &mainKeys}, "/", nil},
		{"GET, root", urlCall{method: "GET", target: "/lambda-url/url-echo/", signer: &mainKeys}, "/", nil},
		{"GET, path and query", urlCall{method: "GET", target: "/lambda-url/url-echo/a/b/c?b=2&a=1&a=0&s=x%20y&e=", signer: &mainKeys},
			"/a/b/c", map[string][]string{"a": {"1", "0"}, "b": {"2"}, "s": {"x y"}, "e": {""}}},
		{"escaped path", urlCall{method: "GET", target: "/lambda-url/url-echo/a%20b/%C3%A9t%C3%A9/x%3Ay", signer: &mainKeys},
			"/a%20b/%C3%A9t%C3%A9/x%3Ay", nil},
		{"POST, JSON", urlCall{method: "POST", target: "/lambda-url/url-echo/items", body: []byte(`{"k":"wörld"}`),
			header: map[string]string{"Content-Type": "application/json"}, signer: &mainKeys}, "/items", nil},
		{"PUT, binary", urlCall{method: "PUT", target: "/lambda-url/url-echo/blob", body: binary,
			header: map[string]string{"Content-Type": "application/octet-stream"}, signer: &mainKeys}, "/blob", nil},
		{"POST, empty", urlCall{method: "POST", target: "/lambda-url/url-echo/", signer: &mainKeys}, "/", nil},
		{"POST, x-amz-content-sha256 sent", urlCall{method: "POST", target: "/lambda-url/url-echo/h", body: binary,
			header: map[string]string{"X-Amz-Content-Sha256": payloadHash(binary)}, signer: &mainKeys}, "/h", nil},
		{"DELETE, session keys, another region", urlCall{method: "DELETE", target: "/lambda-url/url-echo/item/7?force=true",
			signer: &sessionKeys}, "/item/7", map[string][]string{"force": {"true"}}},
		{"PATCH, an unsigned header", urlCall{method: "PATCH", target: "/lambda-url/url-echo/p", body: []byte("x"),
			header: map[string]string{"X-Custom": "not signed"}, signer: &mainKeys}, "/p", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.callURL(t, tc.c)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("got %s", r)
			}
			var got urlEchoed
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			body, err := base64.StdEncoding.DecodeString(got.Body)
			if err != nil || !bytes.Equal(body, tc.c.body) || got.BodyLength != len(tc.c.body) {
				t.Errorf("body %q (%d bytes, %v), want %q", body, got.BodyLength, err, tc.c.body)
			}
			if got.Method != tc.c.method || got.Path != tc.path {
				t.Errorf("method %s path %s, want %s %s", got.Method, got.Path, tc.c.method, tc.path)
			}
			_, rawQuery, _ := strings.Cut(tc.c.target, "?")
			if got.RawQuery != rawQuery || len(got.Query) != len(tc.query) {
				t.Errorf("query %q %v, want %q %v", got.RawQuery, got.Query, rawQuery, tc.query)
			}
			for k, v := range tc.query {
				if strings.Join(got.Query[k], ",") != strings.Join(v, ",") || len(got.Query[k]) != len(v) {
					t.Errorf("query %s = %q, want %q", k, got.Query[k], v)
				}
			}
			if got.Headers["host"][0] != strings.TrimPrefix(ts.URL, "http://") || len(got.Headers["authorization"]) != 1 ||
				len(got.Headers["x-amz-date"]) != 1 {
				t.Errorf("headers %v", got.Headers)
			}
			for k, v := range tc.c.header {
				if h := got.Headers[strings.ToLower(k)]; len(h) != 1 || h[0] != v {
					t.Errorf("header %s = %q, want %q", k, h, v)
				}
			}
			if r.header.Get("X-Amzn-RequestId") == "" {
				t.Error("no X-Amzn-RequestId")
			}
		})
	}
	if snap := ts.stats(t); snap.URLRequests != int64(len(cases)) || snap.URLAuthFailures != 0 ||
		snap.Invocations != 0 || snap.SignatureFailures != 0 {
		t.Errorf("stats %+v", snap)
	}
}

func TestURLAuthFailures(t *testing.T) {
	ts := startServer(t, config{})
	wrongSecret := mainKeys
	wrongSecret.secret = "not the secret"
	wrongService := mainKeys
	wrongService.service = "execute-api"
	unknownKey := mainKeys
	unknownKey.accessKey = "AKIAUNKNOWNKEY000000"
	old := mainKeys
	old.at = time.Now().Add(-16 * time.Minute)
	unsignedPayload := mainKeys
	unsignedPayload.payloadHash = "UNSIGNED-PAYLOAD"
	body := []byte(`{"a":1}`)
	post := func(signer *testSigner) urlCall {
		return urlCall{method: "POST", target: "/lambda-url/url-echo/x?q=1", body: body, signer: signer}
	}
	with := func(c urlCall, change func(*urlCall)) urlCall {
		change(&c)
		return c
	}
	cases := []struct {
		name, errorType, body string
		c                     urlCall
	}{
		{"unsigned", "AccessDeniedException", `{"Message":"Forbidden"}`, post(nil)},
		{"unsigned GET", "AccessDeniedException", `{"Message":"Forbidden"}`, urlCall{method: "GET", target: "/lambda-url/url-status?status=200"}},
		{"wrong secret", "InvalidSignatureException", `"message":"The request signature we calculated does not match`, post(&wrongSecret)},
		{"wrong service", "InvalidSignatureException", `Credential should be scoped to correct service: 'lambda'.`, post(&wrongService)},
		{"unknown key", "UnrecognizedClientException", `The security token included in the request is invalid.`, post(&unknownKey)},
		{"expired", "InvalidSignatureException", `Signature expired`, post(&old)},
		{"body changed", "InvalidSignatureException", `does not match`,
			with(post(&mainKeys), func(c *urlCall) {
				c.tamper = func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"a":2}`)) }
			})},
		{"query changed", "InvalidSignatureException", `does not match`,
			with(post(&mainKeys), func(c *urlCall) { c.tamper = func(r *http.Request) { r.URL.RawQuery = "q=2" } })},
		{"path changed", "InvalidSignatureException", `does not match`,
			with(post(&mainKeys), func(c *urlCall) { c.tamper = func(r *http.Request) { r.URL.Path += "y" } })},
		{"method changed", "InvalidSignatureException", `does not match`,
			with(post(&mainKeys), func(c *urlCall) { c.tamper = func(r *http.Request) { r.Method = http.MethodPut } })},
		{"signed header changed", "InvalidSignatureException", `does not match`,
			with(post(&mainKeys), func(c *urlCall) {
				c.header = map[string]string{"X-Amz-Meta": "a"}
				c.tamper = func(r *http.Request) { r.Header.Set("X-Amz-Meta", "b") }
			})},
		{"x-amz-content-sha256 not the body's", "InvalidSignatureException", `'x-amz-content-sha256' header does not match`,
			with(post(&mainKeys), func(c *urlCall) { c.header = map[string]string{"X-Amz-Content-Sha256": strings.Repeat("0", 64)} })},
		{"UNSIGNED-PAYLOAD", "InvalidSignatureException", `does not match`,
			with(post(&unsignedPayload), func(c *urlCall) { c.header = map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"} })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.callURL(t, tc.c)
			if r.status != http.StatusForbidden || r.header.Get("X-Amzn-ErrorType") != tc.errorType ||
				!strings.Contains(string(r.body), tc.body) || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("want 403 %s %s, got %s", tc.errorType, tc.body, r)
			}
		})
	}
	if snap := ts.stats(t); snap.URLRequests != int64(len(cases)) || snap.URLAuthFailures != int64(len(cases)) {
		t.Errorf("urlRequests %d, urlAuthFailures %d, want %d", snap.URLRequests, snap.URLAuthFailures, len(cases))
	}

	t.Run("-no-auth", func(t *testing.T) {
		open := startServer(t, config{noAuth: true})
		if r := open.callURL(t, post(nil)); r.status != http.StatusOK {
			t.Fatalf("got %s", r)
		}
	})
}

func TestURLStatusAndNames(t *testing.T) {
	ts := startServer(t, config{})
	cases := []struct {
		target string
		status int
		body   string
	}{
		{"/lambda-url/url-status?status=200", 200, `{"status":200}`},
		{"/lambda-url/url-status/any/path?status=418", 418, `{"status":418}`},
		{"/lambda-url/url-status?status=503&x=1", 503, `{"status":503}`},
		{"/lambda-url/url-status?status=204", 204, ``},
		{"/lambda-url/url-status?status=99", 400, `{"message":"status must be a number from 200 to 599"}`},
		{"/lambda-url/url-status", 400, `{"message":"status must be a number from 200 to 599"}`},
		{"/lambda-url/nope/x", 404, `{"Message":"Not Found"}`},
		{"/lambda-url/", 404, `{"Message":"Not Found"}`},
	}
	for _, tc := range cases {
		r := ts.callURL(t, urlCall{method: "GET", target: tc.target, signer: &mainKeys})
		if r.status != tc.status || string(r.body) != tc.body {
			t.Errorf("%s: want %d %s, got %s", tc.target, tc.status, tc.body, r)
		}
	}
}

// url-stream's body is plain HTTP chunks, each flushed: lower bounds on
// the time between them only, with half a pause of slack.
func TestURLStream(t *testing.T) {
	ts := startServer(t, config{})
	const pauseMs = 300
	started := time.Now()
	resp, err := ts.client.Do(ts.urlRequest(t, urlCall{method: "GET",
		target: "/lambda-url/url-stream/s?chunks=3&firstMs=300&gapMs=300", signer: &mainKeys}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	headersAt := time.Since(started)
	if resp.StatusCode != http.StatusOK || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" ||
		resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%d %v %v", resp.StatusCode, resp.TransferEncoding, resp.Header)
	}
	lines := bufio.NewReader(resp.Body)
	var at []time.Duration
	for i := 1; i <= 3; i++ {
		line, err := lines.ReadString('\n')
		if err != nil || line != "chunk "+string(rune('0'+i))+"\n" {
			t.Fatalf("chunk %d: %q %v", i, line, err)
		}
		at = append(at, time.Since(started))
	}
	if rest, err := io.ReadAll(lines); err != nil || len(rest) != 0 {
		t.Fatalf("after the chunks: %q %v", rest, err)
	}
	slack := pauseMs / 2 * time.Millisecond
	if at[0]-headersAt < slack || at[1]-at[0] < slack || at[2]-at[1] < slack {
		t.Errorf("headers at %s, chunks at %v: not flushed apart", headersAt, at)
	}

	t.Run("defaults and a bad parameter", func(t *testing.T) {
		r := ts.callURL(t, urlCall{method: "POST", target: "/lambda-url/url-stream", body: []byte("ignored"), signer: &mainKeys})
		if r.status != http.StatusOK || string(r.body) != "chunk 1\nchunk 2\nchunk 3\n" {
			t.Errorf("got %s", r)
		}
		r = ts.callURL(t, urlCall{method: "GET", target: "/lambda-url/url-stream?gapMs=soon", signer: &mainKeys})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "gapMs must be a number") {
			t.Errorf("got %s", r)
		}
	})
}
