package js

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/metrics"
)

// Faults are injected through a package variable: these tests do not run
// in parallel with each other.
var injectMu sync.Mutex

func withFault(t *testing.T, fault func(step string)) {
	t.Helper()
	injectMu.Lock()
	injectFault = fault
	t.Cleanup(func() {
		injectFault = nil
		injectMu.Unlock()
	})
}

// drainSamples reads the samples pushed so far.
func drainSamples(rt *modulestest.Runtime) []metrics.Sample {
	channel, _ := sampleChannels.Load(rt)
	samples, _ := channel.(chan metrics.SampleContainer)
	var out []metrics.Sample
	for {
		select {
		case container := <-samples:
			out = append(out, container.GetSamples()...)
		default:
			return out
		}
	}
}

func samplesOf(samples []metrics.Sample, name string) []metrics.Sample {
	var out []metrics.Sample
	for _, s := range samples {
		if s.Metric.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// k6 runs the init context more than once per VU: I/O there would invoke
// functions no metric counts. k6/http throws there too.
func TestInvokeInTheInitContextThrows(t *testing.T) {
	t.Parallel()
	var requests sync.WaitGroup
	received := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		received++
		requests.Done()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	rt := newInitRuntime(t)
	_, err := rt.VU.Runtime().RunString(fmt.Sprintf(`
		const client = new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint: %q,
			accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }));
		client.invoke('add-numbers', '{}');`, srv.URL))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in the init context is not supported")
	time.Sleep(200 * time.Millisecond)
	requests.Wait()
	assert.Zero(t, received, "nothing may be sent from the init context")
}

// The samples carry the tags in force when invoke() was called.
func TestSamplesCarryTheTagsOfTheCall(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	rt := newRuntime(t)
	state := rt.VU.StateField
	state.Tags.Modify(func(tm *metrics.TagsAndMeta) { tm.SetTag("phase", "call") })
	require.NoError(t, rt.VU.Runtime().Set("changeTags", func() {
		state.Tags.Modify(func(tm *metrics.TagsAndMeta) { tm.SetTag("phase", "after") })
	}))
	got := run(t, rt, srv.URL, `
		const pending = client.invoke('add-numbers', '{}');
		changeTags();
		result = (await pending).statusCode;`)
	assert.Equal(t, "200", got)
	invocations := samplesOf(drainSamples(rt), "lambda_invocations")
	require.Len(t, invocations, 1)
	phase, _ := invocations[0].Tags.Get("phase")
	assert.Equal(t, "call", phase)
}

// An invocation is counted when its answer arrives, not when the event
// loop gets to settle the promise: a VU busy in JavaScript and then
// stopped (its iteration interrupted) still counts an invocation answered
// before the stop, as k6/http counts an asyncRequest's response.
func TestSamplesArePushedWhenTheAnswerArrives(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	rt := newRuntime(t)
	channel, _ := sampleChannels.Load(rt)
	samples, _ := channel.(chan metrics.SampleContainer)
	// Blocks the event loop until a lambda_invocations sample comes (true)
	// or 5 s passed (false).
	require.NoError(t, rt.VU.Runtime().Set("awaitSampleBlocking", func() bool {
		deadline := time.After(5 * time.Second)
		for {
			select {
			case container := <-samples:
				if len(samplesOf(container.GetSamples(), "lambda_invocations")) > 0 {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}))
	got := run(t, rt, srv.URL, `
		const pending = client.invoke('add-numbers', '{}');
		const counted = awaitSampleBlocking();
		result = [counted, (await pending).statusCode];`)
	assert.Equal(t, "[true,200]", got, "the sample waited for the event loop")
}

// The duration is the library's, measured at the network: a slow
// completion handler (standing for the decoding of other completions on the
// shared drain goroutine) is not part of any invocation's duration.
func TestDurationIsMeasuredAtTheNetwork(t *testing.T) {
	srv := fakeLambda(t)
	rt := newRuntime(t)
	var once sync.Once
	withFault(t, func(step string) {
		if step == stepCompleted {
			once.Do(func() { time.Sleep(600 * time.Millisecond) })
		}
	})
	got := run(t, rt, srv.URL, `
		const answers = await Promise.all([client.invoke('add-numbers', '{}'), client.invoke('add-numbers', '{}')]);
		result = answers.map((r) => r.statusCode);`)
	assert.Equal(t, "[200,200]", got)
	durations := samplesOf(drainSamples(rt), "lambda_invocation_duration")
	require.Len(t, durations, 2)
	for _, d := range durations {
		assert.Less(t, d.Value, 500.0, "a duration includes the completion handler's delay")
	}
}

// Every path settles the promise exactly once: a panic injected at each
// step rejects it with an InternalError (or, after the answer was settled,
// changes nothing), the event loop finishes, and the client works after.
func TestEveryStepSettlesThePromiseOnce(t *testing.T) {
	srv := fakeLambda(t)
	for _, step := range []string{stepRegistered, stepStarting, stepStarted, stepCompleted, stepOnEventLoop} {
		t.Run(strings.ReplaceAll(step, " ", "_"), func(t *testing.T) {
			rt := newRuntime(t)
			var fired sync.Once
			withFault(t, func(at string) {
				if at == step {
					fired.Do(func() { panic("injected at " + step) })
				}
			})
			done := make(chan string, 1)
			go func() {
				done <- run(t, rt, srv.URL, `
					let first;
					try { first = (await client.invoke('add-numbers', '{}')).statusCode; }
					catch (e) { first = e.name + ': ' + e.message; }
					const second = (await client.invoke('add-numbers', '{}')).statusCode;
					result = [first, second];`)
			}()
			select {
			case got := <-done:
				// After Start the invocation may complete before the fault
				// fires: then it resolved, and that is settling once too.
				if step == stepStarted && strings.HasPrefix(got, "[200,") {
					return
				}
				assert.Contains(t, got, "InternalError: xk6-lambda:", step)
				assert.Contains(t, got, "injected at "+step, step)
				assert.True(t, strings.HasSuffix(got, ",200]"), "the client works afterwards: %s", got)
			case <-time.After(10 * time.Second):
				t.Fatalf("the event loop still waits after a fault at %q", step)
			}
		})
	}
}

// A payload in flight is held once, by the library: Go keeps no copy of it
// until the answer comes.
func TestThePayloadIsNotHeldByGoWhileInFlight(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = r.Body.Read(make([]byte, 1))
		<-hold
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(hold); srv.Close() })
	rt := newRuntime(t)
	const payloadMB, inFlight = 4, 16
	_, err := rt.VU.Runtime().RunString(fmt.Sprintf(`
		const big = 'x'.repeat(%d * 1024 * 1024);
		const client = new LambdaClient(new AWSConfig({ region: 'us-east-1', endpoint: %q,
			accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }));
		var start = () => { for (let i = 0; i < %d; i++) client.invoke('echo', big).catch(() => {}); };`,
		payloadMB, srv.URL, inFlight))
	require.NoError(t, err)
	before := liveHeap()
	start, ok := sobek.AssertFunction(rt.VU.Runtime().Get("start"))
	require.True(t, ok)
	_, err = start(sobek.Undefined())
	require.NoError(t, err)
	grown := int64(liveHeap()) - int64(before)
	assert.Less(t, grown, int64(payloadMB)<<20,
		"%d invocations of a %d MB payload grew the Go heap by %d MB", inFlight, payloadMB, grown>>20)
	rt.CancelContext()
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
