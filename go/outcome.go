package lambda

import (
	"encoding/json"
	"fmt"
)

// outcome is the library's completion JSON: an InvocationResponse, or an
// error (see LambdaCompletionCallback in include/xk6_lambda.h).
type outcome struct {
	StatusCode      int           `json:"statusCode"`
	ExecutedVersion *string       `json:"executedVersion"`
	LogResult       *string       `json:"logResult"`
	Payload         string        `json:"payload"`
	FunctionError   *string       `json:"functionError"`
	Report          *report       `json:"report"`
	Error           *outcomeError `json:"error"`
	// The wire bytes, for data_sent / data_received (errors too).
	BytesSent     uint64 `json:"bytesSent"`
	BytesReceived uint64 `json:"bytesReceived"`
}

// outcomeError is a failure as the library reports it.
type outcomeError struct {
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
	kindValidation = "validation"
	kindService    = "service"
	kindNetwork    = "network"
	kindCancelled  = "cancelled"
	kindConfig     = "config"
)

func decodeOutcome(data []byte) *outcome {
	var o outcome
	if err := json.Unmarshal(data, &o); err != nil {
		return &outcome{Error: internalError(fmt.Sprintf("unreadable result from the library: %v", err))}
	}
	return &o
}

// decodeRejection reads the `{"error": {...}}` of a refused call.
func decodeRejection(r *rejection) *outcomeError {
	if r.err != nil {
		return internalError(r.err.Error())
	}
	o := decodeOutcome(r.json)
	if o.Error == nil {
		return internalError("the library refused the call without saying why")
	}
	return o.Error
}

func internalError(message string) *outcomeError {
	return &outcomeError{Kind: "internal", Name: "InternalError", Code: "Internal", Message: message}
}

// report is Lambda's REPORT line, parsed by the library.
type report struct {
	DurationMs       float64  `json:"durationMs"`
	BilledDurationMs float64  `json:"billedDurationMs"`
	MemorySizeMB     float64  `json:"memorySizeMB"`
	MaxMemoryUsedMB  float64  `json:"maxMemoryUsedMB"`
	InitDurationMs   *float64 `json:"initDurationMs"`
}
