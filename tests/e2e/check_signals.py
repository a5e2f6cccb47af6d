#!/usr/bin/env python3
"""Checks what k6 counted when a run stopped with invocations in flight
(tests/e2e/run_signals.sh) against the test server's counters.

Usage: check_signals.py CASE SAMPLES.json STATS.json STDOUT.txt [VUS]

CASE is one of:
  interrupted  signals.js stopped by SIGINT or SIGTERM (VUS, default 300)
  graceful     signals_graceful.js, its gracefulStop expired
  churn        signals_churn.js, back-to-back invocations cut at the end
  answered     signals_answered.js, answers that came before the stop

The rule every case checks: an invocation is counted (one
lambda_invocations sample, one data_sent and one data_received sample)
when its answer or network error came before the VU stopped; one still
in flight then is cancelled and not counted. So the server's count is
k6's count plus the invocations cancelled in flight, and each of those
belongs to an interrupted iteration.

Exits 1 with the list of failed checks; prints "N passed, 0 failed" else.
"""

import json
import re
import sys
from collections import Counter

from k6_points import points


class Run:
    def __init__(self, samples_path, stats_path, stdout_path):
        self.samples = {}
        for metric, data in points(samples_path):
            self.samples.setdefault(metric, []).append(data)
        self.stats = json.load(open(stats_path))
        self.stdout = open(stdout_path).read()
        # k6's last progress line: "N complete and M interrupted iterations".
        found = re.findall(r"(\d+) complete and (\d+) interrupted iterations", self.stdout)
        self.complete, self.interrupted = map(int, found[-1]) if found else (-1, -1)

    def counted(self, metric="lambda_invocations", function=None):
        """k6's samples of a metric, for one function or for all."""
        return sum(1 for d in self.samples.get(metric, [])
                   if function is None or d["tags"].get("function") == function)

    def served(self, group, key=None):
        """A server counter: stats[group] or stats[group][key]."""
        value = self.stats.get(group, 0)
        return value.get(key, 0) if key is not None else value

    def summary_count(self, metric):
        match = re.search(rf"^\s*{metric}\.*: (\d+)\b", self.stdout, re.M)
        return int(match.group(1)) if match else -1


def interrupted(run, check, vus):
    # Each VU: echo answered (counted), slow-headers in flight at the
    # signal (cancelled); teardown's echo after the signal (counted).
    check("the end-of-test summary was printed", "TOTAL RESULTS" in run.stdout)
    check(f"k6: the {vus} VUs' echoes + teardown's = {vus + 1} lambda_invocations{{function:echo}}",
          run.counted(function="echo") == vus + 1, run.counted(function="echo"))
    check("k6: no slow-headers counted (all cancelled in flight)",
          run.counted(function="slow-headers") == 0, run.counted(function="slow-headers"))
    check("the summary's lambda_invocations agrees", run.summary_count("lambda_invocations") == vus + 1,
          run.summary_count("lambda_invocations"))
    check(f"k6: 0 complete and {vus} interrupted iterations",
          (run.complete, run.interrupted) == (0, vus), f"{run.complete} complete, {run.interrupted} interrupted")
    check(f"server: {vus} slow-headers received, all closed by the client (client-closed)",
          run.served("byFunction", "slow-headers") == vus and run.served("byStatus", "client-closed") == vus,
          f"{run.served('byFunction', 'slow-headers')} received, "
          f"{run.served('byStatus', 'client-closed')} client-closed")
    check(f"server: {vus + 1} echoes answered",
          run.served("byFunction", "echo") == vus + 1 and run.served("byStatus", "200") == vus + 1,
          f"{run.served('byFunction', 'echo')} received, {run.served('byStatus', '200')} answered")
    same_rule(run, check, cancelled=run.interrupted)


def graceful(run, check):
    # 20 VUs: 20 echoes; 10 slow-headers answered within the graceful stop
    # (3 s < 4 s), 10 still held (10 s) when the VUs stopped at 4 s.
    check("the end-of-test summary was printed", "TOTAL RESULTS" in run.stdout)
    check("k6: 10 complete and 10 interrupted iterations",
          (run.complete, run.interrupted) == (10, 10), f"{run.complete} complete, {run.interrupted} interrupted")
    check("k6: 10 samples of iterations (interrupted ones have none)", run.counted("iterations") == 10,
          run.counted("iterations"))
    check("k6: 20 echoes counted", run.counted(function="echo") == 20, run.counted(function="echo"))
    check("k6: the 10 slow-headers answered within the graceful stop counted, not the 10 cut",
          run.counted(function="slow-headers") == 10, run.counted(function="slow-headers"))
    check("server: 20 slow-headers received, 10 answered, 10 closed by the client",
          run.served("byFunction", "slow-headers") == 20 and run.served("byStatus", "200") == 30
          and run.served("byStatus", "client-closed") == 10,
          f"{run.served('byFunction', 'slow-headers')} received, byStatus {run.stats.get('byStatus')}")
    same_rule(run, check, cancelled=run.interrupted)


