#!/usr/bin/env python3
"""Evaluates dashboards/grafana-prometheus.json against a real Prometheus.

  check_grafana.py PROMETHEUS_URL DASHBOARD.json TESTID STATS.json

Grafana itself does not run here: this does what it would do with the
dashboard. The variables' queries (label_values) are asked of the label
values API; each panel query gets its variables filled in as Grafana's
Prometheus data source fills them (a variable with multi or includeAll is
regex-escaped, several values become (a|b), "All" is the variable's
allValue) and the time macros as Grafana computes them for the
dashboard's default time range; range queries go to query_range, instant
ones to query. Every query must return data. The invocation count panel
must show exactly what the test server served (STATS.json, its
/_test/stats), for "All" and for each function.
"""
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request

# Metrics that panels name but a run cannot produce (none today). A metric
# listed here that has data fails the check, so the list cannot go stale.
EXPECTED_MISSING = set()

# Grafana's defaults for a Prometheus data source and a dashboard panel:
# the data source's scrape interval (15 s) is the least $__interval, and
# $__rate_interval is max($__interval + scrape interval, 4 × scrape
# interval). A 15-minute range over ~1,000 points gives $__interval 15 s.
SCRAPE_INTERVAL = 15
MAX_DATA_POINTS = 1000
COUNT_PANEL = "Invocations"

failures = []


def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not detail else f" ({detail})"))
    if not ok:
        failures.append(what)


def api(base, path, params):
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"{path}: {body}")
    return body["data"]


