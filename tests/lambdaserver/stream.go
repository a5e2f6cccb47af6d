package main

// The InvokeWithResponseStream operation:
// POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations
// (https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html).
//
// The request is Invoke's and is validated by the same code (invoke.go),
// except that X-Amz-Invocation-Type is RequestResponse or DryRun only.
// Errors found before the function runs are answered as Invoke answers
// them (JSON, X-Amzn-ErrorType). Otherwise the answer is 200 with
// Content-Type application/vnd.amazon.eventstream, the function's own
// content type in X-Amzn-Remapped-Content-Type, X-Amz-Executed-Version,
// and a chunked body of event stream messages (eventstream.go), each
// flushed as it is written: PayloadChunk events, then one InvokeComplete
// carrying the function error, if any, and the log tail when
// X-Amz-Log-Type is Tail. A function error is no 4xx/5xx and no
// X-Amz-Function-Error here: it only shows in the InvokeComplete.

import (
	"context"
	"net/http"
	"time"
)

const (
	streamPrefix    = "/2021-11-15/functions/"
	streamSuffix    = "/response-streaming-invocations"
	eventStreamType = "application/vnd.amazon.eventstream"
)

// eventStream writes the messages of one streamed answer.
type eventStream struct {
	w       *recorder
	rc      *http.ResponseController
	stats   *stats
	inv     *invocation
	started time.Time
	// err is the first write error: the client went away.
	err error
}

// beginStream sends the 200 and its headers, before any event, so that
// a client sees the answer begin before the first chunk is ready.
func (s *server) beginStream(w *recorder, inv *invocation, started time.Time, contentType string) *eventStream {
	h := w.Header()
	h.Set("Content-Type", eventStreamType)
	h.Set("X-Amzn-Remapped-Content-Type", contentType)
	h.Set("X-Amz-Executed-Version", inv.version)
	w.WriteHeader(http.StatusOK)
	out := &eventStream{w: w, rc: http.NewResponseController(w), stats: s.stats, inv: inv, started: started}
	out.err = out.rc.Flush()
	return out
}

// write sends bytes and flushes them; false once the client is gone.
func (out *eventStream) write(b []byte) bool {
	if out.err != nil {
		return false
	}
	if _, err := out.w.Write(b); err != nil {
		out.err = err
		return false
	}
	out.err = out.rc.Flush()
	return out.err == nil
}

// chunk sends a PayloadChunk event with payload as it is.
func (out *eventStream) chunk(payload []byte) bool {
	return out.chunkMessage(payloadChunkEvent(payload))
}

// chunkMessage sends an encoded PayloadChunk (perhaps damaged on
// purpose), counted just before it leaves.
func (out *eventStream) chunkMessage(msg []byte) bool {
	out.stats.countStreamChunk()
	return out.write(msg)
}

// complete ends the stream with InvokeComplete. The log ends here; its
// tail goes into LogResult when asked for, unless c already has one.
func (out *eventStream) complete(c invokeComplete) {
	log := out.inv.log.finish(time.Since(out.started), out.inv.cold)
	if c.LogResult == "" && out.inv.tail {
		c.LogResult = tail(log)
	}
	out.write(invokeCompleteEvent(c))
}

// streamEnd is how a streaming function ended.
type streamEnd struct {
	// errorType and errorDetails report a function error: ErrorCode and
	// ErrorDetails of the InvokeComplete.
	errorType, errorDetails string
	// done means the function ended the stream its own way: no
	// InvokeComplete follows.
	done bool
}

// streamBehaviour is a function that streams its answer itself
// (streamfunctions.go).
type streamBehaviour struct {
	// outcome, if set, is what byStatus counts instead of "200": decided
	// before the headers leave, like every outcome.
	outcome string
	run     func(ctx context.Context, inv *invocation, out *eventStream) streamEnd
}

// executeStream runs a streaming function: the headers at once, then
// whatever events it sends, then InvokeComplete unless it ended the
// stream itself or the client left.
func (s *server) executeStream(w *recorder, r *http.Request, inv *invocation, b streamBehaviour) {
	started := s.startExecution(inv)
	if b.outcome != "" {
		w.settle(b.outcome)
	}
	out := s.beginStream(w, inv, started, octetStream)
	end := b.run(r.Context(), inv, out)
	if end.done || out.err != nil || r.Context().Err() != nil {
		return
	}
	out.complete(invokeComplete{ErrorCode: end.errorType, ErrorDetails: end.errorDetails})
}

// executeBuffered runs one of the Invoke functions (functions.go) on the
// streaming route, as Lambda does with a function that does not stream:
// its whole answer in one PayloadChunk, then InvokeComplete. A function
// error sends no chunk: the error's type is the ErrorCode and its payload
// the ErrorDetails.
func (s *server) executeBuffered(w *recorder, r *http.Request, inv *invocation, b behaviour) {
	started := s.startExecution(inv)
	res := b.run(r.Context(), inv)
	if res.gone {
		w.settle(outcomeGone)
		return
	}
	out := s.beginStream(w, inv, started, jsonType)
	c := invokeComplete{LogResult: res.logResult}
	switch {
	case res.functionError != "":
		c.ErrorCode, c.ErrorDetails = res.errorType, string(res.payload)
		if c.ErrorCode == "" {
			c.ErrorCode = res.functionError
		}
	case len(res.payload) > 0:
		out.chunk(res.payload)
	}
	out.complete(c)
}
