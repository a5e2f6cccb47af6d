package main

import (
	"context"
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
