package js

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// The expected costs below are worked out by hand, not with the code's
// formula: billed seconds × memory in GB (MB/1024) × USD per GB-second,
// plus USD per million requests / 1,000,000.
//
// Billed 13 ms at 128 MB: 0.013 s × 0.125 GB = 0.001625 GB-s.
//
//	x86_64: 0.001625 × 0.0000166667 = 0.0000000270833875, + 0.0000002
//	arm64:  0.001625 × 0.0000133334 = 0.0000000216667750, + 0.0000002
//
// Billed 250 ms at 1024 MB: 0.25 s × 1 GB = 0.25 GB-s.
//
//	x86_64: 0.25 × 0.0000166667 = 0.000004166675, + 0.0000002
//	arm64:  0.25 × 0.0000133334 = 0.00000333335, + 0.0000002
//	{usdPerGbSecond: 0.00002, usdPerMillionRequests: 0.5}: 0.000005 + 0.0000005
const (
	cost13ms128MBx86   = 0.0000002270833875
	cost13ms128MBarm   = 0.000000221666775
	cost250ms1GBx86    = 0.000004366675
	cost250ms1GBarm    = 0.00000353335
	cost250ms1GBcustom = 0.0000055
	// arm64's price per GB-second, requests free: 0.25 × 0.0000133334.
	cost250ms1GBarmNoRequests = 0.00000333335
	// {usdPerGbSecond: 0.00002, usdPerMillionRequests: 0.5} at 13 ms and
	// 128 MB: 0.001625 × 0.00002 = 0.0000000325, + 0.0000005.
	cost13ms128MBcustom = 0.0000005325
)

// costTolerance: float64 rounding only (the values are about 1e-7).
const costTolerance = 1e-18

func TestTheArchitecturesDefaultPrices(t *testing.T) {
	t.Parallel()
	assert.Equal(t, pricing{usdPerGbSecond: 0.0000166667, usdPerMillionRequests: 0.20}, defaultPricing())
	assert.Equal(t, pricing{usdPerGbSecond: 0.0000133334, usdPerMillionRequests: 0.20}, architecturePrices["arm64"])
	assert.Equal(t, defaultPricing(), architecturePrices["x86_64"])
}

// An Outcome with a REPORT has one lambda_cost_usd sample, with the
// invocation's tags; one without has none.
func TestCostSampleOfAnOutcome(t *testing.T) {
	t.Parallel()
	registry := metrics.NewRegistry()
	m, err := registerMetrics(registry)
	require.NoError(t, err)
	duration := int64(20e6)
	key := newSampleKey(operationInvoke, &invocation{Request: native.Request{FunctionName: "f"}},
		metrics.TagsAndMeta{Tags: registry.RootTagSet().With("scenario", "cost")})
	costOf := func(report *native.Report, prices pricing) []metrics.Sample {
		o := &native.Outcome{StatusCode: 200, Report: report, DurationNs: &duration}
		samples := m.invocationSamples(nil, key, o, prices)
		assert.LessOrEqual(t, len(samples), 13, "more samples than the set is sized for")
		costs := samplesOf(samples, "lambda_cost_usd")
		micros := samplesOf(samples, "lambda_cost_microusd")
		require.Len(t, micros, len(costs), "one lambda_cost_microusd per lambda_cost_usd")
		for i, s := range costs {
			assert.Equal(t, samplesOf(samples, "lambda_invocations")[0].Tags, s.Tags, "the invocation's tags")
			assert.Equal(t, metrics.Counter, s.Metric.Type)
			assert.Equal(t, s.Tags, micros[i].Tags, "lambda_cost_microusd: the invocation's tags")
			assert.Equal(t, metrics.Counter, micros[i].Metric.Type)
			assert.InDelta(t, s.Value*1e6, micros[i].Value, costTolerance*1e6, "lambda_cost_microusd is the cost in µUSD")
		}
		return costs
	}
	small := &native.Report{DurationMs: 12.34, BilledDurationMs: 13, MemorySizeMB: 128, MaxMemoryUsedMB: 64}
	initMs := 120.5
	big := &native.Report{DurationMs: 249.5, BilledDurationMs: 250, MemorySizeMB: 1024, MaxMemoryUsedMB: 80, InitDurationMs: &initMs}
	for _, c := range []struct {
		name   string
		report *native.Report
		prices pricing
		want   float64
	}{
		{"13 ms, 128 MB, x86_64", small, architecturePrices["x86_64"], cost13ms128MBx86},
		{"13 ms, 128 MB, arm64", small, architecturePrices["arm64"], cost13ms128MBarm},
		{"13 ms, 128 MB, custom", small, pricing{usdPerGbSecond: 0.00002, usdPerMillionRequests: 0.5}, cost13ms128MBcustom},
		{"250 ms, 1024 MB, cold, x86_64", big, architecturePrices["x86_64"], cost250ms1GBx86},
		{"250 ms, 1024 MB, cold, arm64", big, architecturePrices["arm64"], cost250ms1GBarm},
	} {
		costs := costOf(c.report, c.prices)
		require.Len(t, costs, 1, c.name)
		assert.InDelta(t, c.want, costs[0].Value, costTolerance, c.name)
	}
	assert.Empty(t, costOf(nil, defaultPricing()), "no REPORT, no cost sample")
}

