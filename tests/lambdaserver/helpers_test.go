package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// testSigner signs requests following the SigV4 specification step by
// step. It shares no code with sigv4.go on purpose: the server is only
// right if two separate readings of the spec agree.
type testSigner struct {
	accessKey, secret, token, region, service string
	// at is the signing time; zero means now.
	at time.Time
	// payloadHash, if set, is signed instead of the body's SHA-256 (as
	// UNSIGNED-PAYLOAD is).
	payloadHash string
}

var (
	mainKeys = testSigner{accessKey: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		region: "us-east-1", service: "lambda"}
	sessionKeys = testSigner{accessKey: "ASIAIOSFODNN7EXAMPLE", secret: "sessiontestsecretsecretsecret0000000000",
		token: "testsessiontoken", region: "eu-west-3", service: "lambda"}
)

// specEncode is the spec's UriEncode(): every byte but A-Za-z0-9-._~ (and
// '/' when keepSlash) as %XY with upper-case hex.
func specEncode(s string, keepSlash bool) string {
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	var out []byte
	for _, c := range []byte(s) {
		if strings.IndexByte(unreserved, c) >= 0 || (keepSlash && c == '/') {
			out = append(out, c)
		} else {
			out = append(out, []byte(fmt.Sprintf("%%%02X", c))...)
		}
	}
	return string(out)
}

// payloadHash is the hex SHA-256 of body, as signed and as sent in
// X-Amz-Content-Sha256.
func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// sign sets X-Amz-Date, X-Amz-Security-Token and Authorization on req,
// signing host, content-length, content-type and every x-amz-* header.
func (sg testSigner) sign(req *http.Request, body []byte) {
	at := sg.at
	if at.IsZero() {
		at = time.Now()
	}
	amzDate := at.UTC().Format("20060102T150405Z")
	date := amzDate[:8]
	req.Header.Set("X-Amz-Date", amzDate)
	if sg.token != "" {
		req.Header.Set("X-Amz-Security-Token", sg.token)
	}

	// Canonical URI: the path as it goes on the wire, encoded once more
	// (every service but S3 double-encodes).
	canonicalURI := specEncode(req.URL.EscapedPath(), true)

	// Canonical query: decoded, re-encoded, sorted by name then value.
	var params []string
	query, _ := url.ParseQuery(req.URL.RawQuery)
	for name, values := range query {
		for _, v := range values {
			params = append(params, specEncode(name, false)+"="+specEncode(v, false))
		}
	}
	sort.Strings(params)

	headers := map[string]string{
		"host":           req.URL.Host,
		"content-length": fmt.Sprint(len(body)),
	}
	for name, values := range req.Header {
		lower := strings.ToLower(name)
		if lower == "content-type" || strings.HasPrefix(lower, "x-amz-") {
			headers[lower] = strings.Join(strings.Fields(strings.Join(values, ",")), " ")
		}
	}
	var names []string
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	var canonicalHeaders strings.Builder
	for _, name := range names {
		canonicalHeaders.WriteString(name + ":" + headers[name] + "\n")
	}
	signedHeaders := strings.Join(names, ";")

	hashed := payloadHash(body)
	if sg.payloadHash != "" {
		hashed = sg.payloadHash
	}
	canonicalRequest := strings.Join([]string{
		req.Method, canonicalURI, strings.Join(params, "&"),
		canonicalHeaders.String(), signedHeaders, hashed,
	}, "\n")
	requestHash := sha256.Sum256([]byte(canonicalRequest))
	scope := date + "/" + sg.region + "/" + sg.service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(requestHash[:])

	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	key := mac(mac(mac(mac([]byte("AWS4"+sg.secret), date), sg.region), sg.service), "aws4_request")
	signature := hex.EncodeToString(mac(key, toSign))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		sg.accessKey, scope, signedHeaders, signature))
}

