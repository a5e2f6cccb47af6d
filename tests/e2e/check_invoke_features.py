#!/usr/bin/env python3
"""Checks k6's JSON output of invoke_features.js (both transports).

Usage: check_invoke_features.py SAMPLES.json
Exits 1 with the list of failed checks; prints "N passed, 0 failed" else.

- lambda_restore_duration: one point per SnapStart restore (one per
  transport), 312.5 ms as the test server's REPORT says; no
  lambda_init_duration for the SnapStart function (a restore is no init);
  lambda_cold_starts 1 for the restore, 0 for the warm call after it.
- Per-tenant cold starts (the script tags each tenant's calls with it):
  1 then 0 for the tenant called twice, 1 for the other, per transport.
- lambda_cost_usd of the restore counts its Billed Restore Duration (180
  ms) beside its Billed Duration; the warm call's does not.
"""

import sys
from collections import defaultdict

from k6_points import points

X86_GB_SECOND, PER_REQUEST = 0.0000166667, 0.20 / 1e6
MEMORY_GB = 128 / 1024
RESTORE_MS, BILLED_RESTORE_MS = 312.5, 180
TRANSPORTS = ("direct", "sdk")

results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def main(path):
    by_metric = defaultdict(list)
    for metric, data in points(path):
        by_metric[metric].append(data)

    def of(metric, **tags):
        found = [d for d in by_metric[metric] if all(d["tags"].get(k) == v for k, v in tags.items())]
        return sorted(found, key=lambda d: d["time"])

    for t in TRANSPORTS:
        restores = of("lambda_restore_duration", function="snapstart", transport=t)
        check(f"{t}: one lambda_restore_duration point, {RESTORE_MS} ms",
              [d["value"] for d in restores] == [RESTORE_MS], f"{restores}")
        cold = of("lambda_cold_starts", function="snapstart", transport=t)
        check(f"{t}: the restore is a cold start, the next call warm",
              [d["value"] for d in cold] == [1, 0], f"{[d['value'] for d in cold]}")
        check(f"{t}: no lambda_init_duration for the SnapStart function",
              of("lambda_init_duration", function="snapstart", transport=t) == [])

        billed = of("lambda_billed_duration", function="snapstart", transport=t)
        cost = of("lambda_cost_usd", function="snapstart", transport=t)
        if len(billed) == 2 and len(cost) == 2 and [b["time"] for b in billed] == [c["time"] for c in cost]:
            extra = [BILLED_RESTORE_MS, 0]
            want = [(b["value"] + e) / 1000 * MEMORY_GB * X86_GB_SECOND + PER_REQUEST for b, e in zip(billed, extra)]
            got = [c["value"] for c in cost]
            check(f"{t}: lambda_cost_usd counts the Billed Restore Duration of the restore only",
                  all(abs(g - w) <= 1e-15 for g, w in zip(got, want)), f"got {got}, want {want}")
        else:
            check(f"{t}: two billed durations and costs, invocation by invocation", False, f"{billed} {cost}")

        tenant_cold = defaultdict(list)
        for d in by_metric["lambda_cold_starts"]:
            tenant = d["tags"].get("tenant", "")
            if tenant.startswith(f"{t}-"):
                tenant_cold[tenant].append((d["time"], d["value"]))
        shapes = sorted(
            (tenant.rsplit("-", 1)[-1], [v for _, v in sorted(values)]) for tenant, values in tenant_cold.items())
        check(f"{t}: cold starts per tenant: the first call of each, not the second",
              shapes == [("blue", [1, 0]), ("green team", [1])], f"{shapes}")
        init = [d for d in by_metric["lambda_init_duration"] if d["tags"].get("tenant", "").startswith(f"{t}-")]
        check(f"{t}: one lambda_init_duration per tenant's cold start", len(init) == 2, f"{len(init)}")

    # The refusals Lambda answers are failed invocations tagged with the
    # AWS error type and the status, as other service errors are: per
    # transport, the tenant-isolated function without a tenant (invoke and
    # invokeWithResponseStream), echo with a tenant, the durable name
    # started with another payload.
    failed = [d["tags"] for d in by_metric["lambda_invocation_failed"] if d["value"] == 1]
    for function, code, status, want in [
        ("tenant-isolated", "InvalidParameterValueException", "400", 4),
        ("echo", "InvalidParameterValueException", "400", 2),
        ("durable", "DurableExecutionAlreadyStartedException", "409", 2),
    ]:
        got = sum(1 for tags in failed if tags.get("function") == function
                  and tags.get("error_code") == code and tags.get("status") == status)
        check(f"{function}: {want} failed invocations tagged error_code {code}, status {status}", got == want, f"{got}")

    failed = [r for r in results if not r[1]]
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
