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
	"time"
	"unsafe"
)

// completionBatch is how many completions one take may return.
const completionBatch = 256

// completionQueue is the process's one completion queue, drained by one
// goroutine. Invocations are started with cgo.Handles of their completion
// functions as user data; the drain looks each up, once.
//
// Why a queue: the library could call back into Go per completion, but a
// callback from a runtime thread must find an idle Go processor each time,
// which costs a thread hand-off per invocation; a drain takes completions
// in batches on an ordinary goroutine.
//
// A NULL queue (the library could not allocate one) is returned as nil and
// never drained: Start refuses every invocation with an InternalError
// rather than a drain spinning on a queue that does not exist.
var completionQueue = sync.OnceValue(func() *C.LambdaCompletionQueue {
	queue := C.lambda_completion_queue_new()
	if queue != nil {
		go drainCompletions(queue)
	}
	return queue
})

// drainCompletions delivers completions as they arrive, for the life of
// the process. It waits on the queue's wake descriptor through Go's
// network poller: the goroutine parks as one reading a socket does, and
// the library's signal reaches it through the poller Go already runs,
// instead of waking an OS thread blocked in C that must then win a Go
// processor back. If the descriptor cannot be had, it waits in C.
func drainCompletions(queue *C.LambdaCompletionQueue) {
	batch := completionSlots()
	wake := wakeFile(queue)
	var counter [8]byte
	held := 0 // completions of the last take, read, freed by the next
	for {
		if wake == nil {
			C.lambda_completions_free(&batch[0], C.size_t(held))
			// Blocks in C for at most a second; the Go scheduler runs other
			// goroutines meanwhile.
			held = int(C.lambda_completion_queue_wait(queue, &batch[0], C.size_t(len(batch)), 1000))
		} else {
			held = int(C.lambda_completion_queue_take(queue, &batch[0], C.size_t(len(batch)), C.size_t(held)))
		}
		for i := range held {
			// Copied out of the library's memory before the next call
			// frees it.
			deliver(&batch[i])
		}
		if wake == nil || held > 0 {
			// The next take frees these (nothing stays held while the
			// drain waits) and may bring more.
			continue
		}
		// The queue was empty at the take: any later completion signals.
		if _, err := wake.Read(counter[:]); err != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: completion wake-up unreadable (%v); waiting in C from now on\n", err)
			_ = wake.Close()
			wake = nil
		}
	}
}

// completionSlots allocates the drain's batch in C memory, for the life
// of the process. Why not a Go slice: cgo checks every Go pointer argument
// for Go pointers inside it (cgocheck), and a 256-slot batch passed to each
// take and free cost 9.5% of k6's CPU at 10 VUs (perf, RESULTS.md).
func completionSlots() []C.LambdaCompletion {
	size := C.size_t(unsafe.Sizeof(C.LambdaCompletion{}))
	slots := (*C.LambdaCompletion)(C.calloc(completionBatch, size))
	if slots == nil {
		// Out of C memory: slower in Go memory, but the drain goes on.
		return make([]C.LambdaCompletion, completionBatch)
	}
	return unsafe.Slice(slots, completionBatch)
}

// wakeFile wraps the queue's wake descriptor (non-blocking, so os.NewFile
// registers it with the network poller); nil if the library gave none.
func wakeFile(queue *C.LambdaCompletionQueue) *os.File {
	fd := int(C.lambda_completion_queue_wake_fd(queue))
	if fd < 0 {
		return nil
	}
	return os.NewFile(uintptr(fd), "xk6-lambda-completions")
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
