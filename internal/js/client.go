package js

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// lambdaClient is one JS LambdaClient.
type lambdaClient struct {
	mi     *ModuleInstance
	config *clientConfig
	// pricing prices the invocations' REPORTs (lambda_cost_usd).
	pricing pricing
	// native is made at the first invoke, with the VU's network options
	// (blacklistIPs, hosts, dns, TLS, localIPs): they are known only once
	// the init context is over. Only the VU's goroutine touches it.
	native *native.Client
}

// newLambdaClient is `new LambdaClient(awsConfig[, {timeout, maxAttempts,
// transport, pricing}])`.
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
	prices, err := readClientOptions(call.Argument(1), cfg)
	var invalid *invalidOptionError
	switch {
	case errors.As(err, &invalid):
		// A value that cannot be, as the library refuses one (below).
		panic(mi.errors.invalidConfig(invalid.message))
	case err != nil:
		panic(rt.NewTypeError("LambdaClient: " + err.Error()))
	}
	if rej := native.ValidateConfig(cfg.json()); rej != nil {
		panic(mi.errors.fromOutcome(rej.Decode()))
	}
	client := &lambdaClient{mi: mi, config: cfg, pricing: prices}
	_ = call.This.Set("invoke", client.invoke)
	_ = call.This.Set("invokeWithResponseStream", client.invokeWithResponseStream)
	_ = call.This.Set("invokeUrl", client.invokeUrl)
	return nil
}

// initContextError is thrown by a call in the init context: k6 runs that
// code more than once per VU (and for `k6 inspect`/`archive`), so I/O there
// would invoke functions that no metric counts. k6/http refuses it too.
func initContextError(method string) error {
	return fmt.Errorf("%s: calling a Lambda function in the init context is not supported; "+
		"create the LambdaClient there, and call %s() in the default function, setup() or a scenario's exec function",
		method, method)
}

// invoke is `client.invoke(name, payload[, options])`: a Promise of the
// InvocationResponse. Missing arguments are `undefined` (call.Argument),
// never Go nils.
func (c *lambdaClient) invoke(call sobek.FunctionCall) sobek.Value {
	return c.promise("invoke", func(state *lib.State, resolve, reject func(any) error) {
		c.start(state, call.Argument(0), call.Argument(1), call.Argument(2), resolve, reject)
	})
}

// promise runs start for a call of `method` outside the init context and
// returns its promise, which start settles (or has settled).
func (c *lambdaClient) promise(method string, start func(state *lib.State, resolve, reject func(any) error)) sobek.Value {
	rt := c.mi.runtime()
	state := c.mi.vu.State()
	if state == nil {
		panic(rt.NewGoError(initContextError(method)))
	}
	promise, resolve, reject := rt.NewPromise()
	defer func() {
		// Before the settlement exists (reading the arguments), a bug costs
		// one rejected promise, not the k6 process. JS exceptions are not
		// ours to swallow.
		if r := recover(); r != nil {
			if _, isJS := r.(sobek.Value); isJS {
				panic(r)
			}
			if _, isJS := r.(*sobek.Exception); isJS {
				panic(r)
			}
			_ = reject(c.mi.errors.plain("InternalError", fmt.Sprintf("xk6-lambda: %s failed: %v", method, r)))
		}
	}()
	start(state, resolve, reject)
	return rt.ToValue(promise)
}

