package js

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// A SnapStart restore is a cold start without an Init: lambda_cold_starts
// 1, lambda_restore_duration its Restore Duration, no lambda_init_duration;
// its cost counts the Billed Restore Duration beside the Billed Duration.
//
// Worked by hand: billed 13 ms + 180 ms restore at 128 MB is 0.193 s ×
// 0.125 GB = 0.024125 GB-s; × 0.0000166667 = 0.0000004020841375, +
// 0.0000002 per request.
func TestRestoreSamples(t *testing.T) {
	t.Parallel()
	registry := metrics.NewRegistry()
	m, err := registerMetrics(registry)
	require.NoError(t, err)
	duration := int64(20e6)
	key := newSampleKey(operationInvoke, &invocation{Request: native.Request{FunctionName: "f"}},
		metrics.TagsAndMeta{Tags: registry.RootTagSet()})
	samplesFor := func(r *native.Report) []metrics.Sample {
		o := &native.Outcome{StatusCode: 200, Report: r, DurationNs: &duration}
		samples := m.invocationSamples(nil, key, o, defaultPricing())
		assert.LessOrEqual(t, len(samples), 13, "more samples than the set is sized for")
		return samples
	}
	values := func(samples []metrics.Sample, name string) []float64 {
		var out []float64
		for _, s := range samplesOf(samples, name) {
			out = append(out, s.Value)
		}
		return out
	}
	restore, billedRestore, initMs := 312.5, 180.0, 120.5
	restored := samplesFor(&native.Report{DurationMs: 12.34, BilledDurationMs: 13, MemorySizeMB: 128,
		MaxMemoryUsedMB: 64, RestoreDurationMs: &restore, BilledRestoreDurationMs: &billedRestore})
	assert.Equal(t, []float64{312.5}, values(restored, "lambda_restore_duration"))
	assert.Equal(t, metrics.Time, samplesOf(restored, "lambda_restore_duration")[0].Metric.Contains)
	assert.Equal(t, []float64{1}, values(restored, "lambda_cold_starts"), "a restore is a cold start")
	assert.Empty(t, values(restored, "lambda_init_duration"), "a restore is no init")
	assert.InDelta(t, 0.0000006020841375, values(restored, "lambda_cost_usd")[0], costTolerance)

	initialised := samplesFor(&native.Report{DurationMs: 12.34, BilledDurationMs: 13, MemorySizeMB: 128,
		MaxMemoryUsedMB: 64, InitDurationMs: &initMs})
	assert.Equal(t, []float64{120.5}, values(initialised, "lambda_init_duration"))
	assert.Empty(t, values(initialised, "lambda_restore_duration"))
	assert.Equal(t, []float64{1}, values(initialised, "lambda_cold_starts"))

	warm := samplesFor(&native.Report{DurationMs: 12.34, BilledDurationMs: 13, MemorySizeMB: 128, MaxMemoryUsedMB: 64})
	assert.Equal(t, []float64{0}, values(warm, "lambda_cold_starts"))
	assert.Empty(t, values(warm, "lambda_restore_duration"))
	assert.InDelta(t, cost13ms128MBx86, values(warm, "lambda_cost_usd")[0], costTolerance)
}

// newerLambda answers as tenant isolation, a durable function and a
// SnapStart restore do, and echoes what it was sent of them.
func newerLambda(t *testing.T) *httptest.Server {
	t.Helper()
	const restoreLog = "REPORT RequestId: r1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t" +
		"Max Memory Used: 64 MB\tRestore Duration: 312.50 ms\tBilled Restore Duration: 180 ms\t\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-RequestId", "r1")
		if name := r.Header.Get("X-Amz-Durable-Execution-Name"); name != "" {
			w.Header().Set("X-Amz-Durable-Execution-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/"+name+"/1")
		}
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(restoreLog)))
		_, _ = w.Write([]byte(`"` + r.Header.Get("X-Amz-Tenant-Id") + `"`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTenantDurableNameAndRestoreReachTheScript(t *testing.T) {
	t.Parallel()
	srv := newerLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		const r = await client.invoke('f', '{}', { tenantId: 'blue team', durableExecutionName: 'order-1', logType: 'Tail' });
		const plain = await client.invoke('f', '{}', { logType: 'Tail' });
		result = { payload: r.payload, arn: r.durableExecutionArn, plainHasArn: 'durableExecutionArn' in plain,
			restore: r.report.restoreDurationMs, billedRestore: r.report.billedRestoreDurationMs,
			init: r.report.initDurationMs === undefined };`)
	assert.JSONEq(t, `{"payload":"\"blue team\"",
		"arn":"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/order-1/1",
		"plainHasArn":false,"restore":312.5,"billedRestore":180,"init":true}`, got)
}

func TestTenantAndDurableNameAreCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	srv := newerLambda(t)
	cases := map[string]string{
		`client.invoke('f', '{}', { tenantId: '' })`:                   `{"name":"InvalidInvocationError","field":"tenantId"}`,
		`client.invoke('f', '{}', { tenantId: 7 })`:                    `{"name":"InvalidInvocationError","field":"tenantId"}`,
		`client.invoke('f', '{}', { tenantId: 'a#b' })`:                `{"name":"InvalidInvocationError","field":"tenantId"}`,
		`client.invoke('f', '{}', { tenantId: ' lead' })`:              `{"name":"InvalidInvocationError","field":"tenantId"}`,
		`client.invoke('f', '{}', { durableExecutionName: '' })`:       `{"name":"InvalidInvocationError","field":"durableExecutionName"}`,
		`client.invoke('f', '{}', { durableExecutionName: 'a.b' })`:    `{"name":"InvalidInvocationError","field":"durableExecutionName"}`,
		`client.invoke('f', '{}', { durableExecutionName: {} })`:       `{"name":"InvalidInvocationError","field":"durableExecutionName"}`,
		`client.invokeWithResponseStream('f', '{}', { tenantId: '' })`: `{"name":"InvalidInvocationError","field":"tenantId"}`,
		`client.invokeWithResponseStream('f', '{}', { durableExecutionName: 'x' })`: `{"name":"InvalidInvocationError",` +
			`"field":"durableExecutionName"}`,
	}
	for call, want := range cases {
		got := run(t, newRuntime(t), srv.URL, `
			try { await `+call+`; result = 'resolved'; }
			catch (e) { result = { name: e.name, field: e.field }; }`)
		assert.JSONEq(t, want, got, call)
	}
	got := run(t, newRuntime(t), srv.URL, `
		try { await client.invokeWithResponseStream('f', '{}', { durableExecutionName: 'x' }); }
		catch (e) { result = e.message; }`)
	assert.Contains(t, got, "InvokeWithResponseStream has no durable execution")
	assert.NotContains(t, got, "durableExecutionName, tags", "the stream's known options lack it")
}
