package native

/*
#include "xk6_lambda.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ExampleEvent returns one of the example events embedded in the library
// (the aws_lambda_events crate's fixtures), or the library's refusal of
// an unknown name.
func ExampleEvent(name string) (string, *Rejection) {
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, n := stringPtr(&pin, name)
	var text *C.uint8_t
	var textLen C.size_t
	var outErr *C.char
	status := C.lambda_example_event(ptr, n, &text, &textLen, &outErr)
	if r := statusRejection(status, outErr); r != nil {
		return "", r
	}
	// The text is static in the library: copied, never freed.
	// #nosec G103 G115 -- text/textLen describe static bytes in the library
	// (an example event of a few KB).
	return C.GoStringN((*C.char)(unsafe.Pointer(text)), C.int(textLen)), nil
}
