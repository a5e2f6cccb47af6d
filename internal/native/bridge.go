// Package native is the cgo bridge to the Rust core (include/xk6_lambda.h,
// linked from lib/<GOOS>_<GOARCH>/libxk6_lambda.a). It turns Go values into
// the C ABI and back, and owns the rules of that header: who frees what,
// and when. Nothing else in the module speaks C.
package native

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include <string.h>
#include "xk6_lambda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// errLibrary is an ABI-level failure: a NULL, non-UTF-8 text or a panic
// inside the library. Scripts see it as an InternalError.
var errLibrary = errors.New("xk6-lambda library error")

func statusError(status C.enum_LambdaStatus) error {
	switch status {
	case C.LAMBDA_STATUS_NULL_ARGUMENT:
		return fmt.Errorf("%w: a required argument was missing", errLibrary)
	case C.LAMBDA_STATUS_INVALID_UTF8:
		return fmt.Errorf("%w: a text argument is not valid UTF-8", errLibrary)
	case C.LAMBDA_STATUS_PANIC:
		return fmt.Errorf("%w: the library panicked (it recovered; see stderr)", errLibrary)
	default:
		return fmt.Errorf("%w: status %d", errLibrary, int(status))
	}
}

// takeString copies and frees a string the library handed over.
func takeString(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer C.lambda_string_free(s)
	// #nosec G103 G115 -- s is a NUL-terminated string the library allocated
	// (an error JSON of a few hundred bytes), read once before it is freed.
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// bytesPtr returns a pointer to b's data (nil when empty) and pins it, so
// that a C struct holding it may be passed to C (cgo's pointer rules).
func bytesPtr(p *runtime.Pinner, b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	ptr := unsafe.SliceData(b) // #nosec G103 -- pinned below; C reads it only during the call
	p.Pin(ptr)
	return (*C.uint8_t)(ptr), C.size_t(len(b))
}

func stringPtr(p *runtime.Pinner, s string) (*C.uint8_t, C.size_t) {
	if s == "" {
		return nil, 0
	}
	ptr := unsafe.StringData(s) // #nosec G103 -- pinned below; C reads it only during the call
	p.Pin(ptr)
	return (*C.uint8_t)(ptr), C.size_t(len(s))
}

// ValidateConfig checks a configuration without creating a client.
func ValidateConfig(configJSON []byte) *Rejection {
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := bytesPtr(&pin, configJSON)
	var outErr *C.char
	status := C.lambda_config_validate(ptr, n, &outErr)
	return statusRejection(status, outErr)
}

func statusRejection(status C.enum_LambdaStatus, outErr *C.char) *Rejection {
	switch status {
	case C.LAMBDA_STATUS_OK:
		return nil
	case C.LAMBDA_STATUS_INVALID_CONFIG, C.LAMBDA_STATUS_INVALID_REQUEST:
		return &Rejection{json: takeString(outErr)}
	default:
		C.lambda_string_free(outErr)
		return &Rejection{err: statusError(status)}
	}
}

// Client owns one LambdaClient handle. It is freed when the Go value
// becomes unreachable (the JS LambdaClient was collected): in-flight
// invocations keep what they need on the Rust side.
type Client struct {
	handle *C.LambdaClient
	// Sixteen bytes, not eight, so that Go's tiny allocator never packs a
	// Client with another small value. It puts pointer-free objects under
	// 16 bytes together in 16-byte blocks (a pointer to an opaque C type
	// is not a Go pointer, so a bare Client is one), and frees a block only
	// when nothing in it is reachable: a Client beside a value that lives
	// on (the first one of a process sat beside the completion drain's
	// wake counter) was never collected, and its library client never freed.
	_ [8]byte
}

// NewClient creates a client from its configuration JSON (see ClientConfig
// in src/config.rs), or returns the library's refusal. It does no I/O.
func NewClient(configJSON []byte) (*Client, *Rejection) {
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := bytesPtr(&pin, configJSON)
	var handle *C.LambdaClient
	var outErr *C.char
	status := C.lambda_client_new(ptr, n, &handle, &outErr)
	if r := statusRejection(status, outErr); r != nil {
		return nil, r
	}
	return ownClient(handle), nil
}

// ownClient wraps handle in a Client that frees it once unreachable.
func ownClient(handle *C.LambdaClient) *Client {
	client := &Client{handle: handle}
	runtime.AddCleanup(client, func(h *C.LambdaClient) { C.lambda_client_free(h) }, handle)
	return client
}

// Request is what a script asked for, in Go memory, borrowed by Start for
// the duration of the call: the library copies what it sends, once, and Go
// keeps nothing of the payload (a 6 MB payload in flight is 6 MB, not 12).
// The payload is text (a JS string, used in place) or bytes (an
// ArrayBuffer's), whichever the script gave.
type Request struct {
	FunctionName   string
	PayloadText    string
	PayloadBytes   []byte
	InvocationType string
	LogType        string
	ClientContext  string
	Qualifier      string
	// TenantID is X-Amz-Tenant-Id, DurableExecutionName
	// X-Amz-Durable-Execution-Name; empty is not sent (the JS layer refuses
	// an empty one before it gets here).
	TenantID             string
	DurableExecutionName string
}

// InFlight is a started call: its queue and user data, all the library
// needs to cancel it (lambda_completion_queue_cancel). There is no handle
// to free: a call on the queue needs none, so its completion costs Go no
// call into the library (see drainCompletions).
type InFlight struct {
	queue    *C.LambdaCompletionQueue
	userData C.size_t
}

// Cancel asks the library to stop the call; it still completes once. A
// call that completed already is left alone (its user data, a cgo.Handle,
// is never reused by another call).
func (f *InFlight) Cancel() {
	C.lambda_completion_queue_cancel(f.queue, f.userData)
}

// Start sends the invocation. onComplete receives the outcome exactly
// once, on the goroutine that drains the completion queue, unless start
// returns a Rejection (then nothing was sent and onComplete is never called).
func (c *Client) Start(req *Request, onComplete func(*Outcome)) (*InFlight, *Rejection) {
	return c.startQueued(onComplete, func(queue *C.LambdaCompletionQueue, userData C.size_t,
		out **C.LambdaInvocation, outErr **C.char) C.enum_LambdaStatus {
		var pin runtime.Pinner
		defer pin.Unpin()
		creq := invokeRequest(&pin, req)
		return C.lambda_client_invoke_queued(c.handle, &creq, queue, userData, out, outErr)
	})
}

// invokeRequest is req as the C ABI borrows it, its Go memory pinned by p.
func invokeRequest(p *runtime.Pinner, req *Request) C.LambdaInvokeRequest {
	var creq C.LambdaInvokeRequest
	creq.function_name, creq.function_name_len = stringPtr(p, req.FunctionName)
	if req.PayloadBytes != nil {
		creq.payload, creq.payload_len = bytesPtr(p, req.PayloadBytes)
	} else {
		creq.payload, creq.payload_len = stringPtr(p, req.PayloadText)
	}
	creq.invocation_type, creq.invocation_type_len = stringPtr(p, req.InvocationType)
	creq.log_type, creq.log_type_len = stringPtr(p, req.LogType)
	creq.client_context, creq.client_context_len = stringPtr(p, req.ClientContext)
	creq.qualifier, creq.qualifier_len = stringPtr(p, req.Qualifier)
	creq.tenant_id, creq.tenant_id_len = stringPtr(p, req.TenantID)
	creq.durable_execution_name, creq.durable_execution_name_len = stringPtr(p, req.DurableExecutionName)
	return creq
}

// queuedStart is one of the library's `lambda_client_*_queued` calls.
type queuedStart func(queue *C.LambdaCompletionQueue, userData C.size_t,
	out **C.LambdaInvocation, outErr **C.char) C.enum_LambdaStatus

// startQueued starts a call whose completions go to the drain, which hands
// them to receiver (a func(*Outcome) or a StreamReceiver; see deliver).
func (c *Client) startQueued(receiver any, start queuedStart) (*InFlight, *Rejection) {
	queue := completionQueue()
	if queue == nil {
		return nil, &Rejection{err: fmt.Errorf("%w: the completion queue could not be created", errLibrary)}
	}
	handle := cgo.NewHandle(receiver)
	var outErr *C.char
	// The cgo.Handle travels as the completions' user data, an integer:
	// the library never dereferences it; deliver() turns it back, and
	// deletes it with the call's last completion. No invocation handle is
	// asked for (NULL): Cancel goes through the queue.
	status := start(queue, C.size_t(handle), nil, &outErr)
	runtime.KeepAlive(c)
	if r := statusRejection(status, outErr); r != nil {
		handle.Delete()
		return nil, r
	}
	return &InFlight{queue: queue, userData: C.size_t(handle)}, nil
}

// nativeLibraryID is the SHA-256 of the linked libxk6_lambda.a, set by
// scripts/build.sh with -ldflags -X. Go's build cache does not hash files
// named in #cgo LDFLAGS, so without it a rebuilt Rust library could be
// silently skipped by an up-to-date-looking link.
var nativeLibraryID = "unset"
