package js

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// lambdaClient is one JS LambdaClient.
type lambdaClient struct {
	mi     *ModuleInstance
	native *native.Client
}

// newLambdaClient is `new LambdaClient(awsConfig[, {timeout, maxAttempts}])`.
// It validates and creates the native client; no I/O happens until the
// first invoke.
func (mi *ModuleInstance) newLambdaClient(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.runtime()
	arg := call.Argument(0)
	if _, ok := arg.(*sobek.Object); !ok {
		panic(rt.NewTypeError("LambdaClient: expected an AWSConfig as the first argument " +
			"(new LambdaClient(new AWSConfig({ region, accessKeyId, secretAccessKey }))), got " + describe(arg)))
	}
	cfg, err := readClientConfig(arg)
	if err != nil {
		panic(mi.errors.invalidConfig("invalid AWS configuration: " + err.Error()))
	}
	if err := readClientOptions(call.Argument(1), cfg); err != nil {
		panic(rt.NewTypeError("LambdaClient: " + err.Error()))
	}
	native, rej := native.NewClient(cfg.json())
	if rej != nil {
		panic(mi.errors.fromOutcome(rej.Decode()))
	}
	client := &lambdaClient{mi: mi, native: native}
	_ = call.This.Set("invoke", client.invoke)
	return nil
}

// invocation is one invoke() call: what is sent, and the k6 tags of its
// samples (which are not sent).
type invocation struct {
	native.Request
	Tags map[string]string
}

// invocationOptions are the keys invoke's third argument may have.
var invocationOptions = map[string]func(*invocation, string){
	"invocationType": func(r *invocation, v string) { r.InvocationType = v },
	"logType":        func(r *invocation, v string) { r.LogType = v },
	"clientContext":  func(r *invocation, v string) { r.ClientContext = v },
	"qualifier":      func(r *invocation, v string) { r.Qualifier = v },
}

// invalidArgument is a script error found before anything was sent.
type invalidArgument struct {
	field, message string
}

func (e *invalidArgument) Error() string { return e.message }

// readInvokeArgs reads invoke's arguments. stringify is the VU's
// JSON.stringify, for object payloads.
func readInvokeArgs(name, payload, options sobek.Value, stringify sobek.Callable) (*invocation, *invalidArgument) {
	functionName, ok := name.Export().(string)
	if !ok {
		return nil, &invalidArgument{"name", "invoke: the function name must be a string, got " + describe(name)}
	}
	req := &invocation{Request: native.Request{FunctionName: functionName}}
	switch p := payload.Export().(type) {
	case nil: // undefined or null: an empty payload, as k6-jslib-aws sends
	case string:
		req.Payload = []byte(p)
	case sobek.ArrayBuffer:
		req.Payload = p.Bytes()
	case map[string]any, []any:
		// A plain object or array is sent as its JSON text, as JSON.stringify
		// gives it (so toJSON methods and key order are respected).
		text, err := stringify(sobek.Undefined(), payload)
		if err != nil {
			return nil, &invalidArgument{"payload", "invoke: the payload object cannot be turned into JSON: " + err.Error()}
		}
		req.Payload = []byte(text.String())
	default:
		return nil, &invalidArgument{"payload", "invoke: the payload must be a string " +
			"(for example JSON.stringify({ x: 1 })), an ArrayBuffer or a plain object, got " + describe(payload)}
	}
	if options == nil || sobek.IsUndefined(options) || sobek.IsNull(options) {
		return req, nil
	}
	obj, ok := options.(*sobek.Object)
	if !ok {
		return nil, &invalidArgument{"options", "invoke: options must be an object, got " + describe(options)}
	}
	for _, key := range obj.Keys() {
		if key == "tags" {
			tags, err := readTags(obj.Get(key))
			if err != nil {
				return nil, &invalidArgument{key, "invoke: " + err.Error()}
			}
			req.Tags = tags
			continue
		}
		set, known := invocationOptions[key]
		if !known {
			return nil, &invalidArgument{key, fmt.Sprintf(
				"invoke: unknown option %q; known options: invocationType, logType, clientContext, qualifier, tags", key)}
		}
		value, err := optionalString(obj, key)
		if err != nil {
			return nil, &invalidArgument{key, "invoke: " + err.Error()}
		}
		if value != nil {
			set(req, *value)
		}
	}
	return req, nil
}

// invoke is `client.invoke(name, payload[, options])`: a Promise of the
// InvocationResponse. The promise always settles on the VU's event loop.
// Missing arguments are `undefined` (call.Argument), never Go nils.
func (c *lambdaClient) invoke(call sobek.FunctionCall) sobek.Value {
	rt := c.mi.runtime()
	promise, resolve, reject := rt.NewPromise()
	defer func() {
		// A bug here must cost one rejected promise, not the k6 process.
		// JS exceptions (sobek values) are not ours to swallow.
		if r := recover(); r != nil {
			if _, isJS := r.(sobek.Value); isJS {
				panic(r)
			}
			if _, isJS := r.(*sobek.Exception); isJS {
				panic(r)
			}
			_ = reject(c.mi.errors.plain("InternalError", fmt.Sprintf("xk6-lambda: invoke failed: %v", r)))
		}
	}()
	c.start(call.Argument(0), call.Argument(1), call.Argument(2), resolve, reject)
	return rt.ToValue(promise)
}

