#!/usr/bin/env python3
"""Checks k6's JSON output of metrics.js against the test server's counts.

Usage: check_metrics.py SAMPLES.json STATS.json SUMMARY.txt ENDPOINT
Exits 1 with the list of failed checks; prints "N passed, 0 failed" else.
ENDPOINT is the test server's URL (metrics.js's LAMBDA_ENDPOINT), which
the url tags of the function URL calls begin with.
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

# The values of the operation tag.
INVOKE, STREAM, URL = "Invoke", "InvokeWithResponseStream", "FunctionUrl"

# The streaming scenario's cases (metrics.js, tag stream_case): the
# operation; the tags its samples carry (None: must be absent); how many
# chunks it must count (lambda_stream_chunks, one first-chunk sample when
# above 0 and one gap sample per chunk after the first; None: not
# checked); the scripted delays of its stream, which the first-chunk and
# gap samples cannot be below; whether it failed; and, for function URLs,
# the URL after ENDPOINT.
STREAM_CASES = {
    "stream-chunks": dict(op=STREAM, chunks=4, first_ms=100, gap_ms=50, failed=False, tags={
        "function": "stream-chunks", "qualifier": "live", "invocation_type": "RequestResponse",
        "status": "200", "executed_version": "7", "error_code": None}),
    "stream-dry-run": dict(op=STREAM, chunks=0, failed=False, tags={
        "function": "stream-chunks", "qualifier": "$LATEST", "invocation_type": "DryRun", "status": "204",
        "error_code": None}),
    "stream-error": dict(op=STREAM, chunks=2, gap_ms=50, failed=True, function_error=True, tags={
        "function": "stream-error", "invocation_type": "RequestResponse", "status": "200", "error_code": "Error"}),
    # Broken after 2 chunks (no InvokeComplete): a network error. Whether
    # its 2 chunks are counted is not checked (the contract does not say).
    "stream-broken": dict(op=STREAM, chunks=None, failed=True, tags={
        "function": "stream-no-complete", "error_code": "1000"}),
    "url-stream": dict(op=URL, url="/lambda-url/url-stream?chunks=3&firstMs=100&gapMs=50", chunks=3, first_ms=100,
                       gap_ms=50, failed=False, tags={"method": "GET", "status": "200", "error_code": None}),
    "url-put": dict(op=URL, url="/lambda-url/url-echo/item", chunks=None, failed=False,
                    tags={"method": "PUT", "status": "200", "error_code": None}),
    "url-404": dict(op=URL, url="/lambda-url/url-status?status=404", chunks=None, failed=True,
                    tags={"method": "GET", "status": "404", "error_code": None}),
    "url-503": dict(op=URL, url="/lambda-url/url-status?status=503", chunks=None, failed=True,
                    tags={"method": "POST", "status": "503", "error_code": None}),
    "url-refused": dict(op=URL, url=None, chunks=0, failed=True,
                        tags={"method": "GET", "status": "0", "error_code": "1212"}),
    # The call's tags come last: its url tag replaces the URL.
    "url-grouped": dict(op=URL, url="/lambda-url/url-echo/items/42", url_tag="/items/{id}", chunks=None, failed=False,
                        tags={"method": "GET", "status": "200", "error_code": None}),
}
# Executions the server counts as cold starts whose REPORT never reaches
# the client: stream-broken is its function's first (cold) call and ends
# without an InvokeComplete, so without a log.
COLD_WITHOUT_REPORT = 1


def expected_cost(billed_ms, prices):
    """What an invocation billed billed_ms at MEMORY_GB costs."""
    per_gb_second, per_million = prices
    return billed_ms / 1000 * MEMORY_GB * per_gb_second + per_million / 1e6


def main():
    samples_path, stats_path, summary_path, endpoint = sys.argv[1:5]
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

    def of_operation(metric, operation):
        return [d for d in by_metric.get(metric, []) if d["tags"].get("operation") == operation]

    all_invocations = by_metric.get("lambda_invocations", [])
    invocations = of_scenario("lambda_invocations", "metrics")
    served = stats["invocations"]  # Invoke and InvokeWithResponseStream requests
    streamed = stats["streamInvocations"]
    url_requests = stats["urlRequests"]
    calls = len(all_invocations)
    check("one lambda_invocations sample (operation Invoke) per Invoke the server counted",
          len(of_operation("lambda_invocations", INVOKE)) == served - streamed == METRICS_ITERATIONS + len(COST_CASES)
          and len(invocations) == METRICS_ITERATIONS,
          f"{len(of_operation('lambda_invocations', INVOKE))} samples ({len(invocations)} of the metrics scenario), "
          f"server counted {served - streamed}")
    stream_cases = [c for c in STREAM_CASES.values() if c["op"] == STREAM]
    check("one lambda_invocations sample (operation InvokeWithResponseStream) per stream the server counted",
          len(of_operation("lambda_invocations", STREAM)) == streamed == len(stream_cases),
          f"{len(of_operation('lambda_invocations', STREAM))} samples, server counted {streamed}")
    url_cases = [c for c in STREAM_CASES.values() if c["op"] == URL]
    check("one lambda_invocations sample (operation FunctionUrl) per function URL call, the refused one included",
          len(of_operation("lambda_invocations", URL)) == url_requests + 1 == len(url_cases),
          f"{len(of_operation('lambda_invocations', URL))} samples, server counted {url_requests} (+1 refused)")
    check("every lambda_invocations sample has one of the three operations", sum(
        len(of_operation("lambda_invocations", op)) for op in (INVOKE, STREAM, URL)) == calls, f"{calls}")
    durations = by_metric.get("lambda_invocation_duration", [])
    check("one duration sample per call", len(durations) == calls, f"{len(durations)} of {calls}")

    cold = by_metric.get("lambda_cold_starts", [])
    cold_count = sum(1 for d in cold if d["value"] == 1)
    reports = len(by_metric.get("lambda_duration", []))
    check("lambda_cold_starts counts the cold starts the server produced",
          len(cold) == reports and len(of_scenario("lambda_cold_starts", "metrics")) == METRICS_ITERATIONS
          and cold_count == stats["coldStarts"] - COLD_WITHOUT_REPORT and cold_count > 0,
          f"{cold_count} cold of {len(cold)}, server: {stats['coldStarts']} (of which {COLD_WITHOUT_REPORT} without a REPORT)")
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
        "scenario": "metrics", "suite": "metrics", "operation": INVOKE,
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

    # Invoke and InvokeWithResponseStream requests (the server counts
    # their bodies), not function URLs nor setup()'s http.post.
    sent = sum(d["value"] for d in by_metric.get("data_sent", []) if d["tags"].get("operation") in (INVOKE, STREAM))
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

    # lambda_cost_microusd: the same cost in millionths of a USD, sample for
    # sample (same tags, same time), for the web dashboard's charts.
    usd = sorted((d["time"], sorted(d["tags"].items()), d["value"] * 1e6) for d in by_metric.get("lambda_cost_usd", []))
    micro = sorted((d["time"], sorted(d["tags"].items()), d["value"]) for d in by_metric.get("lambda_cost_microusd", []))
    check("one lambda_cost_microusd per lambda_cost_usd, the same cost in µUSD",
          len(usd) == len(micro) > 0 and all(u[:2] == m[:2] and math.isclose(u[2], m[2], rel_tol=1e-9)
                                             for u, m in zip(usd, micro)),
          f"{len(usd)} lambda_cost_usd, {len(micro)} lambda_cost_microusd samples")

    check_operations(check, by_metric)
    check_streaming(check, by_metric, endpoint)
    for metric in ("lambda_stream_first_chunk", "lambda_stream_chunk_gap"):
        check(f"summary shows {metric} as time",
              re.search(r"avg=[\d.]+(ms|µs|s)", summary_line(metric)) is not None, summary_line(metric))
    total_chunks = sum(d["value"] for d in by_metric.get("lambda_stream_chunks", []))
    shown_chunks = re.match(r"(\d+) ", summary_line("lambda_stream_chunks"))
    check("summary shows lambda_stream_chunks as a count",
          shown_chunks is not None and int(shown_chunks.group(1)) == total_chunks > 0,
          f"{summary_line('lambda_stream_chunks')!r}, samples add up to {total_chunks}")

    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def check_operations(check, by_metric):
    """The operation tag on every lambda_* sample and on the data_sent and
    data_received samples of the extension's calls (those with a status
    tag: k6's own, one per iteration, have none): Invoke in the metrics
    and cost scenarios; in the streaming one, each case's operation."""
    wrong = []
    seen = set()
    for metric, samples in sorted(by_metric.items()):
        for d in samples:
            tags = d["tags"]
            scenario = tags.get("scenario")
            ours = metric.startswith("lambda_") or (metric in ("data_sent", "data_received") and "status" in tags)
            if not ours:
                continue
            if scenario == "streaming":
                case = STREAM_CASES.get(tags.get("stream_case"))
                want = case["op"] if case else "(a sample with no stream_case)"
            else:
                want = INVOKE
            seen.add((metric, tags.get("operation")))
            if tags.get("operation") != want:
                wrong.append(f"{metric} {tags.get('operation')!r} (want {want!r}, {scenario}, {tags.get('stream_case')})")
    check("the operation tag on every lambda_* sample, and data_sent/data_received, of each operation",
          not wrong and {op for _, op in seen} == {INVOKE, STREAM, URL}, f"{len(wrong)} wrong: {wrong[:5]}")


