#!/usr/bin/env python3
"""Checks k6's JSON output of metrics.js against the test server's counts.

Usage: check_metrics.py SAMPLES.json STATS.json SUMMARY.txt
Exits 1 with the list of failed checks; prints "N passed, 0 failed" else.
"""

import json
import math
import re
import sys

from k6_points import points

# Headers of one signed request: request line, Host, X-Amz-Date,
# Authorization, Content-Length, Content-Type, User-Agent, Qualifier and
# log-type headers. A stated bound, not a guess at the exact bytes.
MIN_OVERHEAD, MAX_OVERHEAD = 300, 1500

# The metrics scenario's invocations (metrics.js: ITERATIONS).
METRICS_ITERATIONS = 60

# Prices, USD per GB-second and per million requests: the defaults of
# us-east-1 (x86_64, arm64) and metrics.js's custom pricing.
X86 = (0.0000166667, 0.20)
ARM = (0.0000133334, 0.20)
CUSTOM = (0.0001, 2)

# The cost scenario's cases (metrics.js, tag cost_case): the prices of the
# client each used, or None when it has no REPORT and so no cost sample.
COST_CASES = {
    "text-x86": X86, "json-x86": X86,
    "text-arm": ARM, "json-arm": ARM,
    "text-custom": CUSTOM, "json-custom": CUSTOM,
    "function-error": X86,
    "no-tail": None, "event": None, "dry-run": None, "not-found": None,
}

# The test server's REPORT: Memory Size 128 MB, which AWS bills as
# 128/1024 GB.
MEMORY_GB = 128 / 1024


def expected_cost(billed_ms, prices):
    """What an invocation billed billed_ms at MEMORY_GB costs."""
    per_gb_second, per_million = prices
    return billed_ms / 1000 * MEMORY_GB * per_gb_second + per_million / 1e6


