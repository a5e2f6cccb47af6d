package lambda

/*
#include <stdlib.h>
#include "xk6_lambda.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/grafana/sobek"
)

// exampleEvent is `exampleEvent(name)`: one of the example events of the
// aws_lambda_events crate (embedded in the library), as a string, so a
// load test can send realistic API Gateway, SQS or S3 events. The same
// events serve `lambda-invoke --data-example`.
func (mi *ModuleInstance) exampleEvent(call sobek.FunctionCall) sobek.Value {
	rt := mi.runtime()
	name, ok := call.Argument(0).Export().(string)
	if !ok {
		panic(mi.errors.invalidInvocation("name",
			"exampleEvent: the event name must be a string (e.g. 'sqs-event'), got "+describe(call.Argument(0))))
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := stringPtr(&pin, name)
	var text *C.uint8_t
	var textLen C.size_t
	var outErr *C.char
	status := C.lambda_example_event(ptr, n, &text, &textLen, &outErr)
	if r := statusRejection(status, outErr); r != nil {
		panic(mi.errors.fromOutcome(decodeRejection(r)))
	}
	// The text is static in the library: copied, never freed.
	return rt.ToValue(C.GoStringN((*C.char)(unsafe.Pointer(text)), C.int(textLen)))
}