// testServer is a lambdaserver behind httptest.
type testServer struct {
	*httptest.Server
	srv    *server
	client *http.Client
}

func startServer(t *testing.T, cfg config) *testServer {
	t.Helper()
	if cfg.coldEvery == 0 {
		cfg.coldEvery = 4
	}
	srv := newServer(cfg)
	ts := &testServer{Server: httptest.NewServer(srv), srv: srv}
	// A transport of its own, so that connections this test breaks on
	// purpose are not shared with others.
	ts.client = &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections()
		ts.Close()
	})
	return ts
}

// call describes one Invoke (or InvokeWithResponseStream) request.
type call struct {
	function string            // the FunctionName path segment, as it goes on the wire
	stream   bool              // InvokeWithResponseStream's path rather than Invoke's
	query    string            // raw query, e.g. "Qualifier=live"
	body     []byte            // payload
	headers  map[string]string // extra headers (X-Amz-Invocation-Type, ...)
	signer   *testSigner       // nil: unsigned
	// tamper, if set, changes the request after it was signed.
	tamper func(*http.Request)
}

// reply is a complete response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string {
	return fmt.Sprintf("%d %v %q", r.status, r.header, r.body)
}

// errorType is X-Amzn-ErrorType.
func (r reply) errorType() string { return r.header.Get("X-Amzn-ErrorType") }

// message is the error body's message, whichever its spelling.
func (r reply) message(t *testing.T) string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if m, ok := body["message"].(string); ok {
		return m
	}
	m, _ := body["Message"].(string)
	return m
}

func (ts *testServer) request(t *testing.T, c call) *http.Request {
	t.Helper()
	target := invokePrefix + c.function + invokeSuffix
	if c.stream {
		target = "/2021-11-15/functions/" + c.function + "/response-streaming-invocations"
	}
	if c.query != "" {
		target += "?" + c.query
	}
	return ts.newRequest(t, http.MethodPost, target, c.body, c.signer, c.tamper,
		map[string]string{"Content-Type": "application/json"}, c.headers)
}

// newRequest is a request to the server for target (path and query, as
// they go on the wire), with the headers of each map set in turn, signed
// by signer (nil: unsigned), then changed by tamper (if set). Invoke and
// function URL requests are all made here, so that they are signed alike.
func (ts *testServer) newRequest(t *testing.T, method, target string, body []byte, signer *testSigner,
	tamper func(*http.Request), headers ...map[string]string,
) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range headers {
		for k, v := range set {
			req.Header.Set(k, v)
		}
	}
	if signer != nil {
		signer.sign(req, body)
	}
	if tamper != nil {
		tamper(req)
	}
	return req
}

// invoke sends c and reads the whole response; transport errors fail the
// test.
func (ts *testServer) invoke(t *testing.T, c call) reply {
	t.Helper()
	return ts.roundTrip(t, ts.request(t, c))
}

// roundTrip sends req and reads the whole response; transport errors fail
// the test.
func (ts *testServer) roundTrip(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// signed is a call signed with the main test keys.
func signed(function string, body string) call {
	return call{function: function, body: []byte(body), signer: &mainKeys}
}

func (ts *testServer) stats(t *testing.T) statsSnapshot {
	t.Helper()
	return ts.snapshot(t, http.MethodGet, "/_test/stats")
}

func (ts *testServer) reset(t *testing.T) statsSnapshot {
	t.Helper()
	return ts.snapshot(t, http.MethodPost, "/_test/reset")
}

// snapshot reads the counters both /_test endpoints answer with.
func (ts *testServer) snapshot(t *testing.T, method, path string) statsSnapshot {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var snap statsSnapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	return snap
}

// waitForStats polls until ok accepts the stats (for outcomes the server
// only notices after the client gave up).
func (ts *testServer) waitForStats(t *testing.T, ok func(statsSnapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		snap := ts.stats(t)
		if ok(snap) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never got there: %+v", snap)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}