def main():
    samples_path, stats_path, summary_path = sys.argv[1:4]
    stats = json.load(open(stats_path))
    summary = open(summary_path).read()
    by_metric = {}
    for metric, data in points(samples_path):
        by_metric.setdefault(metric, []).append(data)

    results = []

    def check(name, ok, detail=""):
        results.append((name, ok, detail))

    def of_scenario(metric, scenario):
        return [d for d in by_metric.get(metric, []) if d["tags"].get("scenario") == scenario]

    all_invocations = by_metric.get("lambda_invocations", [])
    invocations = of_scenario("lambda_invocations", "metrics")
    served = stats["invocations"]
    check("one lambda_invocations sample per invocation the server counted",
          len(all_invocations) == served and served == METRICS_ITERATIONS + len(COST_CASES)
          and len(invocations) == METRICS_ITERATIONS,
          f"{len(all_invocations)} samples ({len(invocations)} of the metrics scenario), server counted {served}")
    durations = by_metric.get("lambda_invocation_duration", [])
    check("one duration sample per invocation", len(durations) == served, f"{len(durations)}")

    cold = by_metric.get("lambda_cold_starts", [])
    cold_count = sum(1 for d in cold if d["value"] == 1)
    reports = len(by_metric.get("lambda_duration", []))
    check("lambda_cold_starts counts the cold starts the server produced",
          len(cold) == reports and len(of_scenario("lambda_cold_starts", "metrics")) == METRICS_ITERATIONS
          and cold_count == stats["coldStarts"] and cold_count > 0,
          f"{cold_count} cold of {len(cold)}, server: {stats['coldStarts']}")
    init = by_metric.get("lambda_init_duration", [])
    check("one lambda_init_duration per cold start", len(init) == cold_count, f"{len(init)}")
    memory = by_metric.get("lambda_max_memory_used", [])
    check("lambda_max_memory_used in bytes",
          memory and all(d["value"] >= 1024 * 1024 for d in memory),
          f"first {memory[:1]}")

    tags = invocations[0]["tags"] if invocations else {}
    expected = {
        "function": "cold-start", "qualifier": "live", "invocation_type": "RequestResponse",
        "status": "200", "executed_version": "7", "flow": "metrics-e2e",
        "scenario": "metrics", "suite": "metrics",
    }
    wrong = {k: (tags.get(k), v) for k, v in expected.items() if tags.get(k) != v}
    check("tags on the samples", not wrong, f"got vs want: {wrong}")
    check("no error_code on successes", all("error_code" not in d["tags"] for d in invocations))

    # lambda_cost_usd: in the metrics scenario, one per invocation (each has
    # a REPORT), adding up to what their billed durations cost at x86_64's
    # prices.
    costs = of_scenario("lambda_cost_usd", "metrics")
    billed = of_scenario("lambda_billed_duration", "metrics")
    want_total = sum(expected_cost(d["value"], X86) for d in billed)
    got_total = sum(d["value"] for d in costs)
    check("one lambda_cost_usd per invocation of the metrics scenario, what their billed durations cost",
          len(costs) == len(billed) == METRICS_ITERATIONS and math.isclose(got_total, want_total, rel_tol=1e-9),
          f"{len(costs)} samples, {got_total!r} USD, want {want_total!r}")

    # The cost scenario: each case once; its cost, from the billed duration
    # of the same invocation and its client's prices, or none.
    def by_case(metric):
        found = {}
        for d in of_scenario(metric, "cost"):
            found.setdefault(d["tags"].get("cost_case"), []).append(d)
        return found

    case_costs = by_case("lambda_cost_usd")
    case_billed = by_case("lambda_billed_duration")
    case_invocations = by_case("lambda_invocations")
    for case, prices in COST_CASES.items():
        got = case_costs.get(case, [])
        if prices is None:
            check(f"cost case {case}: no REPORT, no lambda_cost_usd sample",
                  not got and len(case_invocations.get(case, [])) == 1, f"{got}")
            continue
        billed_ms = [d["value"] for d in case_billed.get(case, [])]
        ok = len(got) == 1 and len(billed_ms) == 1 and billed_ms[0] >= 1
        want = expected_cost(billed_ms[0], prices) if ok else None
        check(f"cost case {case}: billed ms x 128/1024 GB x {prices[0]} USD/GB-s + {prices[1]} USD/1M requests",
              ok and math.isclose(got[0]["value"], want, rel_tol=1e-9)
              and got[0]["tags"] == case_invocations[case][0]["tags"],
              f"got {[d['value'] for d in got]}, billed {billed_ms} ms, want {want!r}")

    sent = sum(d["value"] for d in by_metric.get("data_sent", []))
    body = stats["bytesReceived"]
    overhead = (sent - body) / served if served else 0
    check(f"data_sent = payload bytes + {MIN_OVERHEAD}..{MAX_OVERHEAD} bytes of headers per request",
          sent > body and MIN_OVERHEAD <= overhead <= MAX_OVERHEAD,
          f"sent {sent}, bodies {body}, {overhead:.0f} bytes of headers per request")
    received = sum(d["value"] for d in by_metric.get("data_received", []))
    check("data_received counted", received > served * 100, f"{received}")

    def summary_line(metric):
        match = re.search(rf"^\s*{metric}\.*: (.*)$", summary, re.M)
        return match.group(1) if match else ""

    check("summary shows lambda_invocation_duration in ms or µs",
          re.search(r"avg=[\d.]+(ms|µs|s)", summary_line("lambda_invocation_duration")) is not None,
          summary_line("lambda_invocation_duration"))
    check("summary shows lambda_max_memory_used in bytes units",
          re.search(r"avg=[\d.]+ ?(MB|kB|B)", summary_line("lambda_max_memory_used")) is not None,
          summary_line("lambda_max_memory_used"))
    check("summary shows lambda_duration as time",
          re.search(r"avg=[\d.]+(ms|µs|ns|s)", summary_line("lambda_duration")) is not None,
          summary_line("lambda_duration"))
    # What the test cost: the sum of the samples, to 6 decimal places (k6
    # shows a Counter's value so).
    total = sum(d["value"] for d in by_metric.get("lambda_cost_usd", []))
    shown = re.match(r"([\d.]+) ", summary_line("lambda_cost_usd"))
    check("summary shows what the test cost (lambda_cost_usd, USD)",
          shown is not None and total > 0 and abs(float(shown.group(1)) - total) <= 0.5e-6 + 1e-12,
          f"{summary_line('lambda_cost_usd')!r}, samples add up to {total!r}")

    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
