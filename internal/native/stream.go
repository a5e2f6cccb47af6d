package native

/*
#include "xk6_lambda.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// StreamReceiver gets a streamed call's chunks, then its outcome, on the
// goroutine that drains the completion queue, in the order they arrived.
// Its methods must return promptly: other calls' completions wait behind
// them.
type StreamReceiver interface {
	// WantsChunks tells whether Chunk needs the bytes (a script's
	// onChunk); without, the drain does not copy them.
	WantsChunks() bool
	// Chunk is one chunk (nil when WantsChunks is false) and the time
	// since the call's previous chunk (0 for the first), measured in the
	// library as it arrived.
	Chunk(data []byte, gap time.Duration)
	// Done is the outcome, once, after the last chunk.
	Done(*StreamOutcome)
}

// StreamOutcome is a streamed call's outcome (the library's JSON, see
// lambda_client_invoke_stream_queued in include/xk6_lambda.h). The
// embedded Outcome has what every call has; for InvokeWithResponseStream,
// its FunctionError is InvokeComplete's ErrorCode, so that a function error
// counts as invoke's does.
type StreamOutcome struct {
	Outcome
	// InvokeWithResponseStream.
	ContentType  *string `json:"contentType"`
	ErrorCode    *string `json:"errorCode"`
	ErrorDetails *string `json:"errorDetails"`
	// Function URLs: names in lower case, repeated ones joined with ", ".
	Headers map[string]string `json:"headers"`
	// What was received, however the call ended.
	Chunks             uint64 `json:"chunks"`
	PayloadBytes       uint64 `json:"payloadBytes"`
	TimeToFirstChunkNs *int64 `json:"timeToFirstChunkNs"`
}

// TimeToFirstChunk is from the call's start to its first chunk; ok is false
// when no chunk came.
func (o *StreamOutcome) TimeToFirstChunk() (d time.Duration, ok bool) {
	if o.TimeToFirstChunkNs == nil {
		return 0, false
	}
	return time.Duration(*o.TimeToFirstChunkNs), true
}

// decodeStreamOutcome reads a streamed call's outcome JSON; an unreadable
// one becomes an InternalError outcome, so that the call still ends.
func decodeStreamOutcome(data []byte) *StreamOutcome {
	if decodeFault != nil {
		decodeFault()
	}
	var o StreamOutcome
	if err := json.Unmarshal(data, &o); err != nil {
		return &StreamOutcome{Outcome: Outcome{Error: InternalError(fmt.Sprintf("unreadable result from the library: %v", err))}}
	}
	if o.ErrorCode != nil {
		o.FunctionError = o.ErrorCode
	}
	return &o
}

// StartStream sends an InvokeWithResponseStream call (req as for Start;
// RequestResponse or DryRun). receiver gets its chunks and outcome, unless
// a Rejection is returned (then nothing was sent).
func (c *Client) StartStream(req *Request, receiver StreamReceiver) (*InFlight, *Rejection) {
	return c.startQueued(receiver, func(queue *C.LambdaCompletionQueue, userData C.size_t,
		out **C.LambdaInvocation, outErr **C.char) C.enum_LambdaStatus {
		var pin runtime.Pinner
		defer pin.Unpin()
		creq := invokeRequest(&pin, req)
		return C.lambda_client_invoke_stream_queued(c.handle, &creq, queue, userData, out, outErr)
	})
}

// URLRequest is a request to a Lambda function URL, borrowed by StartURL
// for the duration of the call. The body is text or bytes, whichever the
// script gave.
type URLRequest struct {
	URL       string
	Method    string
	BodyText  string
	BodyBytes []byte
	Headers   [][2]string // name, value; sent in order
}

// StartURL sends a signed request to a function URL. receiver gets the
// body's pieces and the outcome, unless a Rejection is returned (then
// nothing was sent).
func (c *Client) StartURL(req *URLRequest, receiver StreamReceiver) (*InFlight, *Rejection) {
	return c.startQueued(receiver, func(queue *C.LambdaCompletionQueue, userData C.size_t,
		out **C.LambdaInvocation, outErr **C.char) C.enum_LambdaStatus {
		var pin runtime.Pinner
		defer pin.Unpin()
		var creq C.LambdaUrlRequest
		creq.url, creq.url_len = stringPtr(&pin, req.URL)
		creq.method, creq.method_len = stringPtr(&pin, req.Method)
		if req.BodyBytes != nil {
			creq.body, creq.body_len = bytesPtr(&pin, req.BodyBytes)
		} else {
			creq.body, creq.body_len = stringPtr(&pin, req.BodyText)
		}
		if len(req.Headers) > 0 {
			headers := make([]C.LambdaHeader, len(req.Headers))
			for i, h := range req.Headers {
				headers[i].name, headers[i].name_len = stringPtr(&pin, h[0])
				headers[i].value, headers[i].value_len = stringPtr(&pin, h[1])
			}
			// The array is Go memory inside creq: pinned, as cgo requires of
			// a Go pointer stored in memory passed to C.
			first := &headers[0]
			pin.Pin(first)
			creq.headers, creq.headers_len = first, C.size_t(len(headers))
		}
		return C.lambda_client_invoke_url_queued(c.handle, &creq, queue, userData, out, outErr)
	})
}

// chunkBytes copies a chunk out of the library's memory.
func chunkBytes(t C.LambdaText) []byte {
	if t.ptr == nil || t.len == 0 {
		return []byte{}
	}
	// #nosec G103 -- ptr/len describe the chunk, owned by the library until the completion is freed; copied here.
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(t.ptr)), textLen(t)))
}

// textBytes views a completion's text without copying, for decoding it
// before the completion is freed.
func textBytes(t C.LambdaText) []byte {
	if t.ptr == nil || t.len == 0 {
		return nil
	}
	// #nosec G103 -- ptr/len describe the completion's text, read before it is freed.
	return unsafe.Slice((*byte)(unsafe.Pointer(t.ptr)), textLen(t))
}
