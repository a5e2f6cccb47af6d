package native

/*
#include "xk6_lambda.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// completionBatch is how many completions one wait may return.
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

func drainCompletions(queue *C.LambdaCompletionQueue) {
	batch := make([]C.LambdaCompletion, completionBatch)
	for {
		// Blocks in C for at most a second; the Go scheduler runs other
		// goroutines meanwhile.
		n := int(C.lambda_completion_queue_wait(queue, &batch[0], C.size_t(len(batch)), 1000))
		for i := range n {
			c := &batch[i]
			// #nosec G103 G115 -- json/json_len describe a buffer the library
			// owns until lambda_completions_free below; an outcome is at most
			// a 6 MB payload plus its fields, far below C.int's range.
			deliver(uintptr(c.user_data), C.GoBytes(unsafe.Pointer(c.json), C.int(c.json_len)))
		}
		if n > 0 {
			C.lambda_completions_free(&batch[0], C.size_t(n))
			// Freed: no pointer into the library's memory stays behind.
			clear(batch[:n])
		}
	}
}

// deliver hands one outcome to its invocation's completion function. A
// panic there is reported, not allowed to stop the drain: other
// invocations are waiting on it.
func deliver(userData uintptr, outcome []byte) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: completion handler panicked: %v\n", r)
		}
	}()
	handle := cgo.Handle(userData)
	onComplete, _ := handle.Value().(func([]byte))
	handle.Delete()
	if onComplete != nil {
		onComplete(outcome)
	}
}
