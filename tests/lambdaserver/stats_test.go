package main

import (
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
)

// The counters must match, exactly, a known mix of requests sent at once.
func TestStatsCountEveryRequestOnce(t *testing.T) {
	ts := startServer(t, config{})
	wrongSecret := mainKeys
	wrongSecret.secret = "wrong"
	event := map[string]string{"X-Amz-Invocation-Type": "Event"}

	var calls []call
	var bytesSent int64
	add := func(n int, c call) {
		for i := 0; i < n; i++ {
			calls = append(calls, c)
			bytesSent += int64(len(c.body))
		}
	}
	add(40, signed("echo", `{"hello":"wörld"}`))
	add(10, signed("add-numbers", `{"x":1,"y":2}`))
	add(5, signed("echo%3Alive", `{}`))
	add(5, signed("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho", `{}`))
	add(7, signed("nope", `{}`))
	add(3, signed("throttle", `{}`))
	add(2, signed("fail-handled", `{}`))
	add(4, call{function: "echo", body: []byte(`{}`), signer: &wrongSecret})
	add(6, call{function: "echo", body: []byte(`{"e":1}`), headers: event, signer: &mainKeys})
	add(1, signed("server-error", `{}`))
	add(1, signed("echo", `{bad json`))

	requests := make([]*http.Request, len(calls))
	for i, c := range calls {
		requests[i] = ts.request(t, c)
	}
	ts.reset(t)
	var wg sync.WaitGroup
	errs := make(chan error, len(calls))
	for _, req := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := ts.client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			_ = resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := statsSnapshot{
		Invocations: int64(len(calls)),
		ByFunction: map[string]int64{
			"echo": 40 + 5 + 5 + 4 + 6 + 1, "add-numbers": 10, "nope": 7, "throttle": 3,
			"fail-handled": 2, "server-error": 1,
		},
		ByStatus: map[string]int64{
			"200": 40 + 10 + 5 + 5 + 2, "404": 7, "429": 3, "403": 4, "202": 6, "500": 1, "400": 1,
		},
		ColdStarts:        3, // echo, add-numbers, fail-handled
		SignatureFailures: 4,
		BytesReceived:     bytesSent,
		Recorded:          map[string]int64{}, // only the record function records
		TenantColdStarts:  map[string]int64{},
	}
	if got := ts.stats(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("stats\n got %+v\nwant %+v", got, want)
	}

	// Reset hands back what it cleared, then everything is zero.
	if got := ts.reset(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("reset returned %+v", got)
	}
	zero := statsSnapshot{ByFunction: map[string]int64{}, ByStatus: map[string]int64{}, Recorded: map[string]int64{},
		TenantColdStarts: map[string]int64{}}
	if got := ts.stats(t); !reflect.DeepEqual(got, zero) {
		t.Fatalf("after reset: %+v", got)
	}
}

// The JSON shape is part of the contract with the test scripts.
func TestStatsJSONShape(t *testing.T) {
	ts := startServer(t, config{})
	ts.invoke(t, signed("echo", `{}`))
	resp, err := ts.client.Get(ts.URL + "/_test/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var raw map[string]any
	if err := jsonDecode(resp, &raw); err != nil {
		t.Fatal(err)
	}
	want := `map[byFunction:map[echo:1] byStatus:map[200:1] bytesReceived:2 coldStarts:1 invocations:1 proxyAuthFailures:0 proxyConnects:0 proxyForwards:0 recorded:map[] restores:0 signatureFailures:0 streamChunks:0 streamInvocations:0 tenantColdStarts:map[] tlsHellos:0 urlAuthFailures:0 urlRequests:0]`
	if got := fmt.Sprint(raw); got != want || resp.StatusCode != http.StatusOK {
		t.Fatalf("stats JSON\n got %s\nwant %s", got, want)
	}
}

// The record function counts each payload it received, echoes it, and a
// reset forgets them: what tests of distributed runs compare.
func TestRecordCountsPayloads(t *testing.T) {
	ts := startServer(t, config{})
	for _, payload := range []string{`{"i":1}`, `{"i":2}`, `{"i":1}`} {
		if r := ts.invoke(t, signed("record", payload)); r.status != http.StatusOK || string(r.body) != payload {
			t.Fatalf("record %s: %d %q", payload, r.status, r.body)
		}
	}
	ts.invoke(t, signed("echo", `{"i":3}`))
	want := map[string]int64{`{"i":1}`: 2, `{"i":2}`: 1}
	if got := ts.reset(t).Recorded; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	if got := ts.stats(t).Recorded; len(got) != 0 {
		t.Fatalf("after reset: %v", got)
	}
}
