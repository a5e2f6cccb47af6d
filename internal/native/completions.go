package native

/*
#include <stdlib.h>
#include "xk6_lambda.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// completionQueue is the process's one completion queue, drained by one
// goroutine. Invocations are started with cgo.Handles of their completion
// functions as user data; the drain looks each up, once.
//
// Why a queue: the library could call back into Go per completion, but a
// callback from a runtime thread must find an idle Go processor each time,
// which costs a thread hand-off per invocation; a drain reads completions
// in batches on an ordinary goroutine.
//
// A NULL queue (the library could not allocate one) is returned as nil and
// never drained: Start refuses every invocation with an InternalError
// rather than a drain spinning on a queue that does not exist.
var completionQueue = sync.OnceValue(func() *C.LambdaCompletionQueue {
	queue := C.lambda_completion_queue_new()
	if queue != nil {
		queueOpened.Store(true)
		go drainCompletions(queue, openRing(queue))
	}
	return queue
})

// queueOpened tells ReadLiveCounts that the completion queue exists (it
// must not create it).
var queueOpened atomic.Bool

// completionRing is Go's view of the queue's ring (LambdaCompletionRing in
// include/xk6_lambda.h): C memory, valid for the life of the process, whose
// counters are only touched with sync/atomic.
type completionRing struct {
	head, tail          *uint64
	signalled, overflow *uint32
	slots               []C.LambdaCompletion
}

func openRing(queue *C.LambdaCompletionQueue) *completionRing {
	r := C.lambda_completion_queue_ring(queue)
	// #nosec G103 -- fields of the ring's header, C memory that never moves; accessed atomically as the header says.
	return &completionRing{
		head:      (*uint64)(unsafe.Pointer(&r.head)),
		tail:      (*uint64)(unsafe.Pointer(&r.tail)),
		signalled: (*uint32)(unsafe.Pointer(&r.signalled)),
		overflow:  (*uint32)(unsafe.Pointer(&r.overflow)),
		slots:     unsafe.Slice(r.slots, int(r.capacity)), // #nosec G115 -- 1,024 slots
	}
}

// drainCompletions delivers completions as they arrive, for the life of
// the process, following the ring's protocol (LambdaCompletionRing): read
// the published slots, moving head past each once it is copied out; pull
// in overflowed ones; clear signalled, look once more; then wait for the
// wake descriptor.
//
// It never calls into the library on this path, nor makes a system call
// through Go's syscall package: each would enter Go's scheduler as a system
// call, and the first one after Go sat idle wakes Go's monitor thread
// (sysmon), which then polls every 20 µs. At a fixed arrival rate that was
// every completion: more than half of an invocation's context switches
// (tests/bench/RESULTS.md, findings 15 and 16). The wait parks the
// goroutine in Go's network poller, as one reading a socket does, and the
// descriptor is reset with a raw read.
func drainCompletions(queue *C.LambdaCompletionQueue, ring *completionRing) {
	wait := completionWaiter(queue)
	capacity := uint64(len(ring.slots))
	head := atomic.LoadUint64(ring.head)
	for {
		for tail := atomic.LoadUint64(ring.tail); head != tail; {
			deliver(&ring.slots[head%capacity])
			head++
			// Done with the slot: the library may free its data from now on.
			atomic.StoreUint64(ring.head, head)
		}
		if atomic.LoadUint32(ring.overflow) != 0 {
			// More completions than slots waited (a rare burst).
			C.lambda_completion_queue_refill(queue)
			continue
		}
		atomic.StoreUint32(ring.signalled, 0)
		if atomic.LoadUint64(ring.tail) != head || atomic.LoadUint32(ring.overflow) != 0 {
			// Published before the flag was cleared: no signal will come.
			continue
		}
		wait()
	}
}

// completionWaiter returns the drain's wait: in Go's network poller on the
// queue's wake descriptor, or, if the library gave none or it fails, in C
// for at most a second at a time (the Go scheduler runs other goroutines
// meanwhile).
func completionWaiter(queue *C.LambdaCompletionQueue) func() {
	waitInC := func() { C.lambda_completion_queue_wait_ready(queue, 1000) }
	wake := wakeConn(queue)
	if wake == nil {
		return waitInC
	}
	var counter [8]byte
	reset := func(fd uintptr) bool {
		// A raw read: no entry into Go's scheduler (see drainCompletions).
		// #nosec G103 -- an 8-byte read into counter, which outlives the call.
		_, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&counter[0])), uintptr(len(counter)))
		// EAGAIN: not signalled yet, wait in the poller; anything else ends
		// this wait (a signal read, or an error for the next wait to see).
		return errno != syscall.EAGAIN
	}
	return func() {
		if wake == nil {
			waitInC()
			return
		}
		if err := wake.Read(reset); err != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: completion wake-up unreadable (%v); waiting in C from now on\n", err)
			wake = nil
		}
	}
}

// wakeConn wraps the queue's wake descriptor (non-blocking, so os.NewFile
// registers it with the network poller) for raw reads; nil if the library
// gave none or it cannot be wrapped.
func wakeConn(queue *C.LambdaCompletionQueue) syscall.RawConn {
	fd := int(C.lambda_completion_queue_wake_fd(queue))
	if fd < 0 {
		return nil
	}
	file := os.NewFile(uintptr(fd), "xk6-lambda-completions")
	// The RawConn refers to the file, so the file (and the descriptor its
	// finalizer would close) lives as long as the drain holds the RawConn.
	conn, err := file.SyscallConn()
	if err != nil {
		_ = file.Close()
		return nil
	}
	return conn
}

// deliver hands one completion to its call's receiver: an invocation's
// outcome to its func(*Outcome); a streamed call's chunk, then its outcome,
// to its StreamReceiver. The call's last completion deletes its handle,
// and its receiver then gets an outcome whatever happens: one decoded
// from the completion, or an InternalError when the decoding panicked
// (decodeSafely), so that its promise settles once. A panic in the
// receiver is reported, not allowed to stop the drain: other calls are
// waiting on it.
func deliver(c *C.LambdaCompletion) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: completion handler panicked: %v\n", r)
		}
	}()
	handle := cgo.Handle(c.user_data)
	switch c.kind {
	case C.LAMBDA_COMPLETION_KIND_CHUNK:
		if receiver, ok := handle.Value().(StreamReceiver); ok {
			var data []byte
			if receiver.WantsChunks() {
				data = chunkBytes(c.bytes)
			}
			receiver.Chunk(data, time.Duration(c.gap_ns)) // #nosec G115 -- nanoseconds between two chunks
		}
	case C.LAMBDA_COMPLETION_KIND_STREAMED:
		receiver, _ := handle.Value().(StreamReceiver)
		handle.Delete()
		if receiver != nil {
			receiver.Done(decodeSafely(func() *StreamOutcome { return decodeStreamOutcome(textBytes(c.bytes)) },
				func(message string) *StreamOutcome {
					return &StreamOutcome{Outcome: Outcome{Error: InternalError(message)}}
				}))
		}
	default:
		onComplete, _ := handle.Value().(func(*Outcome))
		handle.Delete()
		if onComplete != nil {
			onComplete(decodeSafely(func() *Outcome { return outcomeOf(&c.result) },
				func(message string) *Outcome { return &Outcome{Error: InternalError(message)} }))
		}
	}
}

// decodeSafely returns decode's outcome, or, if decoding panicked, the
// outcome failed makes of what went wrong (reported on stderr too).
func decodeSafely[T any](decode func() T, failed func(message string) T) (outcome T) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: decoding a completion panicked: %v\n", r)
			outcome = failed(fmt.Sprintf("xk6-lambda: the library's outcome could not be decoded: %v", r))
		}
	}()
	return decode()
}

// decodeFault, when set (by tests), is called as a completion is
// decoded: a panic there stands for one of the decoding itself.
var decodeFault func()

// outcomeOf copies a completion's flat result (LambdaResult in
// include/xk6_lambda.h) into Go memory: each string once, the payload
// included; only an error comes as JSON.
func outcomeOf(r *C.LambdaResult) *Outcome {
	if decodeFault != nil {
		decodeFault()
	}
	o := &Outcome{
		StatusCode:      int(r.status_code),
		Payload:         goString(r.payload),
		ExecutedVersion: optionalString(r.executed_version),
		LogResult:       optionalString(r.log_result),
		FunctionError:   optionalString(r.function_error),
		// Only when Lambda sent it (a durable function's answer).
		DurableExecutionArn: optionalString(r.durable_execution_arn),
		BytesSent:           uint64(r.bytes_sent),
		BytesReceived:       uint64(r.bytes_received),
		EndUnixNs:           int64(r.end_unix_ns), // #nosec G115 -- Unix nanoseconds fit until 2262
	}
	if bool(r.on_wire) {
		d := int64(r.duration_ns) // #nosec G115 -- a duration in nanoseconds, far below 2^63
		o.DurationNs = &d
	}
	if bool(r.has_report) {
		o.Report = &Report{
			DurationMs:       float64(r.report_duration_ms),
			BilledDurationMs: float64(r.report_billed_duration_ms),
			MemorySizeMB:     float64(r.report_memory_size_mb),
			MaxMemoryUsedMB:  float64(r.report_max_memory_used_mb),
		}
		if bool(r.has_init_duration) {
			init := float64(r.report_init_duration_ms)
			o.Report.InitDurationMs = &init
		}
		if bool(r.has_restore_duration) {
			restore := float64(r.report_restore_duration_ms)
			o.Report.RestoreDurationMs = &restore
		}
		if bool(r.has_billed_restore_duration) {
			billed := float64(r.report_billed_restore_duration_ms)
			o.Report.BilledRestoreDurationMs = &billed
		}
	}
	if r.error_json.ptr != nil {
		var e OutcomeError
		if err := json.Unmarshal(textBytes(r.error_json), &e); err != nil {
			e = *InternalError(fmt.Sprintf("unreadable error from the library: %v", err))
		}
		o.Error = &e
	}
	return o
}

// goString copies a LambdaText; absent is "".
func goString(t C.LambdaText) string {
	if t.ptr == nil || t.len == 0 {
		return ""
	}
	// #nosec G103 -- ptr/len describe text the library owns until the completion is freed; copied here.
	return string(unsafe.Slice((*byte)(unsafe.Pointer(t.ptr)), textLen(t)))
}

// textLen is t's length as a Go length. The library gives a size_t:
// C.int, as it was read before, turned a body over 2 GiB into a negative
// length (a panic) or a wrong one. Over math.MaxInt, it panics (a bug of
// the library; deliver turns it into an InternalError).
func textLen(t C.LambdaText) int {
	n, ok := textLength(uint64(t.len))
	if !ok {
		panic(fmt.Sprintf("a text of %d bytes from the library", uint64(t.len)))
	}
	return n
}

// textLength is a length from the library as a Go length; false over
// math.MaxInt.
func textLength(n uint64) (int, bool) {
	if n > math.MaxInt {
		return 0, false
	}
	return int(n), true
}

// optionalString copies a LambdaText, nil when absent.
func optionalString(t C.LambdaText) *string {
	if t.ptr == nil {
		return nil
	}
	s := goString(t)
	return &s
}
