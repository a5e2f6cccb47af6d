package js

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamingURL is a function URL that answers `status` with `pieces`, each
// flushed and then paused for `pause`; closed is closed when a request's
// connection ends before the answer did (the client gave up).
func streamingURL(t *testing.T, status int, pause time.Duration, pieces ...string) (url string, closed chan struct{}) {
	t.Helper()
	closed = make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen-Method", r.Method)
		w.WriteHeader(status)
		flusher, _ := w.(http.Flusher)
		for _, piece := range pieces {
			_, _ = w.Write([]byte(piece))
			flusher.Flush()
			select {
			case <-time.After(pause):
			case <-r.Context().Done():
				closed <- struct{}{}
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/fn/", closed
}

// onChunk runs on the event loop for each piece, in order, all before the
// promise resolves; the answer has the pieces joined and their count.
func TestInvokeUrlHandsOverEveryChunkInOrderBeforeResolving(t *testing.T) {
	t.Parallel()
	url, _ := streamingURL(t, http.StatusOK, 20*time.Millisecond, "a", "b", "c")
	got := run(t, newRuntime(t), url, `
		const seen = [];
		const decode = (b) => String.fromCharCode(...new Uint8Array(b));
		const r = await client.invokeUrl('`+url+`?q=1', { method: 'put', body: 'x',
			onChunk: (chunk) => seen.push(decode(chunk)) });
		result = { seen, seenAtResolve: seen.length, payload: r.payload, chunks: r.chunks,
			status: r.statusCode, method: r.headers['x-seen-method'],
			timed: r.timeToFirstChunkMs > 0 };`)
	assert.JSONEq(t, `{"seen":["a","b","c"],"seenAtResolve":3,"payload":"abc","chunks":3,
		"status":200,"method":"PUT","timed":true}`, got)
}

// An exception in onChunk rejects the promise with it and stops the call:
// the connection is dropped, not read to its end.
func TestAnOnChunkThatThrowsRejectsWithItAndStopsTheCall(t *testing.T) {
	t.Parallel()
	url, closed := streamingURL(t, http.StatusOK, 10*time.Second, "a", "b")
	start := time.Now()
	got := run(t, newRuntime(t), url, `
		let calls = 0;
		try {
			await client.invokeUrl('`+url+`', { onChunk: () => { calls++; throw new RangeError('enough'); } });
			result = 'resolved';
		} catch (e) { result = [e.name, e.message, calls]; }`)
	assert.JSONEq(t, `["RangeError","enough",1]`, got)
	assert.Less(t, time.Since(start), 5*time.Second, "the call should stop at the exception")
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server still holds the connection: the call was not cancelled")
	}
}

// Every sample of a function URL call carries operation, url and method;
// a 5xx counts as failed; the stream metrics count its chunks and gaps.
func TestFunctionURLSamples(t *testing.T) {
	t.Parallel()
	url, _ := streamingURL(t, http.StatusServiceUnavailable, 50*time.Millisecond, "x", "y", "z")
	rt := newRuntime(t)
	got := run(t, rt, url, `result = (await client.invokeUrl('`+url+`')).statusCode;`)
	require.Equal(t, "503", got)
	samples := drainSamples(rt)
	require.NotEmpty(t, samples)
	for _, s := range samples {
		op, _ := s.Tags.Get("operation")
		assert.Equal(t, "FunctionUrl", op, s.Metric.Name)
		tagURL, _ := s.Tags.Get("url")
		assert.Equal(t, url, tagURL, s.Metric.Name)
		method, _ := s.Tags.Get("method")
		assert.Equal(t, "GET", method, s.Metric.Name)
		status, _ := s.Tags.Get("status")
		assert.Equal(t, "503", status, s.Metric.Name)
	}
	failed := samplesOf(samples, "lambda_invocation_failed")
	require.Len(t, failed, 1)
	assert.InDelta(t, 1.0, failed[0].Value, 0)
	chunks := samplesOf(samples, "lambda_stream_chunks")
	require.Len(t, chunks, 1)
	assert.InDelta(t, 3.0, chunks[0].Value, 0)
	assert.Len(t, samplesOf(samples, "lambda_stream_first_chunk"), 1)
	assert.Len(t, samplesOf(samples, "lambda_stream_chunk_gap"), 2, "one per chunk after the first")
	// The server paused 50 ms after each chunk: between the first chunk's
	// arrival and the last's, at least 50 (the first may have been read
	// late, shortening the first gap, never both).
	total := 0.0
	for _, gap := range samplesOf(samples, "lambda_stream_chunk_gap") {
		assert.Positive(t, gap.Value)
		total += gap.Value
	}
	assert.GreaterOrEqual(t, total, 50.0, "the gaps (ms) span the server's pauses")
}

// invoke's samples say which operation made them too.
func TestInvokeSamplesCarryTheOperation(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	rt := newRuntime(t)
	require.Equal(t, "200", run(t, rt, srv.URL, `result = (await client.invoke('add-numbers', '{}')).statusCode;`))
	samples := drainSamples(rt)
	require.NotEmpty(t, samples)
	for _, s := range samples {
		op, _ := s.Tags.Get("operation")
		assert.Equal(t, "Invoke", op, s.Metric.Name)
	}
}

// A stopping VU cancels a streamed call that is still streaming; the
// promise rejects with a CancelledError, and no chunk is delivered after.
func TestStoppingTheVUCancelsAStreamedCall(t *testing.T) {
	t.Parallel()
	url, closed := streamingURL(t, http.StatusOK, 10*time.Second, "a", "b")
	rt := newRuntime(t)
	time.AfterFunc(300*time.Millisecond, rt.CancelContext)
	got := run(t, rt, url, `
		const seen = [];
		try { await client.invokeUrl('`+url+`', { onChunk: () => seen.push(1) }); result = 'resolved'; }
		catch (e) { result = [e.name, seen.length]; }`)
	assert.JSONEq(t, `["CancelledError",1]`, got)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the call went on after the VU stopped")
	}
}

// Bad arguments reject before anything is sent, naming the call.
func TestStreamedCallsRefuseBadArguments(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		const out = [];
		for (const call of [
			() => client.invokeWithResponseStream('f', '{}', { onChunk: 'no' }),
			() => client.invokeWithResponseStream('f', '{}', { invocationType: 'Event' }),
			() => client.invokeWithResponseStream('f', '{}', { bogus: 1 }),
			() => client.invokeUrl(42),
			() => client.invokeUrl('http://127.0.0.1:1/', { headers: { a: {} } }),
			() => client.invokeUrl('http://127.0.0.1:1/', { headers: { Authorization: 'x' } }),
			() => client.invokeUrl('http://127.0.0.1:1/', { verb: 'GET' }),
		]) {
			try { await call(); out.push('sent'); } catch (e) { out.push(e.name + ': ' + e.message); }
		}
		result = out;`)
	for _, want := range []string{
		"InvalidInvocationError: invokeWithResponseStream: onChunk must be a function",
		"InvalidInvocationError: invalid invocationType `Event` for InvokeWithResponseStream",
		`InvalidInvocationError: invokeWithResponseStream: unknown option \"bogus\"`,
		"InvalidInvocationError: invokeUrl: the function URL must be a string",
		`InvalidInvocationError: invokeUrl: header \"a\" must be a string`,
		"InvalidInvocationError:",
		`InvalidInvocationError: invokeUrl: unknown parameter \"verb\"`,
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "sent")
}
