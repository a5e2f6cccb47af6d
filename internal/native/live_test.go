package native

import (
	"fmt"
	"runtime"
	"testing"
	"time"
	"weak"
)

// refusedAddr refuses every connection, for certain: port 1 of loopback
// is privileged and outside the ephemeral range, so no other test's
// listener can take it and no connection's own source port can be it (a
// port freed by closing a listener could be both, under load).
const refusedAddr = "127.0.0.1:1"

func liveCounts(t *testing.T) LiveCounts {
	t.Helper()
	counts, err := ReadLiveCounts()
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// waitForCounts polls until want(counts) holds, for at most 10 s,
// collecting garbage each time (client handles are freed by cleanups that
// run after a collection).
func waitForCounts(t *testing.T, what string, want func(LiveCounts) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts := liveCounts(t)
		if want(counts) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: live counts %+v", what, counts)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// A Client is collected, and its handle freed, even when it was allocated
// right after a small value that stays reachable. Each Client here follows
// a live 8-byte value, as the first Client of a process was followed by the
// completion drain's wake counter: while Go's tiny allocator could put both
// in one 16-byte block, freed only when all of it is unreachable, a Client
// there was never collected (1 run in 30 to 60 of the next test, under load).
func TestAClientBesideALongLivedSmallValueIsCollected(t *testing.T) {
	const n = 64
	alive := make([]*uint64, n)
	clients := make([]weak.Pointer[Client], n)
	for i := range n {
		alive[i] = new(uint64)
		clients[i] = weak.Make(ownClient(nil)) // freeing NULL is a no-op
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		kept := 0
		for _, c := range clients {
			if c.Value() != nil {
				kept++
			}
		}
		if kept == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d clients were never collected", kept, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(alive)
}

// An invocation, refused or completed, leaves nothing behind once its
// completion was delivered; the client handle goes when the
// Go value is collected. The tests of this package run one at a time, so
// the counts move only with this test.
func TestLiveCountsFollowInvocationsBackToZero(t *testing.T) {
	const addr = refusedAddr

	base := liveCounts(t)
	const n = 5
	// The client lives on a goroutine of its own, which ends, so that no
	// frame of the goroutine that waits for its collection ever held it
	// (the innermost frame of a goroutine preempted by a signal is scanned
	// conservatively, stale slots included).
	result := make(chan []*InFlight, 1)
	go func() {
		var flights []*InFlight
		defer func() { result <- flights }() // also when t.Fatalf ends it
		flights = invokeRefused(t, base, addr, n)
	}()
	flights := <-result
	if flights == nil {
		t.FailNow()
	}
	// No invocation handle to free: a queued call is cancelled through its
	// queue, by its user data.
	if got := liveCounts(t); got.Invocations != base.Invocations {
		t.Fatalf("invocations %d, want %d: no handle was asked for", got.Invocations, base.Invocations)
	}
	// The client is unreachable now: a collection frees its handle.
	waitForCounts(t, "after the completions and a collection", func(c LiveCounts) bool {
		return c.Clients == base.Clients && c.Invocations == base.Invocations &&
			c.InFlight == 0 && c.Completions == 0 && c.Strings == 0 && c.Queues == 1
	})
}

// invokeRefused makes a client for addr, starts n invocations on it (and
// one the library refuses), waits for their completions and returns them
// (nothing to release). The client is unreachable once it returns.
func invokeRefused(t *testing.T, base LiveCounts, addr string, n int) []*InFlight {
	t.Helper()
	config := fmt.Appendf(nil, `{"region":"us-east-1","endpoint":"http://%s",`+
		`"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, addr)
	client, rej := NewClient(config)
	if rej != nil {
		t.Fatalf("NewClient: %+v", rej.Decode())
	}
	if got := liveCounts(t); got.Clients != base.Clients+1 {
		t.Fatalf("clients %d after NewClient, want %d", got.Clients, base.Clients+1)
	}
	done := make(chan *Outcome, n)
	var flights []*InFlight
	for range n {
		flight, rej := client.Start(&Request{FunctionName: "add-numbers", PayloadText: "{}"}, func(o *Outcome) { done <- o })
		if rej != nil {
			t.Fatalf("Start: %+v", rej.Decode())
		}
		flights = append(flights, flight)
	}
	// Refused before sending: its error string is copied and freed.
	if _, rej := client.Start(&Request{FunctionName: "add-numbers", LogType: "Full"}, func(*Outcome) {}); rej == nil {
		t.Fatal("a LogType of Full was accepted")
	}
	for range n {
		select {
		case outcome := <-done:
			if o := outcome; o.Error == nil || o.Error.Name != "TCPError" {
				t.Fatalf("want a refused connection, got %+v", outcome)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("an invocation did not complete")
		}
	}
	return flights
}
