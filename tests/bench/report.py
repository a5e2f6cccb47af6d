#!/usr/bin/env python3
"""Reads the measurements of scripts/bench.sh and prints its tables.

    report.py run TOOL SUMMARY TIME THREADS    one line about one k6 run
    report.py run C WRK_OUTPUT                 one line about one wrk run
    report.py table RUNS_TSV [--rates RATES_TSV] [--streams STREAMS_TSV
              --stream-delay-ms MS] [--results FILE]
              --command CMD --k6-version V [--jslib SPEC] [--quick]

The tools: A k6/x/lambda's invoke, B k6/http's http.post, C wrk, D k6/http's
http.asyncRequest, E k6-jslib-aws's LambdaClient.invoke (TOOLS below); in
the streaming case, S k6/x/lambda's invokeWithResponseStream and H
k6/http's http.post of the same request (STREAM_TOOLS).

RUNS_TSV has one line per run at a VU level: VUs, round, tool, and the
files of that run (tab-separated): for a k6 tool the k6 --summary-export
JSON, the /usr/bin/time -v output and the peak thread count; for C wrk's
output. RATES_TSV has the same lines for the runs at a fixed arrival rate,
with the rate (iterations/s) in place of the VUs (the order of the
lines does not matter: scripts/bench.sh rotates the tools' order
from round to round). STREAMS_TSV has the
lines of the streaming case's runs (S and H, as a k6 tool's), and MS is
the server's first-chunk delay, which the table subtracts.

`table` prints the measurement tables, the targets with PASS/FAIL (a
missed target is reported, not an error) and, with --rates, the fixed-rate
table (CPU and voluntary context switches per iteration, dropped
iterations, at each rate), its targets, and what each rate costs each tool
(markdown). With --results it writes them to FILE as
its "Latest run" section, keeping everything from a line "## Findings"
onward. It exits 1, and leaves FILE alone, if a run had errors (failed
checks, failed requests, iterations that ended before their check, wrk
socket errors or non-2xx). --quick marks the output as scripts/bench.sh
--quick's: a check that every column runs, whose timings mean little.
"""

import argparse
import csv
import json
import os
import re
import statistics
import sys
import time

TOOLS = {
    "A": "k6 + k6/x/lambda, `await client.invoke(...)` (tests/bench/invoke.js)",
    "B": "k6 + k6/http, `http.post(...)`, blocking the VU (tests/bench/http.js)",
    "C": "wrk, the same request (connections = VUs, at most 2 threads): the endpoint's ceiling",
    "D": "k6 + k6/http, `await http.asyncRequest('POST', ...)` (tests/bench/http_async.js): "
         "the async path k6-jslib-aws takes, the closest peer of an awaited invoke",
    "E": "k6 + k6-jslib-aws, `await new LambdaClient(...).invoke(...)` (tests/bench/jslib_aws.js, "
         "the module from {jslib}): SigV4 in JavaScript, then http.asyncRequest",
}
# The streaming case: the time to the first chunk, S's own metric against
# H's time to the first byte, both including the server's delay.
STREAM_TOOLS = {
    "S": "k6 + k6/x/lambda, `await client.invokeWithResponseStream(...)` (tests/bench/stream.js): "
         "`lambda_stream_first_chunk`, from the call's start to the first chunk",
    "H": "k6 + k6/http, `http.post(...)` of the same request, unsigned (tests/bench/stream_http.js): "
         "`http_req_waiting`, its time to the first byte",
}
FIRST_CHUNK_METRIC = {"S": "lambda_stream_first_chunk", "H": "http_req_waiting"}
K6_TOOLS = ("A", "B", "D", "E")
# A is compared with each of these, within each round.
PEERS = ("B", "D", "E")
# The tools of the fixed-rate runs.
RATE_TOOLS = ("A", "B", "D")
# The fixed-rate target (issue 24): an awaited invoke costs at most k6's
# own awaited request, http.asyncRequest (D), per iteration, at each of
# these rates (iterations/s) that was run.
MAX_RATE_CPU_RATIO = 1.0  # A/D CPU seconds per iteration
TARGET_RATES = (500, 2000, 6000)

