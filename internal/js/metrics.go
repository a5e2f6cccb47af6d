package js

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// lambdaMetrics are the extension's custom metrics, registered once per
// registry (that is, once per k6 process) and shared by every VU.
type lambdaMetrics struct {
	invocations    *metrics.Metric // Counter
	duration       *metrics.Metric // Trend, time: client-observed round trip
	failed         *metrics.Metric // Rate: a function, service or network error
	functionErrors *metrics.Metric // Counter

	// From the REPORT line of a Tail log: what Lambda itself measured.
	lambdaDuration *metrics.Metric // Trend, time
	billedDuration *metrics.Metric // Trend, time
	initDuration   *metrics.Metric // Trend, time (cold starts only)
	// SnapStart restores (Restore Duration): a cold start, but no Init.
	restoreDuration *metrics.Metric // Trend, time
	maxMemoryUsed   *metrics.Metric // Trend, data (bytes)
	// REPORTs of a new execution environment: an Init or a restore.
	coldStarts *metrics.Metric // Rate
	// What the invocations cost, USD, from the REPORT and the client's
	// pricing: only invocations with a REPORT (see pricing.cost).
	cost *metrics.Metric // Counter
	// The same cost in millionths of a USD: charts that print a count with
	// at most one decimal (k6's web dashboard and its HTML report) show a
	// run's USD 0.00002 as 0, its 20 µUSD as 20.
	costMicroUSD *metrics.Metric // Counter

	// Streamed calls (InvokeWithResponseStream, function URLs).
	firstChunk *metrics.Metric // Trend, time: from the call's start to its first chunk
	chunkGap   *metrics.Metric // Trend, time: between two chunks of a call
	chunks     *metrics.Metric // Counter
}

var (
	metricsMu       sync.Mutex
	metricsRegistry *metrics.Registry
	metricsShared   *lambdaMetrics
)

// registerMetrics returns the metrics of a registry, registering them the
// first time. It runs in the init context of each VU; only the first call
// per registry does any work.
func registerMetrics(registry *metrics.Registry) (*lambdaMetrics, error) {
	metricsMu.Lock()
	defer metricsMu.Unlock()
	if metricsRegistry == registry && metricsShared != nil {
		return metricsShared, nil
	}
	var err error
	m := &lambdaMetrics{}
	for _, def := range []struct {
		dst   **metrics.Metric
		name  string
		typ   metrics.MetricType
		value metrics.ValueType
	}{
		{&m.invocations, "lambda_invocations", metrics.Counter, metrics.Default},
		{&m.duration, "lambda_invocation_duration", metrics.Trend, metrics.Time},
		{&m.failed, "lambda_invocation_failed", metrics.Rate, metrics.Default},
		{&m.functionErrors, "lambda_function_errors", metrics.Counter, metrics.Default},
		{&m.lambdaDuration, "lambda_duration", metrics.Trend, metrics.Time},
		{&m.billedDuration, "lambda_billed_duration", metrics.Trend, metrics.Time},
		{&m.initDuration, "lambda_init_duration", metrics.Trend, metrics.Time},
		{&m.restoreDuration, "lambda_restore_duration", metrics.Trend, metrics.Time},
		{&m.maxMemoryUsed, "lambda_max_memory_used", metrics.Trend, metrics.Data},
		{&m.coldStarts, "lambda_cold_starts", metrics.Rate, metrics.Default},
		{&m.cost, "lambda_cost_usd", metrics.Counter, metrics.Default},
		{&m.costMicroUSD, "lambda_cost_microusd", metrics.Counter, metrics.Default},
		{&m.firstChunk, "lambda_stream_first_chunk", metrics.Trend, metrics.Time},
		{&m.chunkGap, "lambda_stream_chunk_gap", metrics.Trend, metrics.Time},
		{&m.chunks, "lambda_stream_chunks", metrics.Counter, metrics.Default},
	} {
		if *def.dst, err = registry.NewMetric(def.name, def.typ, def.value); err != nil {
			return nil, err
		}
	}
	metricsRegistry, metricsShared = registry, m
	return m, nil
}

// sampleSet collects one invocation's samples, all with the same tags.
type sampleSet struct {
	tags    *metrics.TagSet
	meta    map[string]string
	at      time.Time
	samples metrics.Samples
}

func (s *sampleSet) add(metric *metrics.Metric, value float64) {
	s.samples = append(s.samples, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: metric, Tags: s.tags},
		Time:       s.at,
		Metadata:   s.meta,
		Value:      value,
	})
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// microPerUnit: millionths in one (USD in µUSD).
const microPerUnit = 1e6

// mebibytes converts Lambda's MB (which are MiB) to bytes for a data Trend.
func mebibytes(mb float64) float64 { return mb * 1024 * 1024 }

// The operation tag of every sample: which Lambda call made it.
const (
	operationInvoke = "Invoke"
	operationStream = "InvokeWithResponseStream"
	operationURL    = "FunctionUrl"
)

// sampleKey is what a call's samples carry, fixed when the script made the
// call: the VU's tags and metadata then (a script may change them before
// the answer arrives) with the call's own (the operation, and the function
// or the URL), and the script's tags. It holds nothing of the payload.
type sampleKey struct {
	base       metrics.TagsAndMeta
	callTags   *metrics.TagSet // base's tags and the call's
	scriptTags map[string]string
}

// newSampleKey is the key of an invoke() (operationInvoke) or an
// invokeWithResponseStream() (operationStream).
func newSampleKey(operation string, req *invocation, base metrics.TagsAndMeta) *sampleKey {
	return &sampleKey{
		base: base,
		callTags: base.Tags.
			With("operation", operation).
			With("function", functionTag(req.FunctionName)).
			With("qualifier", qualifierTag(req)).
			With("invocation_type", defaultString(req.InvocationType, "RequestResponse")),
		scriptTags: req.Tags,
	}
}