def check_streaming(check, by_metric, endpoint):
    """The streaming scenario's samples, case by case."""

    def of_case(metric, label):
        return [d for d in by_metric.get(metric, [])
                if d["tags"].get("scenario") == "streaming" and d["tags"].get("stream_case") == label]

    for label, case in STREAM_CASES.items():
        calls = of_case("lambda_invocations", label)
        if len(calls) != 1:
            check(f"stream case {label}: one lambda_invocations sample", False, f"{len(calls)}")
            continue
        tags = calls[0]["tags"]
        want = dict(case["tags"], operation=case["op"], suite="metrics")
        if case["op"] == URL:
            # The URL as given: the refused one is on CLOSED_PORT (port 1
            # unless set).
            refused = re.fullmatch(r"http://127\.0\.0\.1:\d+/refused", tags.get("url", ""))
            want["url"] = case.get("url_tag") or (
                endpoint + case["url"] if case["url"] else (tags["url"] if refused else "http://127.0.0.1:PORT/refused"))
            # A function URL has no function, qualifier or invocation type.
            want.update(function=None, qualifier=None, invocation_type=None)
        wrong = {k: (tags.get(k), v) for k, v in want.items() if tags.get(k) != v}
        check(f"stream case {label}: its tags", not wrong, f"got vs want: {wrong}")

        failed = of_case("lambda_invocation_failed", label)
        check(f"stream case {label}: lambda_invocation_failed {int(case['failed'])}",
              [d["value"] for d in failed] == [1 if case["failed"] else 0], f"{[d['value'] for d in failed]}")
        function_errors = sum(d["value"] for d in of_case("lambda_function_errors", label))
        check(f"stream case {label}: lambda_function_errors {int(case.get('function_error', False))}",
              function_errors == (1 if case.get("function_error") else 0), f"{function_errors}")
        duration = of_case("lambda_invocation_duration", label)
        check(f"stream case {label}: one lambda_invocation_duration", len(duration) == 1, f"{len(duration)}")

        chunks = case["chunks"]
        first = of_case("lambda_stream_first_chunk", label)
        gaps = of_case("lambda_stream_chunk_gap", label)
        counted = sum(d["value"] for d in of_case("lambda_stream_chunks", label))
        if chunks is None:
            print(f"info: stream case {label}: {counted:g} chunks counted, {len(first)} first-chunk and "
                  f"{len(gaps)} gap samples (not checked)")
            continue
        check(f"stream case {label}: lambda_stream_chunks counts {chunks}", counted == chunks, f"{counted}")
        check(f"stream case {label}: {min(chunks, 1)} lambda_stream_first_chunk sample(s)",
              len(first) == min(chunks, 1), f"{[d['value'] for d in first]}")
        check(f"stream case {label}: {max(chunks - 1, 0)} lambda_stream_chunk_gap samples, one per chunk after the first",
              len(gaps) == max(chunks - 1, 0), f"{[d['value'] for d in gaps]}")
        if first and "first_ms" in case:
            check(f"stream case {label}: first chunk not before its scripted {case['first_ms']} ms, "
                  "nor after the end of the call",
                  case["first_ms"] <= first[0]["value"] <= duration[0]["value"] + 1,
                  f"{first[0]['value']:.1f} ms, call {duration[0]['value']:.1f} ms")
        if gaps and "gap_ms" in case:
            # The server pauses gap_ms between chunks; a chunk read late on
            # busy cores shortens the next gap, hence the room below.
            check(f"stream case {label}: gaps about its scripted {case['gap_ms']} ms",
                  all(case["gap_ms"] * 0.5 <= d["value"] < case["gap_ms"] * 20 for d in gaps),
                  f"{[round(d['value'], 1) for d in gaps]}")
        for metric, samples in (("lambda_stream_first_chunk", first), ("lambda_stream_chunk_gap", gaps),
                                ("lambda_stream_chunks", of_case("lambda_stream_chunks", label))):
            if samples:
                check(f"stream case {label}: {metric} has the call's tags",
                      all(d["tags"] == tags for d in samples), f"{samples[0]['tags']} vs {tags}")

    stream_cost = of_case("lambda_cost_usd", "stream-chunks")
    check("a streamed call with a Tail log has its cost (lambda_cost_usd), from the InvokeComplete's REPORT",
          len(stream_cost) == 1 and stream_cost[0]["value"] > 0, f"{stream_cost}")
    url_cost = [d for d in by_metric.get("lambda_cost_usd", []) if d["tags"].get("operation") == URL]
    check("function URL calls have no lambda_cost_usd (no REPORT)", not url_cost, f"{url_cost[:2]}")


if __name__ == "__main__":
    main()
