package js

import (
	"context"
	"sync"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// invokeWithResponseStream is `client.invokeWithResponseStream(name,
// payload[, options])`: a Promise of the StreamingInvocationResponse, with
// options.onChunk called on the event loop for each chunk as it arrives.
func (c *lambdaClient) invokeWithResponseStream(call sobek.FunctionCall) sobek.Value {
	const method = "invokeWithResponseStream"
	return c.promise(method, func(state *lib.State, resolve, reject func(any) error) {
		mi := c.mi
		req, bad := readCallArgs(method, call.Argument(0), call.Argument(1), call.Argument(2), mi.stringify)
		if bad != nil {
			_ = reject(mi.errors.invalidInvocation(bad.field, bad.message))
			return
		}
		c.startStreamed(method, state, resolve, reject, streamedCall{
			key:     newSampleKey(operationStream, req, state.Tags.GetCurrentValues()),
			onChunk: req.OnChunk,
			start: func(client *native.Client, receiver native.StreamReceiver) (*native.InFlight, *native.Rejection) {
				return client.StartStream(&req.Request, receiver)
			},
			failed: func(o *native.StreamOutcome) bool { return o.FunctionError != nil },
			settle: c.settleStream,
		})
	})
}

// invokeUrl is `client.invokeUrl(url[, {method, body, headers, tags,
// onChunk}])`: a Promise of the function URL's answer, whatever its status.
func (c *lambdaClient) invokeUrl(call sobek.FunctionCall) sobek.Value { //nolint:revive // the JS name
	const method = "invokeUrl"
	return c.promise(method, func(state *lib.State, resolve, reject func(any) error) {
		mi := c.mi
		req, bad := readURLArgs(call.Argument(0), call.Argument(1), mi.stringify)
		if bad != nil {
			_ = reject(mi.errors.invalidInvocation(bad.field, bad.message))
			return
		}
		if state.Logger != nil {
			warnPlainHTTP(state.Logger, req.URL, "function URL")
		}
		c.startStreamed(method, state, resolve, reject, streamedCall{
			key:     newURLSampleKey(req, state.Tags.GetCurrentValues()),
			onChunk: req.OnChunk,
			start: func(client *native.Client, receiver native.StreamReceiver) (*native.InFlight, *native.Rejection) {
				return client.StartURL(&req.URLRequest, receiver)
			},
			// As http.request's responses count in http_req_failed.
			failed: func(o *native.StreamOutcome) bool { return o.StatusCode >= 400 },
			settle: c.settleURL,
		})
	})
}

// streamedCall is what differs between the two streamed calls.
type streamedCall struct {
	key     *sampleKey
	onChunk sobek.Callable // nil: the script does not want the chunks
	start   func(*native.Client, native.StreamReceiver) (*native.InFlight, *native.Rejection)
	// failed is the call's verdict on an answer, for lambda_invocation_failed.
	failed func(*native.StreamOutcome) bool
	// settle resolves or rejects with the outcome, on the event loop.
	settle func(o *native.StreamOutcome, resolve, reject func(any) error)
}

// startStreamed starts a streamed call; its promise is settled exactly
// once on every path, as invoke's is (see settlement).
func (c *lambdaClient) startStreamed(method string, state *lib.State, resolve, reject func(any) error, call streamedCall) {
	mi := c.mi
	ctx, live := c.liveContext(method, reject)
	if !live {
		return
	}
	s := newSettlement(mi.vu.RegisterCallback(), mi.errors, reject)
	defer s.recoverUnsettled()
	receiver := &streamReceiver{client: c, ctx: ctx, state: state, call: call, s: s, resolve: resolve, reject: reject}
	if call.onChunk != nil {
		receiver.relay = newChunkRelay(mi.vu.RegisterCallback, mi.runtime(), call.onChunk, s)
	}
	started := false
	defer func() {
		if !started && receiver.relay != nil {
			// No outcome will come to close it: its registration is let go.
			receiver.relay.close()
		}
	}()
	started = c.handOver(ctx, s, func(client *native.Client) (*native.InFlight, *native.Rejection) {
		return call.start(client, receiver)
	})
}

// streamReceiver is a streamed call as the completion drain sees it: it
// times the chunks, hands them to the relay, and at the end emits the
// samples and settles the promise.
type streamReceiver struct {
	client  *lambdaClient
	ctx     context.Context //nolint:containedctx // the VU's context at the call, for its samples
	state   *lib.State
	call    streamedCall
	s       *settlement
	relay   *chunkRelay // nil without onChunk
	resolve func(any) error
	reject  func(any) error

	mu     sync.Mutex // the drain calls; a test may read
	chunks int
	gaps   []time.Duration
}

var _ native.StreamReceiver = (*streamReceiver)(nil)

func (r *streamReceiver) WantsChunks() bool { return r.relay != nil }

func (r *streamReceiver) Chunk(data []byte, gap time.Duration) {
	r.mu.Lock()
	if r.chunks > 0 {
		r.gaps = append(r.gaps, gap)
	}
	r.chunks++
	r.mu.Unlock()
	if r.relay != nil {
		r.relay.add(data)
	}
}

// Done ends the call: samples first (as invoke's, pushed when the answer
// arrives, not when the event loop settles it), then the relay's last
// chunks and the promise's settling, in that order on the event loop.
func (r *streamReceiver) Done(o *native.StreamOutcome) {
	s := r.s
	s.completed()
	defer s.recoverUnsettled()
	r.emitMetrics(o)
	if r.relay != nil {
		r.relay.close()
	}
	s.settle(func() {
		if r.relay != nil {
			if thrown := r.relay.failure(); thrown != nil {
				_ = r.reject(thrown)
				return
			}
		}
		r.call.settle(o, r.resolve, r.reject)
	})
}

// emitMetrics pushes the call's samples, if it reached the network and was
// not cancelled (as invoke's).
func (r *streamReceiver) emitMetrics(o *native.StreamOutcome) {
	if !o.OnWire() || (o.Error != nil && o.Error.Kind == native.KindCancelled) {
		return
	}
	r.mu.Lock()
	gaps := r.gaps
	r.mu.Unlock()
	samples := r.client.mi.metrics.streamSamples(r.state.BuiltinMetrics, r.call.key, o, r.call.failed(o), gaps, r.client.pricing)
	metrics.PushIfNotDone(r.ctx, r.state.Samples, samples)
}

// streamSamples are every call's samples (addInvocation) and a stream's:
// the time to its first chunk, the gaps between its chunks, their count.
func (m *lambdaMetrics) streamSamples(
	builtin *metrics.BuiltinMetrics, key *sampleKey, o *native.StreamOutcome, failed bool,
	gaps []time.Duration, prices pricing,
) metrics.Samples {
	set := newSampleSet(key, &o.Outcome, 2+len(gaps))
	m.addInvocation(set, builtin, &o.Outcome, failed, prices)
	if first, ok := o.TimeToFirstChunk(); ok {
		set.add(m.firstChunk, metrics.D(first))
	}
	for _, gap := range gaps {
		set.add(m.chunkGap, metrics.D(gap))
	}
	if o.Chunks > 0 {
		set.add(m.chunks, float64(o.Chunks))
	}
	return set.samples
}
