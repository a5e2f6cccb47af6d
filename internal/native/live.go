package native

/*
#include "xk6_lambda.h"
*/
import "C"

// LiveCounts is what the library has handed over and not yet had back,
// process-wide (lambda_live_counts in include/xk6_lambda.h): a leak check
// for the end of a test. After every invocation settled, InFlight,
// Completions, Invocations and Strings are 0; Queues is 1 once the
// process's completion queue exists (it lives as long as the process);
// Clients counts the LambdaClient objects of scripts that the garbage
// collector has not freed yet.
type LiveCounts struct {
	Clients     int64 // client handles not yet freed
	Queues      int64 // completion queues not yet freed
	Invocations int64 // invocation handles not yet released
	InFlight    int64 // invocations started and not yet completed
	Completions int64 // completions produced and not yet freed by the drain
	Strings     int64 // error strings not yet freed
}

// ReadLiveCounts reads the library's live counts.
func ReadLiveCounts() (LiveCounts, error) {
	// The completions the drain has read stay the ring's until the library
	// reclaims them, at its next publication: reclaim them now, so that
	// what is done with is not counted as live.
	if queueOpened.Load() {
		C.lambda_completion_queue_refill(completionQueue())
	}
	var out C.LambdaLiveCounts
	if status := C.lambda_live_counts(&out); status != C.LAMBDA_STATUS_OK {
		return LiveCounts{}, statusError(status)
	}
	return LiveCounts{
		Clients:     int64(out.clients),
		Queues:      int64(out.queues),
		Invocations: int64(out.invocations),
		InFlight:    int64(out.in_flight),
		Completions: int64(out.completions),
		Strings:     int64(out.strings),
	}, nil
}
