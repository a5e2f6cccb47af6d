package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// do sends c and returns the response (body unread) or the transport error.
func (ts *testServer) do(t *testing.T, c call, client *http.Client) (*http.Response, error) {
	t.Helper()
	if client == nil {
		client = ts.client
	}
	return client.Do(ts.request(t, c))
}

// fails sends c expecting no response: it returns the transport error, and
// closes the body of a response that came all the same.
func (ts *testServer) fails(t *testing.T, c call, client *http.Client) error {
	t.Helper()
	resp, err := ts.do(t, c, client)
	if err == nil {
		_ = resp.Body.Close()
	}
	return err
}

func TestMisbehaviours(t *testing.T) {
	ts := startServer(t, config{})

	t.Run("close-mid-body", func(t *testing.T) {
		resp, err := ts.do(t, signed("close-mid-body", `{}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.ContentLength != 100 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("status %d, length %d, %d bytes, err %v", resp.StatusCode, resp.ContentLength, len(body), err)
		}
		if string(body) != `{"data":"x` {
			t.Errorf("body %q", body)
		}
	})

	t.Run("reset", func(t *testing.T) {
		err := ts.fails(t, signed("reset", `{}`), nil)
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("want connection reset, got %v", err)
		}
	})

	t.Run("reset-during-upload", func(t *testing.T) {
		before := ts.stats(t).ByStatus[outcomeReset]
		err := ts.fails(t, signed("reset-during-upload", `"`+strings.Repeat("x", 5<<20)+`"`), nil)
		// Go's client may see the reset on its reading side first and close
		// the connection under the writer (net.ErrClosed).
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("want the upload cut by a reset, got %v", err)
		}
		ts.waitForStats(t, func(s statsSnapshot) bool { return s.ByStatus[outcomeReset] == before+1 })
	})

	t.Run("malformed-header", func(t *testing.T) {
		err := ts.fails(t, signed("malformed-header", `{}`), nil)
		if err == nil || !strings.Contains(err.Error(), "malformed MIME header") {
			t.Fatalf("want a malformed header error, got %v", err)
		}
	})

	t.Run("empty-200", func(t *testing.T) {
		r := ts.invoke(t, signed("empty-200", `{}`))
		if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("X-Amz-Executed-Version") != "" {
			t.Fatalf("got %s", r)
		}
	})

	t.Run("slow-headers", func(t *testing.T) {
		started := time.Now()
		r := ts.invoke(t, signed("slow-headers", `{"ms":100}`))
		if r.status != http.StatusOK || string(r.body) != `{"sleptMs":100}` || time.Since(started) < 100*time.Millisecond {
			t.Fatalf("got %s after %s", r, time.Since(started))
		}
		// And with Event, headers are just as late.
		c := signed("slow-headers", `{"ms":100}`)
		c.headers = map[string]string{"X-Amz-Invocation-Type": "Event"}
		started = time.Now()
		if r := ts.invoke(t, c); r.status != http.StatusAccepted || time.Since(started) < 100*time.Millisecond {
			t.Fatalf("Event: got %s after %s", r, time.Since(started))
		}
	})

	t.Run("clients that give up", func(t *testing.T) {
		impatient := &http.Client{Transport: &http.Transport{}, Timeout: 50 * time.Millisecond}
		defer impatient.CloseIdleConnections()
		before := ts.stats(t).ByStatus[outcomeGone]
		for _, fn := range []string{"slow-headers", "sleep"} {
			err := ts.fails(t, signed(fn, `{"ms":10000}`), impatient)
			if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(fmt.Sprint(err), "Timeout") {
				t.Fatalf("%s: want a timeout, got %v", fn, err)
			}
		}
		// The server stops waiting as soon as the client is gone.
		ts.waitForStats(t, func(s statsSnapshot) bool { return s.ByStatus[outcomeGone] == before+2 })
	})

	snap := ts.stats(t)
	for outcome, want := range map[string]int64{outcomeTruncated: 1, outcomeReset: 2, outcomeMalformed: 1, outcomeGone: 2} {
		if snap.ByStatus[outcome] != want {
			t.Errorf("byStatus[%s] = %d, want %d (%+v)", outcome, snap.ByStatus[outcome], want, snap.ByStatus)
		}
	}
	// Nothing was retried behind the test's back.
	for _, fn := range []string{"close-mid-body", "reset", "malformed-header", "empty-200"} {
		if snap.ByFunction[fn] != 1 {
			t.Errorf("byFunction[%s] = %d, want 1", fn, snap.ByFunction[fn])
		}
	}
}

