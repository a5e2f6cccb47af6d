package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// behaviour is what a function name does. A function has one or both
// parts:
//
//   - before stands for the service or the network: it runs once the
//     request has been validated, for every invocation type, and returns
//     true if it answered (or dropped) the request itself.
//   - run is the function's code: it runs only for RequestResponse (Event
//     is accepted with 202 and not executed; DryRun never executes).
type behaviour struct {
	before func(s *server, w *recorder, r *http.Request, inv *invocation) (answered bool)
	run    func(ctx context.Context, inv *invocation) result
}

// result is what an execution returns.
type result struct {
	payload []byte
	// functionError is "", "Handled" or "Unhandled" (X-Amz-Function-Error).
	functionError string
	// errorType is the error's type as the runtime reports it
	// (Lambda-Runtime-Function-Error-Type), for a function error:
	// InvokeWithResponseStream sends it as the InvokeComplete's ErrorCode.
	errorType string
	// gone means the client went away before the function finished; there
	// is nobody to answer.
	gone bool
	// logResult, when set, is sent as X-Amz-Log-Result as it is, whatever
	// the log type asked for (for endpoints that send a broken one).
	logResult string
}

// functions is the function table. Any other name is a 404.
var functions = map[string]behaviour{
	"add-numbers":    {run: addNumbers},
	"echo":           {run: echo},
	"record":         {before: recordPayload, run: echo},
	"sleep":          {run: sleep},
	"fail-handled":   {run: failHandled},
	"fail-unhandled": {run: failUnhandled},
	"fail-text":      {run: failText},
	"cold-start":     {run: reportCold},
	"big-log":        {run: bigLog},
	"client-context": {run: echoClientContext},
	"whoami":         {run: whoami},
	jsonLogFunction:  {run: echo},

	// Tenant isolation, durable executions, SnapStart (invoke_features.go).
	tenantFunction:    {run: reportTenant},
	durableFunction:   {before: startDurable, run: durableResult},
	snapStartFunction: {run: reportCold},

	"throttle":        {before: answer(func() *apiError { return errTooManyRequests(throttleRetryAfter) })},
	"server-error":    {before: answer(errService)},
	"bad-gateway":     {before: answer(errInvalidRuntime)},
	"long-error-type": {before: longErrorType},

	"slow-headers":     {before: slowHeaders, run: reportSlept},
	"close-mid-body":   {before: closeMidBody},
	"reset":            {before: resetConnection},
	"malformed-header": {before: malformedHeader},
	"empty-200":        {before: empty200},
	"not-http":         {before: notHTTP},
	"no-answer":        {before: noAnswer},
	"proxy-502":        {before: proxy502},
	"big-response":     {run: bigResponse},
	"bad-log-result":   {run: badLogResult},

	// Answers over Lambda's limits (oversize.go).
	"oversize":       {before: oversize},
	"oversize-error": {before: oversizeError},
}

// jsonLogFunction echoes as echo does, with its log in Lambda's JSON
// format (see executionLog): its REPORT is a platform.report event.
const jsonLogFunction = "json-log"

// throttleRetryAfter is the Retry-After of the throttle function, seconds.
const throttleRetryAfter = 2

// answer makes a before hook that always answers with the given error.
func answer(newError func() *apiError) func(*server, *recorder, *http.Request, *invocation) bool {
	return func(_ *server, w *recorder, _ *http.Request, _ *invocation) bool {
		writeAPIError(w, newError())
		return true
	}
}

// longErrorType answers 404 with X-Amzn-ErrorType in the long form the
// real service sends, which clients must cut at the ':'.
func longErrorType(_ *server, w *recorder, _ *http.Request, inv *invocation) bool {
	e := errFunctionNotFound(inv.region, inv.name, inv.qualifier)
	e.errorType += longErrorTypeSuffix
	writeAPIError(w, e)
	return true
}

// addNumbers: {"x":1,"y":2} -> 3. Anything but two numbers is a handled
// function error, as a real function validating its input would give.
func addNumbers(_ context.Context, inv *invocation) result {
	x, errX := numberField(inv.payload, "x")
	y, errY := numberField(inv.payload, "y")
	switch {
	case errX != nil:
		return functionError(inv, "Handled", "ValidationError", "x must be a number", true)
	case errY != nil:
		return functionError(inv, "Handled", "ValidationError", "y must be a number", true)
	}
	inv.log.printf("INFO", "adding %s + %s", formatNumber(x), formatNumber(y))
	return result{payload: []byte(formatNumber(x + y))}
}

// echo returns the payload byte for byte.
func echo(_ context.Context, inv *invocation) result {
	inv.log.printf("INFO", "echoing %d bytes", len(inv.payload))
	return result{payload: inv.payload}
}

