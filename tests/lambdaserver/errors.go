package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is a service error as Lambda sends it: the type in the
// X-Amzn-ErrorType header and a small JSON body. Clients must take the type
// from the header (the body does not carry it) and the text from either
// "message" or "Message": Lambda uses both spellings, so this server does
// too (Message for ResourceNotFoundException, message for the rest).
type apiError struct {
	status int
	// errorType goes into X-Amzn-ErrorType as it is. The real service
	// appends ":http://internal.amazon.com/coral/..." to it; see
	// longErrorTypeSuffix.
	errorType string
	// fault is the body's Type: "User" for the caller's mistakes,
	// "Service" for Lambda's own.
	fault   string
	message string
	// capitalMessage spells the message field "Message".
	capitalMessage bool
	// retryAfter, when positive, adds the Retry-After header and the
	// throttling fields of a 429.
	retryAfter int
	reason     string
}

// longErrorTypeSuffix is what the real service appends to X-Amzn-ErrorType.
// Clients have to cut it off at the first ':'.
const longErrorTypeSuffix = ":http://internal.amazon.com/coral/com.amazonaws.awslambda/"

func (e *apiError) Error() string { return e.errorType + ": " + e.message }

// errorBody is the JSON body of a service error. Both message spellings are
// fields so that exactly one of them (the non-empty one) is sent.
type errorBody struct {
	Type              string `json:"Type"`
	Message           string `json:"Message,omitempty"`
	LowerMessage      string `json:"message,omitempty"`
	Reason            string `json:"Reason,omitempty"`
	RetryAfterSeconds string `json:"retryAfterSeconds,omitempty"`
}

// writeAPIError sends e. The X-Amzn-RequestId header must already be set.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	body := errorBody{Type: e.fault, Reason: e.reason}
	if e.capitalMessage {
		body.Message = e.message
	} else {
		body.LowerMessage = e.message
	}
	h := w.Header()
	if e.retryAfter > 0 {
		seconds := strconv.Itoa(e.retryAfter)
		body.RetryAfterSeconds = seconds
		h.Set("Retry-After", seconds)
	}
	// Set as spelled, not canonicalized to X-Amzn-Errortype: clients must
	// look headers up case-insensitively.
	h["X-Amzn-ErrorType"] = []string{e.errorType}
	writeJSON(w, e.status, body)
}

// writeJSON sends body as compactJSON.
func writeJSON(w http.ResponseWriter, status int, body any) {
	out := compactJSON(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// compactJSON encodes v without the trailing newline that json.Encoder
// adds (AWS sends none) and without HTML escaping.
func compactJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only our own types are encoded
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func userError(status int, errorType, message string) *apiError {
	return &apiError{status: status, errorType: errorType, fault: "User", message: message}
}

func errResourceNotFound(message string) *apiError {
	e := userError(http.StatusNotFound, "ResourceNotFoundException", message)
	e.capitalMessage = true
	return e
}

// errFunctionNotFound is the 404 for an unknown function or alias; its text
// names the ARN Lambda would have looked for.
func errFunctionNotFound(region, name, qualifier string) *apiError {
	arn := functionARN(region, name)
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return errResourceNotFound("Function not found: " + arn)
}

func errTooManyRequests(retryAfter int) *apiError {
	e := userError(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
	e.retryAfter = retryAfter
	e.reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
	return e
}

func errRequestTooLarge(limit int) *apiError {
	return userError(http.StatusRequestEntityTooLarge, "RequestTooLargeException",
		fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit))
}

func errInvalidRequestContent(message string) *apiError {
	return userError(http.StatusBadRequest, "InvalidRequestContentException", message)
}

func errInvalidParameterValue(message string) *apiError {
	return userError(http.StatusBadRequest, "InvalidParameterValueException", message)
}

// errValidation is the generic error for a parameter that fails the API
// model's constraints (pattern, length), in the framework's wording.
func errValidation(value, member, constraint string) *apiError {
	return userError(http.StatusBadRequest, "ValidationException",
		fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
			value, member, constraint))
}

func errService() *apiError {
	return &apiError{status: http.StatusInternalServerError, errorType: "ServiceException",
		fault: "Service", message: "The AWS Lambda service encountered an internal error."}
}

// errInvalidRuntime is one of Lambda's 502s: the function's configuration,
// not the request, is at fault, hence Type "User".
func errInvalidRuntime() *apiError {
	return userError(http.StatusBadGateway, "InvalidRuntimeException",
		"The runtime parameter of nodejs4.3 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions.")
}

func errIncompleteSignature(message string) *apiError {
	return userError(http.StatusForbidden, "IncompleteSignatureException", message)
}

func errUnrecognizedClient() *apiError {
	return userError(http.StatusForbidden, "UnrecognizedClientException",
		"The security token included in the request is invalid.")
}

const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func errInvalidSignature(message string) *apiError {
	return userError(http.StatusForbidden, "InvalidSignatureException", message)
}

// errUnknownOperation answers requests that are not an Invoke call (and not
// a /_test endpoint); they are not counted as invocations.
func errUnknownOperation() *apiError {
	return userError(http.StatusNotFound, "UnknownOperationException", "Unknown operation")
}