// The misbehaviours of the fault suite (tests/e2e/faults.js), each counted
// once under its function and its outcome.
func TestFaultSuiteMisbehaviours(t *testing.T) {
	ts := startServer(t, config{})

	t.Run("not-http", func(t *testing.T) {
		err := ts.fails(t, signed("not-http", `{}`), nil)
		if err == nil || !strings.Contains(err.Error(), "malformed HTTP response") {
			t.Fatalf("want a malformed response error, got %v", err)
		}
		// What came is exactly the bytes promised, then the end.
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		if err := ts.request(t, signed("not-http", `{}`)).Write(conn); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(conn)
		if err != nil || string(got) != notHTTPBytes {
			t.Fatalf("read %q, %v; want %q then EOF", got, err, notHTTPBytes)
		}
	})

	t.Run("no-answer", func(t *testing.T) {
		impatient := &http.Client{Transport: &http.Transport{}, Timeout: 200 * time.Millisecond}
		defer impatient.CloseIdleConnections()
		before := ts.stats(t).ByStatus[outcomeGone]
		started := time.Now()
		err := ts.fails(t, signed("no-answer", `{}`), impatient)
		if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(fmt.Sprint(err), "Timeout") {
			t.Fatalf("want a timeout, got %v", err)
		}
		if elapsed := time.Since(started); elapsed < 200*time.Millisecond {
			t.Fatalf("gave up after %s", elapsed)
		}
		// Counted when the client went, not before.
		ts.waitForStats(t, func(s statsSnapshot) bool { return s.ByStatus[outcomeGone] == before+1 })
	})

	t.Run("proxy-502", func(t *testing.T) {
		r := ts.invoke(t, signed("proxy-502", `{}`))
		if r.status != http.StatusBadGateway || r.header.Get("Content-Type") != "text/html" ||
			string(r.body) != proxy502Body {
			t.Fatalf("got %s", r)
		}
		for _, h := range []string{"X-Amzn-ErrorType", "X-Amzn-RequestId", "X-Amz-Executed-Version"} {
			if v, ok := r.header[http.CanonicalHeaderKey(h)]; ok || r.header.Get(h) != "" {
				t.Errorf("%s sent: %q", h, v)
			}
		}
	})

	t.Run("big-response", func(t *testing.T) {
		r := ts.invoke(t, signed("big-response", `{}`))
		if r.status != http.StatusOK || len(r.body) != bigResponseSize || r.header.Get("Content-Length") != "7340032" {
			t.Fatalf("status %d, %d bytes, Content-Length %s", r.status, len(r.body), r.header.Get("Content-Length"))
		}
		var payload string
		if err := json.Unmarshal(r.body, &payload); err != nil || payload != strings.Repeat("x", bigResponseSize-2) {
			t.Fatalf("payload is not the JSON string of x's: %v", err)
		}
	})

	t.Run("bad-log-result", func(t *testing.T) {
		for _, logType := range []string{"None", "Tail"} {
			c := signed("bad-log-result", `{"a":1}`)
			c.headers = map[string]string{"X-Amz-Log-Type": logType}
			r := ts.invoke(t, c)
			logResult := r.header.Get("X-Amz-Log-Result")
			if r.status != http.StatusOK || string(r.body) != `{"a":1}` || logResult != badLogResultValue {
				t.Fatalf("%s: got %s", logType, r)
			}
			if _, err := base64.StdEncoding.DecodeString(logResult); err == nil {
				t.Fatalf("%s: %q is base64", logType, logResult)
			}
		}
	})

	snap := ts.stats(t)
	for outcome, want := range map[string]int64{outcomeNotHTTP: 2, outcomeGone: 1, "502": 1, "200": 3} {
		if snap.ByStatus[outcome] != want {
			t.Errorf("byStatus[%s] = %d, want %d (%+v)", outcome, snap.ByStatus[outcome], want, snap.ByStatus)
		}
	}
	for fn, want := range map[string]int64{"not-http": 2, "no-answer": 1, "proxy-502": 1, "big-response": 1, "bad-log-result": 2} {
		if snap.ByFunction[fn] != want {
			t.Errorf("byFunction[%s] = %d, want %d", fn, snap.ByFunction[fn], want)
		}
	}
	if snap.Invocations != 7 {
		t.Errorf("invocations = %d, want 7", snap.Invocations)
	}
}