// reportLambda answers with a fixed REPORT in the Tail log, as text or as
// a JSON platform.report event, when the log is asked for.
func reportLambda(t *testing.T) *httptest.Server {
	t.Helper()
	const textLog = "START RequestId: r1 Version: $LATEST\nEND RequestId: r1\n" +
		"REPORT RequestId: r1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n"
	const jsonLog = `{"time":"2026-01-01T00:00:00.000Z","type":"platform.start","record":{"requestId":"r2","version":"$LATEST"}}` + "\n" +
		`{"timestamp":"2026-01-01T00:00:00.100Z","level":"INFO","requestId":"r2","message":"hello"}` + "\n" +
		`{"time":"2026-01-01T00:00:00.250Z","type":"platform.report","record":{"requestId":"r2",` +
		`"metrics":{"durationMs":249.51,"billedDurationMs":250,"memorySizeMB":1024,"maxMemoryUsedMB":80,"initDurationMs":100.5},` +
		`"status":"success"}}` + "\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[len("/2015-03-31/functions/") : len(r.URL.Path)-len("/invocations")]
		w.Header().Set("X-Amzn-RequestId", "r")
		log := map[string]string{"text-report": textLog, "json-report": jsonLog, "fails": textLog}[name]
		if log == "" {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"Type":"User","Message":"Function not found"}`))
			return
		}
		if r.Header.Get("X-Amz-Invocation-Type") == "Event" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if r.Header.Get("X-Amz-Log-Type") == "Tail" {
			w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(log)))
		}
		if name == "fails" {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Real invocations: the library parses each log format into the REPORT,
// and lambda_cost_usd prices it with the client's pricing. Invocations
// without a REPORT emit no cost sample.
func TestCostOfInvocationsWithTextAndJSONReports(t *testing.T) {
	t.Parallel()
	srv := reportLambda(t)
	rt := newRuntime(t)
	_, err := rt.RunOnEventLoop(fmt.Sprintf(`
		var result;
		const config = new AWSConfig({ region: 'us-east-1', endpoint: %q,
			accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
		const clients = {
			default: new LambdaClient(config),
			x86: new LambdaClient(config, { pricing: { architecture: 'x86_64' } }),
			arm: new LambdaClient(config, { pricing: { architecture: 'arm64' } }),
			custom: new LambdaClient(config, { pricing: { usdPerGbSecond: 0.00002, usdPerMillionRequests: 0.5 } }),
			armNoRequests: new LambdaClient(config, { pricing: { architecture: 'arm64', usdPerMillionRequests: 0 } }),
		};
		const call = (client, name, label, options = {}) => clients[client]
			.invoke(name, '{}', { logType: 'Tail', ...options, tags: { case: label } })
			.then((r) => r.report, (e) => e.name);
		(async () => {
			result = [
				await call('default', 'text-report', 'default-text'),
				await call('x86', 'text-report', 'x86-text'),
				await call('arm', 'text-report', 'arm-text'),
				await call('custom', 'text-report', 'custom-text'),
				await call('default', 'json-report', 'default-json'),
				await call('arm', 'json-report', 'arm-json'),
				await call('custom', 'json-report', 'custom-json'),
				await call('armNoRequests', 'json-report', 'arm-no-requests-json'),
				await call('default', 'fails', 'function-error'),
				await call('default', 'text-report', 'no-tail', { logType: 'None' }),
				await call('default', 'text-report', 'event', { invocationType: 'Event' }),
				await call('arm', 'missing', 'not-found'),
			];
		})().catch((e) => { result = 'uncaught ' + e; });`, srv.URL))
	require.NoError(t, err)
	value, err := rt.VU.Runtime().RunString("JSON.stringify(result)")
	require.NoError(t, err)
	got := value.String()
	assert.Contains(t, got, `{"durationMs":12.34,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":64}`, "text REPORT read")
	assert.Contains(t, got, `{"durationMs":249.51,"billedDurationMs":250,"memorySizeMB":1024,"maxMemoryUsedMB":80,"initDurationMs":100.5}`,
		"JSON REPORT read")

	samples := drainSamples(rt)
	costs := map[string][]float64{}
	for _, s := range samplesOf(samples, "lambda_cost_usd") {
		label, _ := s.Tags.Get("case")
		costs[label] = append(costs[label], s.Value)
	}
	want := map[string]float64{
		"default-text":         cost13ms128MBx86,
		"x86-text":             cost13ms128MBx86,
		"arm-text":             cost13ms128MBarm,
		"custom-text":          cost13ms128MBcustom,
		"default-json":         cost250ms1GBx86,
		"arm-json":             cost250ms1GBarm,
		"custom-json":          cost250ms1GBcustom,
		"arm-no-requests-json": cost250ms1GBarmNoRequests,
		// A function error is billed as any execution.
		"function-error": cost13ms128MBx86,
	}
	for label, cost := range want {
		require.Len(t, costs[label], 1, "%s: one cost sample", label)
		assert.InDelta(t, cost, costs[label][0], costTolerance, label)
	}
	for _, label := range []string{"no-tail", "event", "not-found"} {
		assert.Empty(t, costs[label], "%s: no REPORT, no cost sample", label)
	}
	assert.Len(t, samplesOf(samples, "lambda_invocations"), 12, "every invocation counted")
}

// The pricing option is checked when the client is made: a value of the
// wrong type is a TypeError, one that cannot be a price an
// InvalidAWSConfigError, as for the other options.
func TestInvalidPricingIsRefusedAtConstruction(t *testing.T) {
	t.Parallel()
	rt := newInitRuntime(t)
	for options, want := range map[string]string{
		`{ pricing: 'arm64' }`:                                 "TypeError: LambdaClient: pricing must be an object such as { architecture: 'arm64' }, got a string",
		`{ pricing: [] }`:                                      "TypeError: LambdaClient: pricing must be an object",
		`{ pricing: 1 }`:                                       "TypeError: LambdaClient: pricing must be an object",
		`{ pricing: { architecture: 64 } }`:                    "TypeError: LambdaClient: pricing.architecture must be 'x86_64' or 'arm64', got the number 64",
		`{ pricing: { architecture: 'arm' } }`:                 "InvalidAWSConfigError: invalid pricing.architecture; reason: expected `x86_64` or `arm64`, got `arm`",
		`{ pricing: { architecture: 'ARM64' } }`:               "InvalidAWSConfigError: invalid pricing.architecture; reason: expected `x86_64` or `arm64`, got `ARM64`",
		`{ pricing: { usdPerGbSecond: -0.0001 } }`:             "InvalidAWSConfigError: invalid pricing.usdPerGbSecond; reason: expected a finite number of USD, 0 or more, got -0.0001",
		`{ pricing: { usdPerGbSecond: NaN } }`:                 "InvalidAWSConfigError: invalid pricing.usdPerGbSecond; reason: expected a finite number of USD, 0 or more, got NaN",
		`{ pricing: { usdPerGbSecond: Infinity } }`:            "InvalidAWSConfigError: invalid pricing.usdPerGbSecond; reason: expected a finite number of USD, 0 or more, got Infinity",
		`{ pricing: { usdPerMillionRequests: -Infinity } }`:    "InvalidAWSConfigError: invalid pricing.usdPerMillionRequests; reason: expected a finite number of USD, 0 or more, got -Infinity",
		`{ pricing: { usdPerMillionRequests: -1 } }`:           "InvalidAWSConfigError: invalid pricing.usdPerMillionRequests; reason: expected a finite number of USD, 0 or more, got -1",
		`{ pricing: { usdPerGbSecond: '0.00001' } }`:           "TypeError: LambdaClient: pricing.usdPerGbSecond must be a number (USD), got a string",
		`{ pricing: { usdPerMillionRequests: 10n } }`:          "TypeError: LambdaClient: pricing.usdPerMillionRequests must be a number (USD), got an object",
		`{ pricing: { usdPerGBSecond: 0.00001 } }`:             `TypeError: LambdaClient: unknown pricing option "usdPerGBSecond"; known: architecture, usdPerGbSecond, usdPerMillionRequests`,
		`{ pricing: { architecture: 'arm64', region: 'eu' } }`: `TypeError: LambdaClient: unknown pricing option "region"`,
		`{ prices: { architecture: 'arm64' } }`:                `TypeError: LambdaClient: unknown LambdaClient option "prices"; known options: timeout, maxAttempts, transport, pricing`,
	} {
		_, err := rt.VU.Runtime().RunString(`{
			const config = new AWSConfig({ region: 'us-east-1' });
			try { new LambdaClient(config, ` + options + `); throw new Error('no error'); }
			catch (e) {
				const cls = e instanceof InvalidAWSConfigError ? 'InvalidAWSConfigError' : e instanceof TypeError ? 'TypeError' : 'other';
				throw new Error('refused: ' + cls + ': ' + e.message);
			}
		}`)
		require.Error(t, err, options)
		assert.Contains(t, err.Error(), "refused: "+want, options)
	}
	for _, options := range []string{
		`{ pricing: {} }`, `{ pricing: null }`, `{ pricing: undefined }`,
		`{ pricing: { architecture: 'arm64' } }`, `{ pricing: { architecture: undefined, usdPerGbSecond: null } }`,
		`{ pricing: { usdPerGbSecond: 0, usdPerMillionRequests: 0 } }`,
		`{ pricing: { architecture: 'x86_64', usdPerGbSecond: 0.0000166667, usdPerMillionRequests: 0.2 } }`,
	} {
		_, err := rt.VU.Runtime().RunString(`new LambdaClient(new AWSConfig({ region: 'us-east-1' }), ` + options + `)`)
		assert.NoError(t, err, options)
	}
}

// Undefined and null prices are absent: the architecture's default stays.
func TestPricingOverridesOnlyWhatIsGiven(t *testing.T) {
	t.Parallel()
	rt := newInitRuntime(t)
	for options, want := range map[string]pricing{
		`({})`:                        {usdPerGbSecond: 0.0000166667, usdPerMillionRequests: 0.20},
		`({ architecture: 'arm64' })`: {usdPerGbSecond: 0.0000133334, usdPerMillionRequests: 0.20},
		`({ architecture: 'arm64', usdPerMillionRequests: 0 })`:                    {usdPerGbSecond: 0.0000133334, usdPerMillionRequests: 0},
		`({ usdPerGbSecond: 0.0000158 })`:                                          {usdPerGbSecond: 0.0000158, usdPerMillionRequests: 0.20},
		`({ usdPerGbSecond: null, usdPerMillionRequests: 1 })`:                     {usdPerGbSecond: 0.0000166667, usdPerMillionRequests: 1},
		`({ architecture: 'arm64', usdPerGbSecond: 2, usdPerMillionRequests: 3 })`: {usdPerGbSecond: 2, usdPerMillionRequests: 3},
	} {
		value, err := rt.VU.Runtime().RunString(options)
		require.NoError(t, err)
		got, err := readPricing(value)
		require.NoError(t, err, options)
		assert.Equal(t, want, got, options)
	}
}
