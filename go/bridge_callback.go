package lambda

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"unsafe"
)

// xk6LambdaComplete is the library's completion callback. It runs on a
// Rust runtime thread: it copies the outcome (borrowed for this call only)
// and hands it to the invocation's Go function. It must not panic: a Go
// panic cannot unwind through the Rust frames below it.
//
//export xk6LambdaComplete
func xk6LambdaComplete(userData C.size_t, responseJSON *C.uint8_t, responseLen C.size_t) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "xk6-lambda: completion handler panicked: %v\n", r)
		}
	}()
	handle := cgo.Handle(userData)
	onComplete, _ := handle.Value().(func([]byte))
	handle.Delete()
	outcome := C.GoBytes(unsafe.Pointer(responseJSON), C.int(responseLen))
	if onComplete != nil {
		onComplete(outcome)
	}
}