# The targets (issue 12), judged at the VU levels that were run. Ratios
# against D and E are informative, not targets.
MIN_THROUGHPUT_RATIO = 1.0  # A/B iterations per second
MAX_CPU_RATIO = 1.0  # A/B CPU seconds per iteration
RATIO_VUS = (10, 100, 1000)  # the levels of the two above
MAX_P50_DIFF_US = 50.0  # p50 A - B in microseconds
P50_VUS = (10, 100)
MAX_RSS_RATIO = 1.2  # A/B peak RSS
MAX_THREADS = 64  # peak OS threads of k6 running A: fewer than this
RSS_THREADS_VUS = 1000

NAN = float("nan")


# --- reading one run -------------------------------------------------------


def read_k6(summary_path, time_path, threads):
    """One k6 run: throughput, latency, CPU, memory, threads and errors."""
    with open(summary_path) as f:
        metrics = json.load(f)["metrics"]
    iterations = metrics.get("iterations", {"count": 0, "rate": 0.0})
    duration = metrics["iteration_duration"]
    checks = metrics.get("checks", {"passes": 0, "fails": 0})
    cpu, rss_kib, switches = read_time(time_path)
    errors = []
    count = iterations["count"]
    if count == 0:
        errors.append("no iteration completed")
    if checks["fails"]:
        errors.append(f"{checks['fails']} failed checks")
    if checks["passes"] + checks["fails"] < iterations["count"]:
        errors.append(f"{iterations['count'] - checks['passes'] - checks['fails']} iterations ended before their check")
    for name in ("http_req_failed", "lambda_invocation_failed"):
        if metrics.get(name, {}).get("value", 0) > 0:
            errors.append(f"{name} = {metrics[name]['value']:.4%}")
    return {
        "rate": iterations["rate"],
        "count": iterations["count"],
        "dropped": metrics.get("dropped_iterations", {}).get("count", 0),
        "p50_ms": duration["med"],
        "p95_ms": duration["p(95)"],
        "cpu_s": cpu,
        "cpu_us_per_it": cpu / count * 1e6 if count else NAN,
        # voluntary: the process's threads blocked (a wait, a futex, a
        # poll) and were woken again; involuntary: preempted.
        "vcs_per_it": switches[0] / count if count else NAN,
        "ivcs_per_it": switches[1] / count if count else NAN,
        "rss_mib": rss_kib / 1024,
        "threads": int(threads),
        "errors": errors,
    }


def read_time(path):
    """(user + system CPU seconds, maximum RSS in KiB, (voluntary,
    involuntary) context switches) from /usr/bin/time -v: the rusage of the
    k6 process, all its threads."""
    values = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            values[key] = value
    cpu = float(values["User time (seconds)"]) + float(values["System time (seconds)"])
    switches = (int(values["Voluntary context switches"]), int(values["Involuntary context switches"]))
    return cpu, int(values["Maximum resident set size (kbytes)"]), switches


def read_wrk(path):
    """One wrk run: requests per second and errors."""
    with open(path) as f:
        text = f.read()
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    errors = []
    if not rate:
        errors.append("no Requests/sec line in wrk's output")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sockets and any(int(n) for n in sockets.groups()):
        errors.append(sockets.group(0))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors.append(non2xx.group(0))
    return {"rate": float(rate.group(1)) if rate else NAN, "errors": errors}


