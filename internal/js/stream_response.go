package js

import (
	"sort"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// settleStream resolves or rejects an invokeWithResponseStream promise, on
// the event loop. InvokeComplete with an ErrorCode rejects with a
// LambdaInvocationError whose message carries ErrorDetails and whose
// response is what was streamed before.
func (c *lambdaClient) settleStream(o *native.StreamOutcome, resolve, reject func(any) error) {
	errors := c.mi.errors
	if o.Error != nil {
		_ = reject(errors.fromOutcome(o.Error))
		return
	}
	rt := c.mi.runtime()
	response := rt.NewObject()
	_ = response.Set("statusCode", o.StatusCode)
	_ = response.Set("executedVersion", optionalValue(rt, o.ExecutedVersion))
	_ = response.Set("contentType", optionalValue(rt, o.ContentType))
	_ = response.Set("payload", o.Payload)
	setChunkFigures(response, o)
	_ = response.Set("logResult", optionalValue(rt, o.LogResult))
	if o.Report != nil {
		_ = response.Set("report", reportObject(rt, o.Report))
	}
	if o.ErrorCode == nil {
		_ = resolve(response)
		return
	}
	details := ""
	if o.ErrorDetails != nil {
		details = *o.ErrorDetails
	}
	_ = reject(errors.invocationError(*o.ErrorCode, details, response))
}

// settleURL resolves an invokeUrl promise with the answer, whatever its
// status (as http.request does), or rejects with a network error.
func (c *lambdaClient) settleURL(o *native.StreamOutcome, resolve, reject func(any) error) {
	if o.Error != nil {
		_ = reject(c.mi.errors.fromOutcome(o.Error))
		return
	}
	rt := c.mi.runtime()
	response := rt.NewObject()
	_ = response.Set("statusCode", o.StatusCode)
	headers := rt.NewObject()
	names := make([]string, 0, len(o.Headers))
	for name := range o.Headers {
		names = append(names, name)
	}
	sort.Strings(names) // a stable order for scripts that print them
	for _, name := range names {
		_ = headers.Set(name, o.Headers[name])
	}
	_ = response.Set("headers", headers)
	_ = response.Set("payload", o.Payload)
	setChunkFigures(response, o)
	_ = resolve(response)
}

// setChunkFigures sets `chunks` and `timeToFirstChunkMs` (undefined when no
// chunk came).
func setChunkFigures(response *sobek.Object, o *native.StreamOutcome) {
	_ = response.Set("chunks", o.Chunks)
	if first, ok := o.TimeToFirstChunk(); ok {
		_ = response.Set("timeToFirstChunkMs", float64(first)/1e6)
	} else {
		_ = response.Set("timeToFirstChunkMs", sobek.Undefined())
	}
}
