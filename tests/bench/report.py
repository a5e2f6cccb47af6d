#!/usr/bin/env python3
"""Reads the measurements of scripts/bench.sh and prints its tables.

    report.py run TOOL SUMMARY TIME THREADS    one line about one k6 run
    report.py run C WRK_OUTPUT                 one line about one wrk run
    report.py table RUNS_TSV --results FILE --command CMD --k6-version V

RUNS_TSV has one line per run: VUs, round, tool (A, B or C), and the files
of that run (tab-separated): for A and B the k6 --summary-export JSON, the
/usr/bin/time -v output and the peak thread count; for C wrk's output.

`table` prints the measurement and target tables (markdown) and writes them
to FILE as its "Latest run" section, keeping everything from a line
"## Findings" onward. It exits 1, and leaves FILE alone, if a run had
errors (failed checks, failed requests, wrk socket errors or non-2xx).
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
    "A": "k6 + k6/x/lambda (tests/bench/invoke.js)",
    "B": "k6 + k6/http (tests/bench/http.js)",
    "C": "wrk, same request",
}

# The targets of the second table.
MIN_THROUGHPUT_RATIO = 1.0  # A/B iterations per second, at every level
MAX_CPU_RATIO = 1.0  # A/B CPU seconds per iteration, at every level
MAX_RSS_RATIO = 1.2  # A/B peak RSS, at RSS_THREADS_VUS
MAX_THREADS = 64  # peak OS threads of k6 running A, at RSS_THREADS_VUS
MAX_P50_DIFF_US = 100.0  # p50 A - B in microseconds, at P50_VUS
RSS_THREADS_VUS = 1000
P50_VUS = 10


# --- reading one run -------------------------------------------------------


def read_k6(summary_path, time_path, threads):
    """One k6 run: throughput, latency, CPU, memory, threads and errors."""
    with open(summary_path) as f:
        metrics = json.load(f)["metrics"]
    iterations = metrics.get("iterations", {"count": 0, "rate": 0.0})
    duration = metrics["iteration_duration"]
    checks = metrics.get("checks", {"passes": 0, "fails": 0})
    cpu, rss_kib = read_time(time_path)
    errors = []
    if iterations["count"] == 0:
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
        "p50_ms": duration["med"],
        "p95_ms": duration["p(95)"],
        "cpu_s": cpu,
        "cpu_us_per_it": cpu / iterations["count"] * 1e6 if iterations["count"] else float("nan"),
        "rss_mib": rss_kib / 1024,
        "threads": int(threads),
        "errors": errors,
    }


def read_time(path):
    """(user + system CPU seconds, maximum RSS in KiB) from /usr/bin/time -v."""
    values = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            values[key] = value
    cpu = float(values["User time (seconds)"]) + float(values["System time (seconds)"])
    return cpu, int(values["Maximum resident set size (kbytes)"])


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
    return {"rate": float(rate.group(1)) if rate else float("nan"), "errors": errors}


def read_run(tool, files):
    return read_wrk(files[0]) if tool == "C" else read_k6(*files)


def run_line(tool, files):
    """A one-line account of one run, printed as the benchmark goes."""
    r = read_run(tool, files)
    if tool == "C":
        text = f"{r['rate']:,.0f} req/s"
    else:
        text = (
            f"{r['rate']:,.0f} it/s, p50 {r['p50_ms'] * 1000:,.0f} µs, p95 {r['p95_ms'] * 1000:,.0f} µs, "
            f"{r['cpu_us_per_it']:,.1f} CPU-µs/it, {r['rss_mib']:,.0f} MiB, {r['threads']} threads"
        )
    if r["errors"]:
        text += "; ERRORS: " + "; ".join(r["errors"])
    return text


# --- aggregating over rounds -----------------------------------------------


def load_runs(tsv_path):
    """{vus: {round: {tool: measurement}}} from the runs file."""
    runs = {}
    with open(tsv_path) as f:
        for row in csv.reader(f, delimiter="\t"):
            vus, rnd, tool, *files = row
            runs.setdefault(int(vus), {}).setdefault(int(rnd), {})[tool] = read_run(tool, files)
    return runs


def median_of(rounds, fn):
    """The median over rounds of fn(round's measurements); nan if none."""
    values = [fn(r) for r in rounds.values()]
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def aggregate(rounds):
    """One VU level: medians over rounds. Ratios and differences are taken
    within each round (A and B ran next to each other), then the median."""
    med = lambda tool, key: median_of(rounds, lambda r: r[tool][key])  # noqa: E731
    ratio = lambda key, a="A", b="B": median_of(rounds, lambda r: r[a][key] / r[b][key])  # noqa: E731
    return {
        "rounds": len(rounds),
        "a_rate": med("A", "rate"),
        "b_rate": med("B", "rate"),
        "c_rate": med("C", "rate"),
        "rate_ratio": ratio("rate"),
        "a_cpu": med("A", "cpu_us_per_it"),
        "b_cpu": med("B", "cpu_us_per_it"),
        "cpu_ratio": ratio("cpu_us_per_it"),
        "a_rss": med("A", "rss_mib"),
        "b_rss": med("B", "rss_mib"),
        "rss_ratio": ratio("rss_mib"),
        # a peak: the highest over rounds, not the median
        "a_threads": max(r["A"]["threads"] for r in rounds.values()),
        "b_threads": max(r["B"]["threads"] for r in rounds.values()),
        "a_p50": med("A", "p50_ms"),
        "b_p50": med("B", "p50_ms"),
        "p50_diff_us": median_of(rounds, lambda r: (r["A"]["p50_ms"] - r["B"]["p50_ms"]) * 1000),
        "a_p95": med("A", "p95_ms"),
        "b_p95": med("B", "p95_ms"),
        "ac_ratio": ratio("rate", "A", "C"),
    }


def run_errors(runs):
    return [
        f"{vus} VUs, round {rnd}, {tool}: {error}"
        for vus, rounds in sorted(runs.items())
        for rnd, tools in sorted(rounds.items())
        for tool, r in sorted(tools.items())
        for error in r["errors"]
    ]


# --- tables ----------------------------------------------------------------


def markdown(header, rows, align):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def num(value, fmt):
    return "n/a" if value != value else format(value, fmt)


def measurement_table(levels):
    header = [
        "VUs", "A it/s", "B it/s", "C req/s", "A/B it/s",
        "A CPU-µs/it", "B CPU-µs/it", "A/B CPU",
        "A RSS MiB", "B RSS MiB", "A/B RSS",
        "A threads", "B threads",
        "A p50 ms", "B p50 ms", "A−B p50 µs",
        "A p95 ms", "B p95 ms", "A/C",
    ]  # fmt: skip
    rows = []
    for vus, m in sorted(levels.items()):
        rows.append([
            f"{vus:,}", num(m["a_rate"], ",.0f"), num(m["b_rate"], ",.0f"), num(m["c_rate"], ",.0f"),
            num(m["rate_ratio"], ".2f"),
            num(m["a_cpu"], ",.1f"), num(m["b_cpu"], ",.1f"), num(m["cpu_ratio"], ".2f"),
            num(m["a_rss"], ",.0f"), num(m["b_rss"], ",.0f"), num(m["rss_ratio"], ".2f"),
            str(m["a_threads"]), str(m["b_threads"]),
            num(m["a_p50"], ",.3f"), num(m["b_p50"], ",.3f"), num(m["p50_diff_us"], "+,.0f"),
            num(m["a_p95"], ",.3f"), num(m["b_p95"], ",.3f"), num(m["ac_ratio"], ".3f"),
        ])  # fmt: skip
    return markdown(header, rows, ["---:"] * len(header))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def targets(levels):
    """(target, measured, PASS/FAIL/NOT RUN) rows."""
    rows = []
    for vus, m in sorted(levels.items()):
        r = m["rate_ratio"]
        rows.append((f"invocations/s A/B ≥ {MIN_THROUGHPUT_RATIO:.1f} at {vus:,} VUs", num(r, ".3f"),
                     verdict(r >= MIN_THROUGHPUT_RATIO)))  # fmt: skip
    for vus, m in sorted(levels.items()):
        r = m["cpu_ratio"]
        rows.append((f"CPU/invocation A/B ≤ {MAX_CPU_RATIO:.1f} at {vus:,} VUs", num(r, ".3f"),
                     verdict(r <= MAX_CPU_RATIO)))  # fmt: skip
    big = levels.get(RSS_THREADS_VUS)
    rows.append((f"peak RSS A/B ≤ {MAX_RSS_RATIO} at {RSS_THREADS_VUS:,} VUs",
                 num(big["rss_ratio"], ".3f") if big else "—",
                 verdict(big["rss_ratio"] <= MAX_RSS_RATIO) if big else "NOT RUN"))  # fmt: skip
    rows.append((f"peak OS threads of k6 running A ≤ {MAX_THREADS} at {RSS_THREADS_VUS:,} VUs",
                 str(big["a_threads"]) if big else "—",
                 verdict(big["a_threads"] <= MAX_THREADS) if big else "NOT RUN"))  # fmt: skip
    small = levels.get(P50_VUS)
    rows.append((f"p50 A−B ≤ {MAX_P50_DIFF_US:.0f} µs at {P50_VUS} VUs",
                 num(small["p50_diff_us"], "+,.0f") + " µs" if small else "—",
                 verdict(small["p50_diff_us"] <= MAX_P50_DIFF_US) if small else "NOT RUN"))  # fmt: skip
    return rows


def target_table(levels):
    return markdown(["target", "measured", "result"], [list(r) for r in targets(levels)], ["---", "---:", ":---:"])


LEGEND = """\
A: {A}. B: {B}. C: {C} (connections = VUs, at most 2 threads).
Values are medians over the rounds; ratios and the p50 difference are taken
within each round (A, B and C run one after another), then the median.
Threads are the highest of the 0.2 s samples of /proc/PID/status over all
rounds. CPU-µs/it is the k6 process's user + system CPU time (init of the
VUs included) over its iterations; RSS is /usr/bin/time's maximum resident
set size. Latencies are k6's iteration_duration (one script iteration)."""


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


def latest_run_section(levels, rounds, command, k6_version, load):
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join([
        "## Latest run",
        "",
        f"- date: {when}",
        f"- nproc: {len(os.sched_getaffinity(0))}; CPU: {cpu_model()}",
        f"- load average before the run: {load}",
        f"- k6: {k6_version}",
        f"- rounds: {rounds}",
        f"- command: `{command}`",
        "",
        "### Measurements",
        "",
        measurement_table(levels),
        "",
        LEGEND.format(**TOOLS),
        "",
        "### Targets",
        "",
        target_table(levels),
        "",
    ])  # fmt: skip


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
    text = "# Benchmark: k6/x/lambda against k6/http\n\n"
    text += "Written by `scripts/bench.sh`; the \"Latest run\" section is replaced on\n"
    text += "every run, \"## Findings\" and what follows it are kept.\n\n"
    text += section
    if findings:
        text += "\n" + "\n".join(findings) + "\n"
    with open(path, "w") as f:
        f.write(text)


def table(args):
    runs = load_runs(args.runs)
    levels = {vus: aggregate(rounds) for vus, rounds in runs.items()}
    rounds = max(len(r) for r in runs.values())
    section = latest_run_section(levels, rounds, args.command, args.k6_version, args.load)
    print(section)
    errors = run_errors(runs)
    if errors:
        print("runs with errors (RESULTS.md not written):", *errors, sep="\n  ", file=sys.stderr)
        return 1
    write_results(args.results, section)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command_name", required=True)
    run = sub.add_parser("run", help="one line about one run")
    run.add_argument("tool", choices=sorted(TOOLS))
    run.add_argument("files", nargs="+")
    tab = sub.add_parser("table", help="the tables, printed and written to --results")
    tab.add_argument("runs")
    tab.add_argument("--results", required=True)
    tab.add_argument("--command", required=True)
    tab.add_argument("--k6-version", required=True)
    tab.add_argument("--load", default="unknown")
    args = parser.parse_args()
    if args.command_name == "run":
        print(run_line(args.tool, args.files))
        return 0
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
