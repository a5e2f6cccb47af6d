package native

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// refusedClient is a client for refusedAddr: every call fails at once
// (TCPError).
func refusedClient() (*Client, error) {
	config := fmt.Appendf(nil, `{"region":"us-east-1","endpoint":"http://%s",`+
		`"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, refusedAddr)
	client, rej := NewClient(config)
	if rej != nil {
		return nil, fmt.Errorf("NewClient: %+v", rej.Decode())
	}
	return client, nil
}

// streamReceiver records a streamed call's outcomes.
type streamReceiver struct{ done chan *StreamOutcome }

func (streamReceiver) WantsChunks() bool             { return false }
func (streamReceiver) Chunk([]byte, time.Duration)   {}
func (r streamReceiver) Done(outcome *StreamOutcome) { r.done <- outcome }

// once waits for one value on ch, then makes sure no second one comes.
func once[T any](ch chan T) (T, error) {
	var got T
	select {
	case got = <-ch:
	case <-time.After(10 * time.Second):
		return got, errors.New("no outcome within 10 s")
	}
	select {
	case again := <-ch:
		return got, fmt.Errorf("a second outcome: %+v", again)
	case <-time.After(300 * time.Millisecond):
	}
	return got, nil
}

// A panic while the drain decodes a completion, which comes after the
// call's handle was deleted, still settles the call: its receiver gets an
// InternalError, exactly once (before, it got nothing, and the promise
// waited for ever). Invoke and a streamed call.
//
// Its client is freed when the garbage collector finds it unreachable,
// whenever that is: this file runs after live_test.go (files run in the
// order of their names), whose test wants the client count to move with
// it only.
func TestADecodingPanicStillDeliversOnce(t *testing.T) {
	base := liveCounts(t)
	decodeFault = func() { panic("a panic injected into decoding") }
	defer func() { decodeFault = nil }()
	if err := decodingPanicsSettleOnce(); err != nil {
		t.Fatal(err)
	}
	// Each call completed: nothing in flight, no completion held.
	waitForCounts(t, "after the calls", func(c LiveCounts) bool {
		return c.Invocations == base.Invocations && c.InFlight == 0 && c.Completions == 0
	})
}

func decodingPanicsSettleOnce() error {
	client, err := refusedClient()
	if err != nil {
		return err
	}
	done := make(chan *Outcome, 2)
	if _, rej := client.Start(&Request{FunctionName: "add-numbers", PayloadText: "{}"}, func(o *Outcome) { done <- o }); rej != nil {
		return fmt.Errorf("Start: %+v", rej.Decode())
	}
	outcome, err := once(done)
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	if outcome.Error == nil || outcome.Error.Name != "InternalError" ||
		!strings.Contains(outcome.Error.Message, "a panic injected into decoding") {
		return fmt.Errorf("invoke: want an InternalError, got %+v", outcome)
	}

	streamed := streamReceiver{done: make(chan *StreamOutcome, 2)}
	if _, rej := client.StartStream(&Request{FunctionName: "add-numbers", PayloadText: "{}"}, streamed); rej != nil {
		return fmt.Errorf("StartStream: %+v", rej.Decode())
	}
	got, err := once(streamed.done)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if got.Error == nil || got.Error.Name != "InternalError" {
		return fmt.Errorf("stream: want an InternalError, got %+v", got)
	}
	return nil
}

// Lengths are read as the library gives them, a size_t: a body over
// 2 GiB is no negative C.int.
func TestTextLengthsAreNotTruncated(t *testing.T) {
	for _, n := range []uint64{0, 1, 1<<31 - 1, 1 << 31, 3 << 30, 1<<32 + 5} {
		got, ok := textLength(n)
		if !ok || uint64(got) != n {
			t.Errorf("%d: got %d, %t", n, got, ok)
		}
	}
	if _, ok := textLength(math.MaxUint64); ok {
		t.Error("a length over math.MaxInt was taken")
	}
}