def parse_duration(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    m = re.fullmatch(r"now-(\d+)([smhd])", text)
    return int(m[1]) * units[m[2]]


def regex_escape(value):
    """Grafana's prometheusSpecialRegexEscape: a regex metacharacter gets a
    backslash, written doubled inside the PromQL string."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda c: "\\\\" + c[0], value)


def variable_value(variable, selected):
    """What Grafana writes for a selection: a list of values, or "All"."""
    if selected == "All":
        return variable["allValue"]
    if not variable.get("multi") and not variable.get("includeAll"):
        return selected[0]
    escaped = [regex_escape(v) for v in selected]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def interpolate(expr, values):
    def one(m):
        name = m[1] or m[2]
        if name not in values:
            raise KeyError(f"unknown variable ${name} in {expr!r}")
        return values[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, expr)


class Grafana:
    def __init__(self, prometheus, dashboard, end):
        self.prometheus = prometheus
        self.dashboard = dashboard
        self.range = parse_duration(dashboard["time"]["from"])
        interval = max(SCRAPE_INTERVAL, math.ceil(self.range / MAX_DATA_POINTS))
        # The dashboard opened just after the run: "now" is its end,
        # aligned up to the step, as Grafana aligns a range's ends to it.
        self.end = math.ceil(end / interval) * interval
        self.start = self.end - self.range
        self.interval = interval
        self.macros = {
            "__interval": f"{interval}s",
            "__rate_interval": f"{max(interval + SCRAPE_INTERVAL, 4 * SCRAPE_INTERVAL)}s",
            "__range": f"{self.range}s",
            "__range_s": str(self.range),
        }
        self.variables = {v["name"]: v for v in dashboard["templating"]["list"]}

    def label_values(self, query, values):
        m = re.fullmatch(r"label_values\((?:(.+), )?(\w+)\)", query)
        params = {"start": self.start, "end": self.end}
        if m[1]:
            params["match[]"] = interpolate(m[1], {**self.macros, **values})
        return api(self.prometheus, f"/api/v1/label/{m[2]}/values", params)

    def evaluate(self, target, values):
        expr = interpolate(target["expr"], {**self.macros, **values})
        if target.get("instant"):
            data = api(self.prometheus, "/api/v1/query", {"query": expr, "time": self.end})
            return expr, [float(r["value"][1]) for r in data["result"]]
        data = api(self.prometheus, "/api/v1/query_range",
                   {"query": expr, "start": self.start, "end": self.end, "step": self.interval})
        return expr, [float(v[1]) for r in data["result"] for v in r["values"]]


def data_panels(dashboard):
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def check_schema(dashboard):
    check("schemaVersion is a recent one (36 or later)", dashboard.get("schemaVersion", 0) >= 36)
    check("a DS_PROMETHEUS input", any(i["name"] == "DS_PROMETHEUS" and i["pluginId"] == "prometheus"
                                       for i in dashboard["__inputs"]))
    panels = data_panels(dashboard)
    ids = [p["id"] for p in dashboard["panels"]]
    check("panel ids are unique", len(ids) == len(set(ids)))
    for p in panels:
        sources = [p["datasource"]] + [t["datasource"] for t in p["targets"]]
        check(f"{p['title']}: every query on ${{DS_PROMETHEUS}}",
              all(s == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"} for s in sources))
        check(f"{p['title']}: gridPos within 24 columns", p["gridPos"]["x"] + p["gridPos"]["w"] <= 24)
    for name in ("testid", "function"):
        v = next((v for v in dashboard["templating"]["list"] if v["name"] == name), None)
        check(f"variable {name}: a query variable with All", v is not None and v["type"] == "query"
              and v["includeAll"] and "allValue" in v)


def main():
    prometheus, path, testid, stats_path = sys.argv[1:5]
    dashboard = json.load(open(path, encoding="utf-8"))
    stats = json.load(open(stats_path, encoding="utf-8"))
    served = stats["invocations"] + stats["urlRequests"]
    check_schema(dashboard)
    grafana = Grafana(prometheus, dashboard, time.time())

    names = set(api(prometheus, "/api/v1/label/__name__/values", {}))
    print(f"metric names in Prometheus: {', '.join(sorted(n for n in names if n.startswith('k6_lambda')))}")

    testids = grafana.label_values(grafana.variables["testid"]["query"]["query"], {})
    check(f"variable testid offers {testid}", testid in testids, f"{testids}")
    selection = {"testid": variable_value(grafana.variables["testid"], [testid])}
    functions = grafana.label_values(grafana.variables["function"]["query"]["query"], selection)
    check("variable function offers the run's functions", len(functions) >= 4, f"{functions}")
    instances = api(prometheus, "/api/v1/label/instance_id/values",
                    {"match[]": f'k6_lambda_invocations_total{{testid="{testid}"}}'})
    check("both k6 instances wrote (instance_id 0 and 1)", sorted(instances) == ["0", "1"], f"{instances}")

    all_functions = {**selection, "function": variable_value(grafana.variables["function"], "All")}
    queries = 0
    for panel in data_panels(dashboard):
        for target in panel["targets"]:
            queries += 1
            metrics = set(re.findall(r"\bk6_[a-z0-9_]+", target["expr"]))
            expr, values = grafana.evaluate(target, all_functions)
            finite = [v for v in values if not math.isnan(v)]
            if metrics & EXPECTED_MISSING:
                check(f"{panel['title']} / {target['legendFormat']}: no data yet for {sorted(metrics & EXPECTED_MISSING)}"
                      " (EXPECTED_MISSING: remove it once the run makes it)", not finite, expr)
                continue
            missing = metrics - names
            check(f"{panel['title']} / {target['legendFormat']}: its metrics are in Prometheus", not missing,
                  f"missing {sorted(missing)}")
            check(f"{panel['title']} / {target['legendFormat']}: {len(finite)} values", len(finite) > 0, expr)

    count = next(p for p in data_panels(dashboard) if p["title"] == COUNT_PANEL)["targets"][0]
    expr, shown = grafana.evaluate(count, all_functions)
    check(f"{COUNT_PANEL} with function All shows what the server served: {shown} == [{served}]",
          shown == [served], expr)
    every = {**selection, "function": variable_value(grafana.variables["function"], functions)}
    expr, shown_every = grafana.evaluate(count, every)
    check(f"{COUNT_PANEL} with every function selected ({every['function']}): {shown_every} == [{served}]",
          shown_every == [served], expr)
    for function in functions:
        one = {**selection, "function": variable_value(grafana.variables["function"], [function])}
        expr, shown_one = grafana.evaluate(count, one)
        want = stats["byFunction"].get(function, 0)
        check(f"{COUNT_PANEL} for {function}: {shown_one} == [{want}] (served)", shown_one == [want], expr)
    panels = len(data_panels(dashboard))
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print(f"grafana: {panels} panels, {queries} queries, each with data; {COUNT_PANEL} = {served} = served")


if __name__ == "__main__":
    main()