def churn(run, check):
    # Matched one to one by id: k6's samples (tag id) and the payloads
    # the server recorded.
    ids = Counter(d["tags"].get("id") for d in run.samples.get("lambda_invocations", []))
    recorded = Counter(json.loads(payload) for payload, n in run.served("recorded").items() for _ in range(n))
    lost = set(recorded) - set(ids)
    check("enough churn: over 1,000 invocations", sum(recorded.values()) > 1000, sum(recorded.values()))
    check("k6: no invocation counted twice", not ids or max(ids.values()) == 1,
          [i for i, n in ids.items() if n > 1][:5])
    check("server: no invocation sent twice", not recorded or max(recorded.values()) == 1,
          [i for i, n in recorded.items() if n > 1][:5])
    check("k6 counted nothing the server did not receive", set(ids) <= set(recorded),
          sorted(set(ids) - set(recorded))[:5])
    check("every complete iteration's invocation was counted", len(ids) >= run.complete,
          f"{len(ids)} counted, {run.complete} complete")
    # Interrupted iterations: those whose invocation was cancelled in
    # flight (lost), those whose answer came just before the stop
    # (counted), and those stopped before invoke() sent anything.
    check("uncounted (cancelled in flight) + counted-yet-interrupted <= interrupted iterations <= 50 VUs",
          len(lost) + (len(ids) - run.complete) <= run.interrupted <= 50,
          f"{len(lost)} uncounted, {len(ids) - run.complete} counted yet interrupted, "
          f"{run.interrupted} interrupted, {run.complete} complete")
    tagged = lambda metric: sum(1 for d in run.samples.get(metric, []) if "id" in d["tags"])
    check("one data_sent and one data_received sample per counted invocation",
          tagged("data_sent") == len(ids) and tagged("data_received") == len(ids),
          f"{tagged('data_sent')}, {tagged('data_received')} for {len(ids)}")
    print(f"churn: server received {sum(recorded.values())}, k6 counted {len(ids)}, "
          f"{len(lost)} cancelled in flight; {run.complete} complete, {run.interrupted} interrupted iterations")


def answered(run, check):
    # 4 VUs: each echo answered within milliseconds; the VU, busy, was
    # stopped 2 s later without having settled it.
    check("k6: 0 complete and 4 interrupted iterations",
          (run.complete, run.interrupted) == (0, 4), f"{run.complete} complete, {run.interrupted} interrupted")
    check("server: 4 echoes answered (200)", run.served("byStatus", "200") == 4, run.stats.get("byStatus"))
    check("k6: the 4 answers that came before the stop are counted",
          run.counted(function="echo") == 4, run.counted(function="echo"))
    check("k6: with their data_sent and data_received",
          run.counted("data_sent", "echo") == 4 and run.counted("data_received", "echo") == 4,
          f"{run.counted('data_sent', 'echo')}, {run.counted('data_received', 'echo')}")


def same_rule(run, check, cancelled):
    """Server received = k6 counted + cancelled in flight (one per
    interrupted iteration in these scripts), and one data_sent and
    data_received sample per counted invocation."""
    received, counted = run.served("invocations"), run.counted()
    check(f"server received ({received}) = k6 lambda_invocations ({counted}) + cancelled in flight ({cancelled})",
          received == counted + cancelled)
    with_function = lambda metric: sum(1 for d in run.samples.get(metric, []) if "function" in d["tags"])
    check("one data_sent and one data_received sample per counted invocation",
          with_function("data_sent") == counted and with_function("data_received") == counted,
          f"{with_function('data_sent')}, {with_function('data_received')}")


def main():
    case, samples_path, stats_path, stdout_path = sys.argv[1:5]
    run = Run(samples_path, stats_path, stdout_path)
    results = []

    def check(name, ok, detail=""):
        results.append((name, bool(ok), detail))

    if case == "interrupted":
        interrupted(run, check, int(sys.argv[5]) if len(sys.argv) > 5 else 300)
    elif case in ("graceful", "churn", "answered"):
        globals()[case](run, check)
    else:
        sys.exit(f"unknown case {case!r}")

    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {case}: {name}" + (f" ({detail})" if detail != "" else ""))
    print(f"{case}: {len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