def read_stream(tool, summary_path, time_path, threads):
    """One run of the streaming case: read_k6's figures, and the median
    and p95 of the tool's time to the first chunk (ms)."""
    r = read_k6(summary_path, time_path, threads)
    with open(summary_path) as f:
        metric = json.load(f)["metrics"].get(FIRST_CHUNK_METRIC[tool])
    if not metric or "med" not in metric:
        r["errors"].append(f"no {FIRST_CHUNK_METRIC[tool]} samples")
        metric = {"med": NAN, "p(95)": NAN}
    r["first_p50_ms"] = metric["med"]
    r["first_p95_ms"] = metric["p(95)"]
    return r


def read_run(tool, files):
    if tool == "C":
        return read_wrk(files[0])
    if tool in STREAM_TOOLS:
        return read_stream(tool, *files)
    return read_k6(*files)


def run_line(tool, files):
    """A one-line account of one run, printed as the benchmark goes."""
    r = read_run(tool, files)
    if tool == "C":
        text = f"{r['rate']:,.0f} req/s"
    elif tool in STREAM_TOOLS:
        text = (
            f"{r['rate']:,.0f} it/s, {FIRST_CHUNK_METRIC[tool]} p50 {r['first_p50_ms']:,.3f} ms, "
            f"p95 {r['first_p95_ms']:,.3f} ms, {r['cpu_us_per_it']:,.1f} CPU-µs/it"
        )
    else:
        text = (
            f"{r['rate']:,.0f} it/s, p50 {r['p50_ms'] * 1000:,.0f} µs, p95 {r['p95_ms'] * 1000:,.0f} µs, "
            f"{r['cpu_us_per_it']:,.1f} CPU-µs/it, {r['vcs_per_it']:,.2f} vol. cs/it, "
            f"{r['rss_mib']:,.0f} MiB, {r['threads']} threads"
        )
        if r["dropped"]:
            text += f", {r['dropped']:,} dropped"
    if r["errors"]:
        text += "; ERRORS: " + "; ".join(r["errors"])
    return text


# --- aggregating over rounds -----------------------------------------------


def load_runs(tsv_path):
    """{level: {round: {tool: measurement}}} from a runs file; the level is
    the VUs, or the rate of a fixed-rate run."""
    runs = {}
    with open(tsv_path) as f:
        for row in csv.reader(f, delimiter="\t"):
            level, rnd, tool, *files = row
            runs.setdefault(int(level), {}).setdefault(int(rnd), {})[tool] = read_run(tool, files)
    return runs


def median_of(rounds, fn):
    """The median over rounds of fn(round's measurements), leaving out the
    rounds without the tools fn reads; nan if none."""
    values = []
    for r in rounds.values():
        try:
            values.append(fn(r))
        except KeyError:
            continue
    values = [v for v in values if v == v]
    return statistics.median(values) if values else NAN


def aggregate(rounds):
    """One level: {tool: medians over rounds} for the tools that ran, and
    {"A/" + peer: ratios} for each peer of A that ran. Ratios and p50
    differences are taken within each round (the tools ran one after
    another), then the median. Threads: the highest over rounds."""
    tools = set().union(*(r.keys() for r in rounds.values()))
    out = {"rounds": len(rounds)}
    for tool in sorted(tools):
        keys = ("rate",) if tool == "C" else \
            ("rate", "cpu_us_per_it", "vcs_per_it", "ivcs_per_it", "rss_mib", "p50_ms", "p95_ms", "dropped")
        out[tool] = {key: median_of(rounds, lambda r: r[tool][key]) for key in keys}
        if tool != "C":
            out[tool]["threads"] = max(r[tool]["threads"] for r in rounds.values() if tool in r)
    if "A" not in tools:
        return out
    for peer in sorted(tools - {"A"}):
        keys = ("rate",) if peer == "C" else ("rate", "cpu_us_per_it", "rss_mib")
        ratios = {key: median_of(rounds, lambda r: r["A"][key] / r[peer][key]) for key in keys}
        if peer != "C":
            ratios["p50_diff_us"] = median_of(rounds, lambda r: (r["A"]["p50_ms"] - r[peer]["p50_ms"]) * 1000)
        out["A/" + peer] = ratios
    return out