// newURLSampleKey is the key of an invokeUrl(): the URL as given (as
// k6/http tags url) and the method.
func newURLSampleKey(call *urlCall, base metrics.TagsAndMeta) *sampleKey {
	method := strings.ToUpper(call.Method)
	if method == "" {
		method = "GET"
		if call.BodyText != "" || len(call.BodyBytes) > 0 {
			method = "POST"
		}
	}
	return &sampleKey{
		base: base,
		callTags: base.Tags.
			With("operation", operationURL).
			With("url", call.URL).
			With("method", method),
		scriptTags: call.Tags,
	}
}

// invocationSamples turns an invocation that reached the network into k6
// samples, timed as the library measured it; prices are its client's, for
// lambda_cost_usd.
func (m *lambdaMetrics) invocationSamples(
	builtin *metrics.BuiltinMetrics, key *sampleKey, o *native.Outcome, prices pricing,
) metrics.Samples {
	set := newSampleSet(key, o, 0)
	m.addInvocation(set, builtin, o, o.FunctionError != nil, prices)
	return set.samples
}

// newSampleSet makes the set of a call's samples, tagged with its key and
// its outcome, with room for the most it emits (13) and extra more, so
// that appending never grows it.
func newSampleSet(key *sampleKey, o *native.Outcome, extra int) *sampleSet {
	tags := key.callTags
	status := o.StatusCode
	if o.Error != nil {
		status = o.Error.StatusCode
		tags = tags.With("error_code", errorCodeTag(o.Error))
	} else if o.FunctionError != nil {
		tags = tags.With("error_code", *o.FunctionError)
	}
	tags = tags.With("status", statusTag(status))
	if o.ExecutedVersion != nil {
		tags = tags.With("executed_version", *o.ExecutedVersion)
	}
	for key, value := range key.scriptTags {
		tags = tags.With(key, value)
	}
	return &sampleSet{tags: tags, meta: key.base.Metadata, at: o.End(), samples: make(metrics.Samples, 0, 13+extra)}
}

// addInvocation adds what every call emits: the count, the round trip,
// failure, the function error, the REPORT's figures and cost, and the
// bytes on the wire. failed is the call's own verdict beyond an error (a
// function error; a function URL's status).
func (m *lambdaMetrics) addInvocation(
	set *sampleSet, builtin *metrics.BuiltinMetrics, o *native.Outcome, failed bool, prices pricing,
) {
	set.add(m.invocations, 1)
	set.add(m.duration, metrics.D(o.Duration()))
	set.add(m.failed, boolValue(failed || o.Error != nil))
	if o.FunctionError != nil {
		set.add(m.functionErrors, 1)
	}
	if r := o.Report; r != nil {
		set.add(m.lambdaDuration, r.DurationMs)
		set.add(m.billedDuration, r.BilledDurationMs)
		set.add(m.maxMemoryUsed, mebibytes(r.MaxMemoryUsedMB))
		// A SnapStart restore is a cold start (a new execution
		// environment, which the REPORT of its first invocation says), but
		// not an Init: its Init ran when the version was published.
		set.add(m.coldStarts, boolValue(r.ColdStart()))
		if r.InitDurationMs != nil {
			set.add(m.initDuration, *r.InitDurationMs)
		}
		if r.RestoreDurationMs != nil {
			set.add(m.restoreDuration, *r.RestoreDurationMs)
		}
		// Only with a REPORT: without one (no Tail log, Event, DryRun,
		// an error without a log) nothing says what was billed, and the
		// Counter undercounts rather than guesses.
		cost := prices.cost(r)
		set.add(m.cost, cost)
		set.add(m.costMicroUSD, cost*microPerUnit)
	}
	if builtin != nil {
		set.add(builtin.DataSent, float64(o.BytesSent))
		set.add(builtin.DataReceived, float64(o.BytesReceived))
	}
}

// functionTag is the function as named, without a `:qualifier` suffix
// (that goes to the qualifier tag), so one function is one tag value.
func functionTag(name string) string {
	function, _ := splitQualifier(name)
	return function
}

// qualifierTag is the qualifier asked for: the option, the name's suffix,
// or $LATEST (what an unqualified invocation runs).
func qualifierTag(req *invocation) string {
	if req.Qualifier != "" {
		return req.Qualifier
	}
	if _, qualifier := splitQualifier(req.FunctionName); qualifier != "" {
		return qualifier
	}
	return "$LATEST"
}

// splitQualifier splits `name:qualifier`, `account:function:name[:q]` and
// `arn:...:function:name[:q]`: the qualifier is the part after the name.
func splitQualifier(name string) (function, qualifier string) {
	parts := strings.Split(name, ":")
	for i, part := range parts {
		if part == "function" && i+1 < len(parts) {
			function = strings.Join(parts[:i+2], ":")
			if i+2 < len(parts) {
				qualifier = parts[i+2]
			}
			return function, qualifier
		}
	}
	if len(parts) == 2 {
		return parts[0], parts[1]
	}
	return name, ""
}

// statusTag is the status as text; the statuses of a healthy run without
// an allocation each.
func statusTag(status int) string {
	switch status {
	case 200:
		return "200"
	case 202:
		return "202"
	case 204:
		return "204"
	default:
		return strconv.Itoa(status)
	}
}

func errorCodeTag(e *native.OutcomeError) string {
	switch code := e.Code.(type) {
	case string:
		return code
	case float64:
		return strconv.FormatInt(int64(code), 10)
	default:
		return e.Name
	}
}

func defaultString(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