// start validates the arguments and starts the invocation. The promise is
// settled exactly once on every path, a panic included: see settlement.
// The samples carry the VU's tags and metadata at the call, whatever the
// script changes before the answer arrives (as k6/http does).
func (c *lambdaClient) start(state *lib.State, name, payload, options sobek.Value, resolve, reject func(any) error) {
	mi := c.mi
	req, bad := readInvokeArgs(name, payload, options, mi.stringify)
	if bad != nil {
		_ = reject(mi.errors.invalidInvocation(bad.field, bad.message))
		return
	}
	ctx, live := c.liveContext("invoke", reject)
	if !live {
		return
	}

	s := newSettlement(mi.vu.RegisterCallback(), mi.errors, reject)
	defer s.recoverUnsettled()
	inject(stepRegistered)
	key := newSampleKey(operationInvoke, req, state.Tags.GetCurrentValues())
	onComplete := func(result *native.Outcome) {
		s.completed()
		defer s.recoverUnsettled()
		inject(stepCompleted)
		// Counted when the answer arrives, as k6/http counts a response
		// (its transport pushes on the request's goroutine), not when the
		// event loop gets to settle it: a VU busy in JavaScript, then
		// stopped, would otherwise drop an invocation answered before the
		// stop.
		c.emitMetrics(ctx, state, key, result)
		s.settle(func() {
			inject(stepOnEventLoop)
			c.settleOutcome(result, resolve, reject)
		})
	}
	inject(stepStarting)
	started := c.handOver(ctx, s, func(client *native.Client) (*native.InFlight, *native.Rejection) {
		return client.Start(&req.Request, onComplete)
	})
	if started {
		inject(stepStarted)
	}
}

// liveContext is the VU's context, for a call of `method` about to start;
// false, after rejecting the call, when the VU is stopping already.
func (c *lambdaClient) liveContext(method string, reject func(any) error) (context.Context, bool) {
	ctx := c.mi.vu.Context()
	if err := ctx.Err(); err != nil {
		_ = reject(c.mi.errors.plain("CancelledError", method+": the VU is stopping: "+err.Error()))
		return nil, false
	}
	return ctx, true
}

// handOver starts a call on the library's client (made at the first call)
// and hands it to s; a refusal settles s with its error instead. Reports
// whether the call started. When the VU stops (end of test, a scenario's
// gracefulStop), the call is cancelled and completes with a
// CancelledError, so the event loop is never left waiting for it.
func (c *lambdaClient) handOver(
	ctx context.Context, s *settlement, start func(*native.Client) (*native.InFlight, *native.Rejection),
) bool {
	client, refused := c.nativeClient()
	if refused != nil {
		s.settle(func() { _ = s.reject(c.mi.errors.fromOutcome(refused)) })
		return false
	}
	flight, rej := start(client)
	if rej != nil {
		s.settle(func() { _ = s.reject(c.mi.errors.fromOutcome(rej.Decode())) })
		return false
	}
	s.handedOver(flight, func() func() bool { return context.AfterFunc(ctx, flight.Cancel) })
	return true
}

// nativeClient is the library's client for this LambdaClient under the
// VU's network options, made at the first call.
func (c *lambdaClient) nativeClient() (*native.Client, *native.OutcomeError) {
	if c.native != nil {
		return c.native, nil
	}
	policy, err := policyOf(c.mi.vu.State())
	if err != nil {
		return nil, &native.OutcomeError{
			Kind: native.KindConfig, Name: "InvalidAWSConfigError", Message: "invalid k6 network options: " + err.Error(),
		}
	}
	cfg := *c.config
	cfg.Network = policy
	client, rej := native.NewClient(cfg.json())
	if rej != nil {
		return nil, rej.Decode()
	}
	c.native = client
	if state := c.mi.vu.State(); state != nil && state.Logger != nil {
		warnPlainHTTP(state.Logger, configuredEndpoint(c.config), "endpoint")
	}
	return client, nil
}

// emitMetrics pushes the samples of an invocation that reached the network:
// one refused before (credentials, configuration) or cancelled because the
// VU stopped is not a measurement of the function, nor is an answer that
// came after the VU stopped (ctx is the VU's context at the call). It runs
// on the completion drain, with the VU's state from the call: the samples
// are pushed before the promise's settling is queued, so before the
// iteration (which waits for that) ends.
func (c *lambdaClient) emitMetrics(ctx context.Context, state *lib.State, key *sampleKey, o *native.Outcome) {
	if !o.OnWire() || (o.Error != nil && o.Error.Kind == native.KindCancelled) {
		return
	}
	samples := c.mi.metrics.invocationSamples(state.BuiltinMetrics, key, o, c.pricing)
	metrics.PushIfNotDone(ctx, state.Samples, samples)
}
