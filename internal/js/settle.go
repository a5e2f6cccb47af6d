package js

import (
	"encoding/json"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// settleOutcome resolves or rejects the promise with an outcome, on the event loop.
func (c *lambdaClient) settleOutcome(o *native.Outcome, resolve, reject func(any) error) {
	errors := c.mi.errors
	if o.Error != nil {
		_ = reject(errors.fromOutcome(o.Error))
		return
	}
	response := c.responseObject(o)
	if o.FunctionError == nil {
		_ = resolve(response)
		return
	}
	// As k6-jslib-aws: "<X-Amz-Function-Error>: <payload>", with the response.
	_ = reject(errors.invocationError(*o.FunctionError, o.Payload, response))
}

// invocationError is a LambdaInvocationError: "<functionError>: <text>",
// with the response. Beyond k6-jslib-aws, it has the runtime's errorType
// and errorMessage when text is the runtime's JSON error (it is not for,
// e.g., a timeout's plain text).
func (c *errorClasses) invocationError(functionError, text string, response *sobek.Object) *sobek.Object {
	err := c.construct("LambdaInvocationError", functionError+": "+text, response)
	_ = err.Set("functionError", functionError)
	var body struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(text), &body) == nil {
		if body.ErrorType != nil {
			_ = err.Set("errorType", *body.ErrorType)
		}
		if body.ErrorMessage != nil {
			_ = err.Set("errorMessage", *body.ErrorMessage)
		}
	}
	return err
}

// responseObject is the k6-jslib-aws InvocationResponse.
func (c *lambdaClient) responseObject(o *native.Outcome) *sobek.Object {
	rt := c.mi.runtime()
	obj := rt.NewObject()
	_ = obj.Set("statusCode", o.StatusCode)
	_ = obj.Set("executedVersion", optionalValue(rt, o.ExecutedVersion))
	_ = obj.Set("logResult", optionalValue(rt, o.LogResult))
	_ = obj.Set("payload", o.Payload)
	if o.Report != nil {
		_ = obj.Set("report", reportObject(rt, o.Report))
	}
	// Only when Lambda sent it: `'durableExecutionArn' in r` tells a
	// durable function's answer.
	if o.DurableExecutionArn != nil {
		_ = obj.Set("durableExecutionArn", *o.DurableExecutionArn)
	}
	return obj
}

// reportObject is the REPORT line's figures, as a response has them.
func reportObject(rt *sobek.Runtime, r *native.Report) *sobek.Object {
	report := rt.NewObject()
	_ = report.Set("durationMs", r.DurationMs)
	_ = report.Set("billedDurationMs", r.BilledDurationMs)
	_ = report.Set("memorySizeMB", r.MemorySizeMB)
	_ = report.Set("maxMemoryUsedMB", r.MaxMemoryUsedMB)
	_ = report.Set("initDurationMs", optionalNumber(rt, r.InitDurationMs))
	_ = report.Set("restoreDurationMs", optionalNumber(rt, r.RestoreDurationMs))
	_ = report.Set("billedRestoreDurationMs", optionalNumber(rt, r.BilledRestoreDurationMs))
	return report
}

func optionalNumber(rt *sobek.Runtime, f *float64) sobek.Value {
	if f == nil {
		return sobek.Undefined()
	}
	return rt.ToValue(*f)
}

func optionalValue(rt *sobek.Runtime, s *string) sobek.Value {
	if s == nil {
		return sobek.Undefined()
	}
	return rt.ToValue(*s)
}
