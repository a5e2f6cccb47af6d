package js

import (
	"fmt"
	"math"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// pricing is what Lambda charges for an invocation: a price per
// GB-second of billed duration, and a price per request. The
// lambda_cost_usd Counter adds up one invocation's cost per REPORT.
type pricing struct {
	usdPerGbSecond        float64
	usdPerMillionRequests float64
}

// Architectures, as Lambda spells them (a function's Architectures).
const (
	architectureX86 = "x86_64"
	architectureArm = "arm64"
)

// architecturePrices are the on-demand prices of us-east-1 (N. Virginia),
// first pricing tier (the first 6 billion GB-seconds a month on x86_64,
// 7.5 billion on arm64), without the free tier: x86_64 USD 0.0000166667
// per GB-second, arm64 USD 0.0000133334 (20% less); USD 0.20 per million
// requests for both. Where the figures come from:
//
//   - aws.amazon.com/lambda/pricing/ fills its rate tables in the browser
//     (price tokens), so its text carries no rates; an earlier version of
//     the page, all examples "in US East (N. Virginia)", gives "$0.00001667
//     per GB-s", "$0.20 per 1 million requests", and GB-s as MB/1024.
//   - AWS Compute Blog, "Introducing tiered pricing for AWS Lambda": the
//     first tier is 0 to 6 billion GB-s on x86, 0 to 7.5 billion on arm64.
//   - The ten-digit first-tier rates of both architectures, from third
//     parties quoting the page: cloudchipr.com/blog/aws-lambda-pricing (US
//     East (N. Virginia): x86 "First 6 Billion GB-seconds per month:
//     $0.0000166667", ARM "First 7.5 Billion ...: $0.0000133334") and
//     Artillery's Lambda price table (base: x86_64 1666670, arm64 1333340,
//     in 1e-11 USD per GB-second).
//
// Other regions, later tiers, Savings Plans and the free tier differ: the
// `pricing` option of LambdaClient sets the figures.
var architecturePrices = map[string]pricing{
	architectureX86: {usdPerGbSecond: 0.0000166667, usdPerMillionRequests: 0.20},
	architectureArm: {usdPerGbSecond: 0.0000133334, usdPerMillionRequests: 0.20},
}

// defaultPricing is x86_64's: Lambda's default architecture.
func defaultPricing() pricing { return architecturePrices[architectureX86] }

// cost is what an invocation with this REPORT cost, in USD: its billed
// GB-seconds at the price per GB-second, plus one request. A GB is 1024
// MB here: Lambda's memory sizes are MB (MiB, in fact) and AWS bills them
// as MB/1024 GB (128 MB is 0.125 GB), not MB/1000.
//
// A SnapStart restore's Billed Restore Duration is billed time beside the
// Billed Duration (which rounds the handler's Duration alone): "Monitoring
// for Lambda SnapStart" says duration charges apply to the runtime's
// loading and the runtime hooks, which it measures, and not to the
// snapshot's restore, which Restore Duration also counts. Lambda's
// per-restore and snapshot caching charges (Python and .NET runtimes) are
// not in any REPORT: left out (README, "What the test cost").
func (p pricing) cost(r *native.Report) float64 {
	billedMs := r.BilledDurationMs
	if r.BilledRestoreDurationMs != nil {
		billedMs += *r.BilledRestoreDurationMs
	}
	gbSeconds := billedMs / 1000 * (r.MemorySizeMB / 1024)
	return gbSeconds*p.usdPerGbSecond + p.usdPerMillionRequests/1e6
}

// invalidOptionError is an option of the right type with a value that
// cannot be: thrown as an InvalidAWSConfigError, as the library refuses an
// unknown transport or maxAttempts 0 (a value of the wrong type is a
// TypeError, as for the other options).
type invalidOptionError struct{ message string }

func (e *invalidOptionError) Error() string { return e.message }

// readPricing reads LambdaClient's `pricing` option: {architecture,
// usdPerGbSecond, usdPerMillionRequests}, each optional (undefined and
// null are absent). The architecture gives the defaults; a number given
// overrides its default.
func readPricing(value sobek.Value) (pricing, error) {
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return defaultPricing(), nil
	}
	obj, ok := value.(*sobek.Object)
	if !ok || isArray(value) {
		return pricing{}, fmt.Errorf("pricing must be an object such as { architecture: 'arm64' }, got %s", describe(value))
	}
	architecture, err := optionalString(obj, "architecture")
	if err != nil {
		return pricing{}, fmt.Errorf("pricing.architecture must be 'x86_64' or 'arm64', got %s", describe(obj.Get("architecture")))
	}
	p := defaultPricing()
	if architecture != nil {
		if p, ok = architecturePrices[*architecture]; !ok {
			return pricing{}, &invalidOptionError{fmt.Sprintf(
				"invalid pricing.architecture; reason: expected `x86_64` or `arm64`, got `%s`", *architecture)}
		}
	}
	for _, key := range obj.Keys() {
		var dst *float64
		switch key {
		case "architecture":
			continue
		case "usdPerGbSecond":
			dst = &p.usdPerGbSecond
		case "usdPerMillionRequests":
			dst = &p.usdPerMillionRequests
		default:
			return pricing{}, fmt.Errorf("unknown pricing option %q; known: architecture, usdPerGbSecond, usdPerMillionRequests", key)
		}
		value := obj.Get(key)
		if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
			continue // absent, as architecture is: the default stays
		}
		if *dst, err = price(key, value); err != nil {
			return pricing{}, err
		}
	}
	return p, nil
}

// price reads a price: a finite number, not negative.
func price(key string, value sobek.Value) (float64, error) {
	var n float64
	switch v := value.Export().(type) {
	case int64:
		n = float64(v)
	case float64:
		n = v
	default:
		return 0, fmt.Errorf("pricing.%s must be a number (USD), got %s", key, describe(value))
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0, &invalidOptionError{fmt.Sprintf(
			"invalid pricing.%s; reason: expected a finite number of USD, 0 or more, got %s", key, value.String())}
	}
	return n, nil
}

func isArray(value sobek.Value) bool {
	_, ok := value.Export().([]any)
	return ok
}
