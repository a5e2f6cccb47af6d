package lambda

// The cgo bridge (with completions.go, and examples.go for the static
// example events): it turns Go values into the C ABI of
// include/xk6_lambda.h and back, and owns the rules of that header: who
// frees what, and when.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libxk6_lambda.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
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
	"sync"
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
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// bytesPtr returns a pointer to b's data (nil when empty) and pins it, so
// that a C struct holding it may be passed to C (cgo's pointer rules).
func bytesPtr(p *runtime.Pinner, b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	ptr := unsafe.SliceData(b)
	p.Pin(ptr)
	return (*C.uint8_t)(ptr), C.size_t(len(b))
}

func stringPtr(p *runtime.Pinner, s string) (*C.uint8_t, C.size_t) {
	if s == "" {
		return nil, 0
	}
	ptr := unsafe.StringData(s)
	p.Pin(ptr)
	return (*C.uint8_t)(ptr), C.size_t(len(s))
}

// rejection is a refusal with a JSON body from the library
// (`{"error": {...}}`), or nil with an ABI error.
type rejection struct {
	json []byte
	err  error
}

// validateConfig checks a configuration without creating a client.
func validateConfig(configJSON []byte) *rejection {
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := bytesPtr(&pin, configJSON)
	var outErr *C.char
	status := C.lambda_config_validate(ptr, n, &outErr)
	return statusRejection(status, outErr)
}

func statusRejection(status C.enum_LambdaStatus, outErr *C.char) *rejection {
	switch status {
	case C.LAMBDA_STATUS_OK:
		return nil
	case C.LAMBDA_STATUS_INVALID_CONFIG, C.LAMBDA_STATUS_INVALID_REQUEST:
		return &rejection{json: takeString(outErr)}
	default:
		C.lambda_string_free(outErr)
		return &rejection{err: statusError(status)}
	}
}

// nativeClient owns one LambdaClient handle. It is freed when the Go value
// becomes unreachable (the JS LambdaClient was collected): in-flight
// invocations keep what they need on the Rust side.
type nativeClient struct {
	handle *C.LambdaClient
}

func newNativeClient(configJSON []byte) (*nativeClient, *rejection) {
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := bytesPtr(&pin, configJSON)
	var handle *C.LambdaClient
	var outErr *C.char
	status := C.lambda_client_new(ptr, n, &handle, &outErr)
	if r := statusRejection(status, outErr); r != nil {
		return nil, r
	}
	client := &nativeClient{handle: handle}
	runtime.AddCleanup(client, func(h *C.LambdaClient) { C.lambda_client_free(h) }, handle)
	return client, nil
}

// invokeRequest is what a script asked for, in Go memory.
type invokeRequest struct {
	FunctionName   string
	Payload        []byte
	InvocationType string
	LogType        string
	ClientContext  string
	Qualifier      string
	// Tags are k6 tags for this invocation's samples; not sent.
	Tags map[string]string
}

// inFlight is a started invocation. cancel and release may race (cancel
// comes from the VU context's goroutine), hence the lock: the handle is
// never used after it was freed.
type inFlight struct {
	mu     sync.Mutex
	handle *C.LambdaInvocation
}

func (f *inFlight) cancel() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.handle != nil {
		C.lambda_invocation_cancel(f.handle)
	}
}

// release frees the handle; call it once, after the completion arrived.
func (f *inFlight) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	C.lambda_invocation_free(f.handle)
	f.handle = nil
}

// start sends the invocation. onComplete receives the outcome JSON exactly
// once, on the goroutine that drains the completion queue, unless start
// returns a rejection (then nothing was sent and onComplete is never called).
func (c *nativeClient) start(req *invokeRequest, onComplete func([]byte)) (*inFlight, *rejection) {
	var pin runtime.Pinner
	defer pin.Unpin()
	var creq C.LambdaInvokeRequest
	creq.function_name, creq.function_name_len = stringPtr(&pin, req.FunctionName)
	creq.payload, creq.payload_len = bytesPtr(&pin, req.Payload)
	creq.invocation_type, creq.invocation_type_len = stringPtr(&pin, req.InvocationType)
	creq.log_type, creq.log_type_len = stringPtr(&pin, req.LogType)
	creq.client_context, creq.client_context_len = stringPtr(&pin, req.ClientContext)
	creq.qualifier, creq.qualifier_len = stringPtr(&pin, req.Qualifier)

	handle := cgo.NewHandle(onComplete)
	var invocation *C.LambdaInvocation
	var outErr *C.char
	status := C.lambda_client_invoke_queued(c.handle, &creq, completionQueue(),
		C.size_t(handle), &invocation, &outErr)
	runtime.KeepAlive(c)
	if r := statusRejection(status, outErr); r != nil {
		handle.Delete()
		return nil, r
	}
	return &inFlight{handle: invocation}, nil
}

// nativeLibraryID is the SHA-256 of the linked libxk6_lambda.a, set by
// scripts/build.sh with -ldflags -X. Go's build cache does not hash files
// named in #cgo LDFLAGS, so without it a rebuilt Rust library could be
// silently skipped by an up-to-date-looking link.
var nativeLibraryID = "unset"
