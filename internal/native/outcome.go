package native

import (
	"encoding/json"
	"fmt"
	"time"
)

// Outcome is the library's completion JSON: an InvocationResponse, or an
// error (see LambdaCompletionCallback in include/xk6_lambda.h).
type Outcome struct {
	StatusCode      int     `json:"statusCode"`
	ExecutedVersion *string `json:"executedVersion"`
	LogResult       *string `json:"logResult"`
	Payload         string  `json:"payload"`
	FunctionError   *string `json:"functionError"`
	Report          *Report `json:"report"`
	// X-Amz-Durable-Execution-Arn, when Lambda sent it (a durable function).
	DurableExecutionArn *string       `json:"durableExecutionArn"`
	Error               *OutcomeError `json:"error"`
	// The wire bytes, for data_sent / data_received (errors too): only
	// what left, not what a refused connection would have carried.
	BytesSent     uint64 `json:"bytesSent"`
	BytesReceived uint64 `json:"bytesReceived"`
	// Measured by the library, at the network: from the first attempt to
	// the end of the answer (or failure). Absent when the invocation never
	// reached the network (credentials, configuration, a bug).
	DurationNs *int64 `json:"durationNs"`
	// When it ended (Unix nanoseconds): the time of its samples.
	EndUnixNs int64 `json:"endUnixNs"`
}

// OnWire tells whether the invocation reached the network, and so is a
// measurement of the function (lambda_invocations counts only those).
func (o *Outcome) OnWire() bool { return o.DurationNs != nil }

// Duration is how long the invocation took on the network.
func (o *Outcome) Duration() time.Duration {
	if o.DurationNs == nil {
		return 0
	}
	return time.Duration(*o.DurationNs)
}

// End is when the invocation ended, or now if the library did not say.
func (o *Outcome) End() time.Time {
	if o.EndUnixNs == 0 {
		return time.Now()
	}
	return time.Unix(0, o.EndUnixNs)
}

// OutcomeError is a failure as the library reports it.
type OutcomeError struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Code       any    `json:"code"` // the AWS error type, or k6's numeric network error code
	Message    string `json:"message"`
	StatusCode int    `json:"statusCode"`
	RequestID  string `json:"requestId"`
	Field      string `json:"field"`
	// Throttling (429) only.
	RetryAfterSeconds *int64 `json:"retryAfterSeconds"`
	Reason            string `json:"reason"`
}

// Error kinds, as the library names them.
const (
	KindValidation = "validation"
	KindService    = "service"
	KindNetwork    = "network"
	KindCancelled  = "cancelled"
	KindConfig     = "config"
	// KindCredentials: no credentials to sign with (the chain found none,
	// or a provider failed).
	KindCredentials = "credentials"
)

// DecodeOutcome reads a completion's JSON; an unreadable one becomes an
// InternalError outcome, so that the promise still settles.
func DecodeOutcome(data []byte) *Outcome {
	var o Outcome
	if err := json.Unmarshal(data, &o); err != nil {
		return &Outcome{Error: InternalError(fmt.Sprintf("unreadable result from the library: %v", err))}
	}
	return &o
}

// Rejection is a refusal with a JSON body from the library
// (`{"error": {...}}`), or nil with an ABI error.
type Rejection struct {
	json []byte
	err  error
}

// Decode reads the `{"error": {...}}` of a refused call.
func (r *Rejection) Decode() *OutcomeError {
	if r.err != nil {
		return InternalError(r.err.Error())
	}
	o := DecodeOutcome(r.json)
	if o.Error == nil {
		return InternalError("the library refused the call without saying why")
	}
	return o.Error
}

// InternalError is a failure of this extension, not of Lambda or the network.
func InternalError(message string) *OutcomeError {
	return &OutcomeError{Kind: "internal", Name: "InternalError", Code: "Internal", Message: message}
}

// Report is Lambda's REPORT line, parsed by the library.
type Report struct {
	DurationMs       float64  `json:"durationMs"`
	BilledDurationMs float64  `json:"billedDurationMs"`
	MemorySizeMB     float64  `json:"memorySizeMB"`
	MaxMemoryUsedMB  float64  `json:"maxMemoryUsedMB"`
	InitDurationMs   *float64 `json:"initDurationMs"`
	// SnapStart: the invocation restored a new execution environment from
	// the function's snapshot (a cold start without an Init).
	RestoreDurationMs       *float64 `json:"restoreDurationMs"`
	BilledRestoreDurationMs *float64 `json:"billedRestoreDurationMs"`
}

// ColdStart tells whether the invocation ran in a new execution
// environment: one that Lambda initialised (Init Duration) or restored
// from a SnapStart snapshot (Restore Duration).
func (r *Report) ColdStart() bool {
	return r.InitDurationMs != nil || r.RestoreDurationMs != nil
}