// start validates the arguments and starts the invocation; every path
// settles the promise exactly once.
func (c *lambdaClient) start(name, payload, options sobek.Value, resolve, reject func(any) error) {
	mi := c.mi
	req, bad := readInvokeArgs(name, payload, options, mi.stringify)
	if bad != nil {
		_ = reject(mi.errors.invalidInvocation(bad.field, bad.message))
		return
	}
	ctx := mi.vu.Context()
	if err := ctx.Err(); err != nil {
		_ = reject(mi.errors.plain("CancelledError", "invoke: the VU is stopping: "+err.Error()))
		return
	}

	enqueue := mi.vu.RegisterCallback()
	var flight *native.InFlight
	var stopCancelling func() bool
	started := time.Now()
	onComplete := func(data []byte) {
		finished := time.Now()
		result := native.DecodeOutcome(data) // off the VU goroutine: keep its work small
		enqueue(func() error {
			stopCancelling()
			flight.Release()
			c.emitMetrics(req, result, finished.Sub(started), finished)
			c.settle(result, resolve, reject)
			return nil
		})
	}
	flight, rej := c.native.Start(&req.Request, onComplete)
	if rej != nil {
		enqueue(func() error { return nil })
		_ = reject(mi.errors.fromOutcome(rej.Decode()))
		return
	}
	// When the VU stops (end of test, scenario's gracefulStop), the
	// invocation is cancelled and completes with a CancelledError, so the
	// event loop is never left waiting for it.
	stopCancelling = context.AfterFunc(ctx, flight.Cancel)
}

// emitMetrics pushes the invocation's samples with the VU's tags. In the
// init context (no VU state) there is nowhere to push them.
func (c *lambdaClient) emitMetrics(req *invocation, o *native.Outcome, elapsed time.Duration, at time.Time) {
	if o.Error != nil && o.Error.Kind == native.KindCancelled {
		return // the VU stopped: not a measurement of the function
	}
	state := c.mi.vu.State()
	if state == nil {
		return
	}
	samples := c.mi.metrics.invocationSamples(state.BuiltinMetrics, state.Tags.GetCurrentValues(), req, o, elapsed, at)
	metrics.PushIfNotDone(c.mi.vu.Context(), state.Samples, samples)
}

// readTags reads the per-call `tags` option: string values, like
// http.request params.tags.
func readTags(value sobek.Value) (map[string]string, error) {
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil
	}
	obj, ok := value.(*sobek.Object)
	if !ok {
		return nil, fmt.Errorf("tags must be an object of strings, got %s", describe(value))
	}
	tags := make(map[string]string, len(obj.Keys()))
	for _, key := range obj.Keys() {
		v := obj.Get(key)
		if _, isObject := v.(*sobek.Object); isObject || sobek.IsUndefined(v) || sobek.IsNull(v) {
			return nil, fmt.Errorf("tag %q must be a string, got %s", key, describe(v))
		}
		tags[key] = v.String()
	}
	return tags, nil
}

// settle resolves or rejects the promise with an outcome, on the event loop.
func (c *lambdaClient) settle(o *native.Outcome, resolve, reject func(any) error) {
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
	err := errors.construct("LambdaInvocationError", *o.FunctionError+": "+o.Payload, response)
	_ = err.Set("functionError", *o.FunctionError)
	// Beyond k6-jslib-aws: the runtime's {errorType, errorMessage}, when the
	// payload is that JSON (it is not for, e.g., a timeout's plain text).
	var body struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(o.Payload), &body) == nil {
		if body.ErrorType != nil {
			_ = err.Set("errorType", *body.ErrorType)
		}
		if body.ErrorMessage != nil {
			_ = err.Set("errorMessage", *body.ErrorMessage)
		}
	}
	_ = reject(err)
}

// responseObject is the k6-jslib-aws InvocationResponse.
func (c *lambdaClient) responseObject(o *native.Outcome) *sobek.Object {
	rt := c.mi.runtime()
	obj := rt.NewObject()
	_ = obj.Set("statusCode", o.StatusCode)
	_ = obj.Set("executedVersion", optionalValue(rt, o.ExecutedVersion))
	_ = obj.Set("logResult", optionalValue(rt, o.LogResult))
	_ = obj.Set("payload", o.Payload)
	if r := o.Report; r != nil {
		report := rt.NewObject()
		_ = report.Set("durationMs", r.DurationMs)
		_ = report.Set("billedDurationMs", r.BilledDurationMs)
		_ = report.Set("memorySizeMB", r.MemorySizeMB)
		_ = report.Set("maxMemoryUsedMB", r.MaxMemoryUsedMB)
		_ = report.Set("initDurationMs", optionalNumber(rt, r.InitDurationMs))
		_ = obj.Set("report", report)
	}
	return obj
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