// recordPayload counts the payload in the stats' `recorded` (then the
// function echoes it): which invocations arrived, and how often each.
func recordPayload(s *server, _ *recorder, _ *http.Request, inv *invocation) bool {
	s.stats.record(string(inv.payload))
	return false
}

// sleep: {"ms":N} answers {"sleptMs":N} after N ms, or gives up as soon as
// the client goes away.
func sleep(ctx context.Context, inv *invocation) result {
	ms := sleepMillis(inv.payload)
	inv.log.printf("INFO", "sleeping %d ms", ms)
	if !pause(ctx, ms) {
		return result{gone: true}
	}
	return reportSlept(ctx, inv)
}

func reportSlept(_ context.Context, inv *invocation) result {
	return result{payload: fmt.Appendf(nil, `{"sleptMs":%d}`, sleepMillis(inv.payload))}
}

func failHandled(_ context.Context, inv *invocation) result {
	return functionError(inv, "Handled", "ValidationError", "x must be a number", true)
}

// failUnhandled is a runtime crash: Lambda reports it without a trace.
func failUnhandled(_ context.Context, inv *invocation) result {
	message := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: exit status 1", inv.requestID)
	return functionError(inv, "Unhandled", "Runtime.ExitError", message, false)
}

// failText is a function error whose payload is not JSON: a timeout, as
// the service reports it.
func failText(_ context.Context, inv *invocation) result {
	const message = "Task timed out after 3.00 seconds"
	inv.log.raw(fmt.Sprintf("%s %s %s", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.requestID, message))
	return result{payload: []byte(message), functionError: "Unhandled", errorType: "Sandbox.Timedout"}
}

// reportCold says whether this execution was a cold start, and which call
// of the function it was.
func reportCold(_ context.Context, inv *invocation) result {
	inv.log.printf("INFO", "call %d, cold: %t", inv.call, inv.cold)
	return result{payload: fmt.Appendf(nil, `{"cold":%t,"call":%d}`, inv.cold, inv.call)}
}

// bigLogLines lines of about 100 bytes: some 10 KB, so that the 4 KB tail
// must drop the beginning.
const bigLogLines = 100

func bigLog(_ context.Context, inv *invocation) result {
	for i := 1; i <= bigLogLines; i++ {
		inv.log.printf("INFO", "line %03d of %d %s", i, bigLogLines, strings.Repeat("x", 16))
	}
	return result{payload: fmt.Appendf(nil, `{"lines":%d}`, bigLogLines)}
}

// echoClientContext returns the decoded X-Amz-Client-Context (null when
// none was sent), so tests can check what a client put there.
func echoClientContext(_ context.Context, inv *invocation) result {
	if inv.clientContext == nil {
		return result{payload: []byte("null")}
	}
	return result{payload: inv.clientContext}
}

// errorPayload is a function error as the runtimes report it.
type errorPayload struct {
	ErrorType    string    `json:"errorType"`
	ErrorMessage string    `json:"errorMessage"`
	Trace        *[]string `json:"trace,omitempty"`
}

// functionError builds the payload of a function error, logging it as the
// runtime would.
func functionError(inv *invocation, kind, errorType, message string, withTrace bool) result {
	body := errorPayload{ErrorType: errorType, ErrorMessage: message}
	if withTrace {
		body.Trace = &[]string{}
	}
	payload, _ := json.Marshal(body)
	if withTrace {
		inv.log.printf("ERROR", "Invoke Error \t%s", payload)
	} else {
		inv.log.raw(message + "\n" + errorType)
	}
	return result{payload: payload, functionError: kind, errorType: errorType}
}

// numberField reads a number member of a JSON object (names are matched
// exactly, as JavaScript would).
func numberField(payload []byte, name string) (float64, error) {
	var object map[string]json.RawMessage
	if err := json.Unmarshal(payload, &object); err != nil {
		return 0, err
	}
	var n float64
	if err := json.Unmarshal(object[name], &n); err != nil || object[name] == nil {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	return n, nil
}

// sleepMillis is the "ms" member of the payload, 0 if absent or negative.
func sleepMillis(payload []byte) int64 {
	ms, err := numberField(payload, "ms")
	if err != nil || ms < 0 {
		return 0
	}
	return int64(ms)
}

// pause waits ms milliseconds; false if ctx ended first.
func pause(ctx context.Context, ms int64) bool {
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// formatNumber writes a float the way JavaScript's JSON.stringify does:
// integers without ".0", exponent form only for very large or small values.
func formatNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if abs := math.Abs(f); abs != 0 && (abs >= 1e21 || abs < 1e-6) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