def run_errors(runs, unit):
    return [
        f"{level:,}{unit}, round {rnd}, {tool}: {error}"
        for level, rounds in sorted(runs.items())
        for rnd, tools in sorted(rounds.items())
        for tool, r in sorted(tools.items())
        for error in r["errors"]
    ]


# --- tables ----------------------------------------------------------------


def markdown(header, rows, align=None):
    align = align or ["---:"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def num(value, fmt):
    return "n/a" if value != value else format(value, fmt)


SKIPPED = "skipped"


def cell(m, tool, key, fmt):
    """A tool's median of key at one level, or "skipped" if it did not run."""
    return num(m[tool][key], fmt) if tool in m else SKIPPED


def peer_cell(m, peer, key, fmt):
    """A/peer's ratio (or difference) at one level, "skipped" without peer."""
    return num(m["A/" + peer][key], fmt) if "A/" + peer in m else SKIPPED


def level_table(levels, columns):
    """A table with a row per VU level; columns: (header, fn(m) -> text)."""
    rows = [[f"{vus:,}"] + [fn(m) for _, fn in columns] for vus, m in sorted(levels.items())]
    return markdown(["VUs"] + [h for h, _ in columns], rows)


def throughput_table(levels):
    return level_table(levels, [
        *[(f"{t} it/s", lambda m, t=t: cell(m, t, "rate", ",.0f")) for t in K6_TOOLS],
        ("C req/s", lambda m: cell(m, "C", "rate", ",.0f")),
        *[(f"A/{p}", lambda m, p=p: peer_cell(m, p, "rate", ".2f")) for p in PEERS],
        ("A/C", lambda m: peer_cell(m, "C", "rate", ".3f")),
    ])  # fmt: skip


def cpu_table(levels):
    return level_table(levels, [
        *[(f"{t} CPU-µs/it", lambda m, t=t: cell(m, t, "cpu_us_per_it", ",.1f")) for t in K6_TOOLS],
        *[(f"A/{p}", lambda m, p=p: peer_cell(m, p, "cpu_us_per_it", ".2f")) for p in PEERS],
    ])  # fmt: skip


def memory_table(levels):
    return level_table(levels, [
        *[(f"{t} RSS MiB", lambda m, t=t: cell(m, t, "rss_mib", ",.0f")) for t in K6_TOOLS],
        *[(f"A/{p} RSS", lambda m, p=p: peer_cell(m, p, "rss_mib", ".2f")) for p in PEERS],
        *[(f"{t} threads", lambda m, t=t: cell(m, t, "threads", "d")) for t in K6_TOOLS],
    ])  # fmt: skip


def latency_table(levels):
    return level_table(levels, [
        *[(f"{t} p50 ms", lambda m, t=t: cell(m, t, "p50_ms", ",.3f")) for t in K6_TOOLS],
        *[(f"A−{p} p50 µs", lambda m, p=p: peer_cell(m, p, "p50_diff_us", "+,.0f")) for p in PEERS],
        *[(f"{t} p95 ms", lambda m, t=t: cell(m, t, "p95_ms", ",.3f")) for t in K6_TOOLS],
    ])  # fmt: skip


def rate_table(m):
    """What one fixed rate cost each tool: a row per tool."""
    header = ["tool", "it/s", "dropped", "CPU-µs/it", "A/tool CPU", "vol. cs/it", "invol. cs/it", "p50 ms",
              "A−tool p50 µs", "p95 ms", "RSS MiB", "threads"]  # fmt: skip
    rows = []
    for tool in RATE_TOOLS:
        if tool not in m:
            rows.append([tool] + [SKIPPED] * (len(header) - 1))
            continue
        r, ratios = m[tool], m.get("A/" + tool)
        rows.append([
            tool, num(r["rate"], ",.0f"), num(r["dropped"], ",.0f"), num(r["cpu_us_per_it"], ",.1f"),
            num(ratios["cpu_us_per_it"], ".2f") if ratios else "—",
            num(r["vcs_per_it"], ",.2f"), num(r["ivcs_per_it"], ",.2f"), num(r["p50_ms"], ",.3f"),
            num(ratios["p50_diff_us"], "+,.0f") if ratios else "—",
            num(r["p95_ms"], ",.3f"), num(r["rss_mib"], ",.0f"), str(r["threads"]),
        ])  # fmt: skip
    return markdown(header, rows, ["---"] + ["---:"] * (len(header) - 1))


def spread(rounds, tool, key, fmt):
    """A tool's median of key over the rounds, with the lowest and the
    highest in brackets when there were several rounds."""
    values = sorted(r[tool][key] for r in rounds.values() if tool in r)
    values = [v for v in values if v == v]
    if not values:
        return SKIPPED
    text = format(statistics.median(values), fmt)
    if len(values) > 1:
        text += f" ({format(values[0], fmt)}–{format(values[-1], fmt)})"
    return text


def fixed_rate_table(rate_levels, rate_runs):
    """The fixed-rate table: a row per rate, CPU-µs per iteration (median,
    range over the rounds) and voluntary context switches per iteration of
    A, B and D, A/D and A/B (within each round, then the median), and each
    tool's dropped iterations (the highest over the rounds)."""
    def dropped(rounds):
        return " / ".join(
            f"{max(r[t]['dropped'] for r in rounds.values() if t in r):,}" if any(t in r for r in rounds.values())
            else SKIPPED
            for t in RATE_TOOLS
        )

    rows = []
    for rate, m in sorted(rate_levels.items()):
        rounds = rate_runs[rate]
        rows.append([
            f"{rate:,}/s",
            *[spread(rounds, t, "cpu_us_per_it", ",.0f") for t in RATE_TOOLS],
            *[cell(m, t, "vcs_per_it", ",.2f") for t in RATE_TOOLS],
            peer_cell(m, "D", "cpu_us_per_it", ".2f"), peer_cell(m, "B", "cpu_us_per_it", ".2f"),
            dropped(rounds),
        ])  # fmt: skip
    header = ["rate", "A CPU-µs/it", "B CPU-µs/it", "D CPU-µs/it", "A vol. cs/it", "B vol. cs/it",
              "D vol. cs/it", "A/D CPU", "A/B CPU", "dropped A / B / D"]  # fmt: skip
    return markdown(header, rows, ["---"] + ["---:"] * (len(header) - 1))


def rate_targets(rate_levels):
    """(target, measured, PASS/FAIL/NOT RUN) rows of the fixed rates."""
    rows = []
    for rate in TARGET_RATES:
        text = f"CPU/iteration A/D ≤ {MAX_RATE_CPU_RATIO:.1f} at {rate:,}/s"
        m = rate_levels.get(rate)
        if m is None or "A/D" not in m:
            rows.append((text, "—", "NOT RUN"))
            continue
        value = m["A/D"]["cpu_us_per_it"]
        rows.append((text, num(value, ".3f"), verdict(value <= MAX_RATE_CPU_RATIO)))
    return rows


def aggregate_streams(rounds):
    """One VU level of the streaming case: {tool: medians over rounds} of
    the time to the first chunk and the rate, and "S-H": the p50
    difference taken within each round, then the median."""
    tools = set().union(*(r.keys() for r in rounds.values()))
    out = {}
    for tool in sorted(tools):
        out[tool] = {key: median_of(rounds, lambda r: r[tool][key]) for key in ("first_p50_ms", "first_p95_ms", "rate")}
    if {"S", "H"} <= tools:
        out["S-H"] = median_of(rounds, lambda r: r["S"]["first_p50_ms"] - r["H"]["first_p50_ms"])
    return out


def stream_table(levels, delay_ms):
    """The streaming case: a row per VU level."""
    def over(m, tool, key):
        return num(m[tool][key] - delay_ms, "+,.3f") if tool in m else SKIPPED

    rows = []
    for vus, m in sorted(levels.items()):
        rows.append([
            f"{vus:,}", f"{delay_ms:,}",
            cell(m, "S", "first_p50_ms", ",.3f"), cell(m, "S", "first_p95_ms", ",.3f"), over(m, "S", "first_p50_ms"),
            cell(m, "H", "first_p50_ms", ",.3f"), cell(m, "H", "first_p95_ms", ",.3f"), over(m, "H", "first_p50_ms"),
            num(m["S-H"], "+,.3f") if "S-H" in m else SKIPPED,
            cell(m, "S", "rate", ",.0f"), cell(m, "H", "rate", ",.0f"),
        ])  # fmt: skip
    header = ["VUs", "server delay ms", "S first chunk p50 ms", "S p95 ms", "S p50 − delay ms",
              "H waiting p50 ms", "H p95 ms", "H p50 − delay ms", "S−H p50 ms", "S it/s", "H it/s"]  # fmt: skip
    return markdown(header, rows)


STREAM_METHOD = """The streaming case: tests/lambdaserver (-no-auth), its `sleep` function on
the InvokeWithResponseStream route: it waits the delay, then sends the
answer's head and its one PayloadChunk back to back. At each VU level,
each round runs S then H (constant-vus). "− delay" is the client's
overhead over the server's own first-chunk delay; S−H is taken within
each round, then the median. S's figure is measured in the Rust core from
the call's start (SigV4 signing included) to the chunk; H's
http_req_waiting from the request sent to the first byte (connecting and
sending not included)."""


def verdict(ok):
    return "PASS" if ok else "FAIL"


def target_row(text, levels, vus, measure, fmt, ok, unit=""):
    """(target, measured, result) at one level; NOT RUN if it was not run.
    A NaN (a ratio that could not be taken) fails every comparison: FAIL."""
    m = levels.get(vus)
    if m is None or "A/B" not in m:
        return (text, "—", "NOT RUN")
    value = measure(m)
    return (text, num(value, fmt) + unit, verdict(ok(value)))


def targets(levels):
    """(target, measured, PASS/FAIL/NOT RUN) rows."""
    rows = []
    for vus in RATIO_VUS:
        rows.append(target_row(f"invocations/s A/B ≥ {MIN_THROUGHPUT_RATIO:.1f} at {vus:,} VUs", levels, vus,
                               lambda m: m["A/B"]["rate"], ".3f", lambda v: v >= MIN_THROUGHPUT_RATIO))
    for vus in RATIO_VUS:
        rows.append(target_row(f"CPU/invocation A/B ≤ {MAX_CPU_RATIO:.1f} at {vus:,} VUs", levels, vus,
                               lambda m: m["A/B"]["cpu_us_per_it"], ".3f", lambda v: v <= MAX_CPU_RATIO))
    for vus in P50_VUS:
        rows.append(target_row(f"p50 A−B ≤ +{MAX_P50_DIFF_US:.0f} µs at {vus:,} VUs", levels, vus,
                               lambda m: m["A/B"]["p50_diff_us"], "+,.0f", lambda v: v <= MAX_P50_DIFF_US, " µs"))
    rows.append(target_row(f"peak RSS A/B ≤ {MAX_RSS_RATIO} at {RSS_THREADS_VUS:,} VUs", levels, RSS_THREADS_VUS,
                           lambda m: m["A/B"]["rss_mib"], ".3f", lambda v: v <= MAX_RSS_RATIO))
    rows.append(target_row(f"peak OS threads of k6 running A < {MAX_THREADS} at {RSS_THREADS_VUS:,} VUs", levels,
                           RSS_THREADS_VUS, lambda m: m["A"]["threads"], "d", lambda v: v < MAX_THREADS))
    return rows


def target_table(levels):
    return markdown(["target", "measured", "result"], [list(r) for r in targets(levels)], ["---", "---:", ":---:"])


def tools_text(jslib):
    lines = [f"- {t}: {TOOLS[t].format(jslib=f'`{jslib}`' if jslib else '')}" for t in "ABCDE"]
    if not jslib:
        lines[-1] = "- E: k6-jslib-aws's `LambdaClient.invoke`: **skipped**, JSLIB_AWS_LAMBDA was not set " \
                    "(its lambda.js: a URL such as https://jslib.k6.io/aws/0.14.0/lambda.js, or a local copy)"
    return "\n".join(lines)


METHOD = """\
At each VU level, each round runs A, B, D, E and C one after another
(constant-vus, the same nginx endpoint answering 200 and `3`). Values are
medians over the rounds; ratios (A/x) and p50 differences (A−x) are taken
within each round, then the median. CPU-µs/it is the k6 process's user +
system CPU time (/usr/bin/time; init of the VUs included) over its
iterations; RSS is /usr/bin/time's maximum resident set size; threads are
the highest of the 0.2 s samples of /proc/PID/status over all rounds.
Latencies are k6's iteration_duration (one script iteration)."""

FIXED_RATE_METHOD = """\
The same request at fixed arrival rates (constant-arrival-rate, 200
pre-allocated VUs, at most 1,000), A, B and D one after another in each
round, the order rotated from round to round (A B D, B D A, D A B): what
a load test at a set rate pays. CPU-µs/it: the k6 process's user + system
CPU time (/usr/bin/time) over its iterations, median of the rounds (lowest
and highest in brackets); the init of the 200 VUs is included, a fixed
cost that weighs more at the lower rates. vol. cs/it: the process's
voluntary context switches (all threads, /usr/bin/time -v) over its
iterations, median of the rounds: how often a thread blocked and had to be
woken. A/D and A/B: within each round, then the median. dropped: iterations
k6 could not start for want of a free VU (dropped_iterations), the most of
any round."""

RATE_METHOD = """\
{rate:,} iterations/s, medians of the rounds; invol. cs/it: involuntary
context switches (preemptions) per iteration; A/tool and A−tool: within
each round, then the median."""


# --- RESULTS.md ------------------------------------------------------------


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def latest_run_section(levels, rate_levels, args):
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rounds = max([m["rounds"] for m in levels.values()] or [0])
    rate_rounds = max([m["rounds"] for m in rate_levels.values()] or [0])
    lines = [
        "## Latest run",
        "",
    ]
    if args.quick:
        lines += [
            "**`--quick`**: one short round, a check that every column runs; its",
            "timings mean little and RESULTS.md is not written.",
            "",
        ]
    lines += [
        f"- date: {when}",
        f"- nproc: {len(os.sched_getaffinity(0))}; CPU: {cpu_model()}",
        f"- load average before the run: {args.load}",
        f"- k6: {args.k6_version}",
        "- rounds: " + ", ".join(
            [f"{rounds} at each VU level"] * bool(levels) + [f"{rate_rounds} at each fixed rate"] * bool(rate_levels)
        ),
        f"- command: `{args.command}`",
        "",
        "The columns:",
        "",
        tools_text(args.jslib),
        "",
    ]  # fmt: skip
    if levels:
        lines += [
            METHOD,
            "",
            "### Throughput",
            "",
            throughput_table(levels),
            "",
            "### CPU per iteration",
            "",
            cpu_table(levels),
            "",
            "### Memory and threads",
            "",
            memory_table(levels),
            "",
            "### Latency",
            "",
            latency_table(levels),
            "",
            "### Targets",
            "",
            target_table(levels),
            "",
            "Against D and E the ratios above are informative: no target.",
            "",
        ]  # fmt: skip
    else:
        lines += ["No run at a VU level (BENCH_VUS empty).", ""]
    if rate_levels:
        lines += [
            "### Fixed arrival rates",
            "",
            fixed_rate_table(rate_levels, args.rate_runs),
            "",
            FIXED_RATE_METHOD,
            "",
            "#### Targets at fixed rates",
            "",
            markdown(["target", "measured", "result"], [list(r) for r in rate_targets(rate_levels)],
                     ["---", "---:", ":---:"]),
            "",
        ]  # fmt: skip
        for rate, m in sorted(rate_levels.items()):
            lines += [
                f"#### What a fixed {rate:,}/s costs",
                "",
                rate_table(m),
                "",
                RATE_METHOD.format(rate=rate),
                "",
            ]
    else:
        lines += ["No fixed-rate run (BENCH_RATES empty).", ""]
    stream_levels = getattr(args, "stream_levels", {})
    if stream_levels:
        lines += [
            "### Response streaming: time to the first chunk",
            "",
            "- " + "\n- ".join(f"{t}: {text}" for t, text in STREAM_TOOLS.items()),
            "",
            stream_table(stream_levels, args.stream_delay_ms),
            "",
            STREAM_METHOD,
            "",
        ]
    else:
        lines += ["No streaming run (STREAM_VUS empty).", ""]
    return "\n".join(lines)


def write_results(path, section):
    """Writes FILE: a title, the new "Latest run" section, and the old
    file's lines from "## Findings" onward, if it had that section."""
    findings = []
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "## Findings":
                findings = lines[i:]
                break
    text = "# Benchmark: k6/x/lambda against k6/http, k6-jslib-aws and wrk\n\n"
    text += "Written by `scripts/bench.sh`; the \"Latest run\" section is replaced on\n"
    text += "every run, \"## Findings\" and what follows it are kept.\n\n"
    text += section
    if findings:
        text += "\n" + "\n".join(findings) + "\n"
    with open(path, "w") as f:
        f.write(text)


def table(args):
    runs = load_runs(args.runs)
    rate_runs = load_runs(args.rates) if args.rates else {}
    stream_runs = load_runs(args.streams) if args.streams else {}
    levels = {vus: aggregate(rounds) for vus, rounds in runs.items()}
    rate_levels = {rate: aggregate(rounds) for rate, rounds in rate_runs.items()}
    args.rate_runs = rate_runs
    args.stream_levels = {vus: aggregate_streams(rounds) for vus, rounds in stream_runs.items()}
    section = latest_run_section(levels, rate_levels, args)
    print(section)
    errors = run_errors(runs, " VUs") + run_errors(rate_runs, "/s") + run_errors(stream_runs, " VUs (streaming)")
    if errors:
        print("runs with errors" + (" (RESULTS.md not written)" if args.results else "") + ":",
              *errors, sep="\n  ", file=sys.stderr)
        return 1
    if args.results:
        write_results(args.results, section)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command_name", required=True)
    run = sub.add_parser("run", help="one line about one run")
    run.add_argument("tool", choices=sorted(TOOLS) + sorted(STREAM_TOOLS))
    run.add_argument("files", nargs="+")
    tab = sub.add_parser("table", help="the tables, printed and, with --results, written")
    tab.add_argument("runs")
    tab.add_argument("--rates", help="the fixed-rate runs")
    tab.add_argument("--streams", help="the streaming case's runs")
    tab.add_argument("--stream-delay-ms", type=int, default=0, help="the server's first-chunk delay of the streaming case")
    tab.add_argument("--results", help="the RESULTS.md to write (default: print only)")
    tab.add_argument("--command", required=True)
    tab.add_argument("--k6-version", required=True)
    tab.add_argument("--load", default="unknown")
    tab.add_argument("--jslib", default="", help="JSLIB_AWS_LAMBDA, if E ran")
    tab.add_argument("--quick", action="store_true", help="scripts/bench.sh --quick's run")
    args = parser.parse_args()
    if args.command_name == "run":
        print(run_line(args.tool, args.files))
        return 0
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
