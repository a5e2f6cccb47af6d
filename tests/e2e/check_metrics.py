#!/usr/bin/env python3
"""Checks k6's JSON output of metrics.js against the test server's counts.

Usage: check_metrics.py SAMPLES.json STATS.json SUMMARY.txt
Exits 1 with the list of failed checks; prints "N passed, 0 failed" else.
"""

import json
import re
import sys
from collections import Counter

from k6_points import points

# Headers of one signed request: request line, Host, X-Amz-Date,
# Authorization, Content-Length, Content-Type, User-Agent, Qualifier and
# log-type headers. A stated bound, not a guess at the exact bytes.
MIN_OVERHEAD, MAX_OVERHEAD = 300, 1500


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

    invocations = by_metric.get("lambda_invocations", [])
    served = stats["invocations"]
    check("one lambda_invocations sample per invocation the server counted",
          len(invocations) == served and served == 60,
          f"{len(invocations)} samples, server counted {served}")
    durations = by_metric.get("lambda_invocation_duration", [])
    check("one duration sample per invocation", len(durations) == served, f"{len(durations)}")

    cold = by_metric.get("lambda_cold_starts", [])
    cold_count = sum(1 for d in cold if d["value"] == 1)
    check("lambda_cold_starts counts the cold starts the server produced",
          len(cold) == served and cold_count == stats["coldStarts"] and cold_count > 0,
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

    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
