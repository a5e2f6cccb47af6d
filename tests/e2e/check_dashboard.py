#!/usr/bin/env python3
"""Checks k6's HTML report of a run made with dashboards/web-dashboard.json.

  check_dashboard.py REPORT.html LAYOUT.json SCREENSHOT.png

1. The report's embedded data (k6's web dashboard writes it into
   <script id="data">: gzip, then base64, of one JSON event a line:
   config, param, metric, start, snapshot..., cumulative, threshold, stop)
   carries our layout, and every metric a panel names is in the run, with
   data: for a chart, a period (snapshot) in which each aggregate the query
   names has a value; for a summary table, a row in the whole run's
   figures (cumulative).
2. Headless Chromium renders the report: the page must show every tab,
   section and panel title that has data, one chart (uPlot) per chart panel
   with data, and no "no data" panel; then it writes SCREENSHOT.png.

Queries keep to the forms this script reads (a query in another form
fails it, rather than being skipped):
  chart:   METRIC[?!tags && AGG]  METRIC[?!tags && (AGG || AGG ...)]
           METRIC[?tags.TAG == 'VALUE' && AGG]
  summary: [?!tags && (name == 'METRIC' || ...)]
           [?!tags && TYPE && starts_with(name, 'PREFIX')]
           [?!tags && (TYPE || TYPE) && starts_with(name, 'PREFIX')]
"""
import base64
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Metrics that panels name but a run cannot produce (none today). A metric
# listed here that has data fails the check, so the list cannot go stale.
EXPECTED_MISSING = set()

DATA_TAG = '<script id="data" type="application/json; charset=utf-8; gzip; base64">'

CHART_QUERY = re.compile(
    r"^(?P<metric>[a-z0-9_]+)\[\?"
    r"(?:!tags|tags\.(?P<tag>[a-z_]+) == '(?P<value>[^']+)')"
    r" && (?:(?P<one>[a-z0-9]+)|\((?P<many>[a-z0-9]+(?: \|\| [a-z0-9]+)+)\))\]$")
SUMMARY_BY_NAME = re.compile(r"^\[\?!tags && \((?P<names>name == '[a-z0-9_]+'(?: \|\| name == '[a-z0-9_]+')*)\)\]$")
SUMMARY_BY_PREFIX = re.compile(
    r"^\[\?!tags && (?:(?P<one>[a-z]+)|\((?P<many>[a-z]+(?: \|\| [a-z]+)+)\)) && starts_with\(name, '(?P<prefix>[a-z0-9_]+)'\)\]$")

# The browser's window: the screenshot's size, tall enough for the whole
# Lambda tab (the report puts its tabs one under the other).
WINDOW = (1400, 4800)

failures = []


def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not detail else f" ({detail})"))
    if not ok:
        failures.append(what)


def read_events(report_path):
    """The report's events, as k6 wrote them: [(name, data), ...]."""
    text = open(report_path, encoding="utf-8").read()
    start = text.index(DATA_TAG) + len(DATA_TAG)
    end = text.index("</script>", start)
    lines = gzip.decompress(base64.b64decode(text[start:end])).decode("utf-8").splitlines()
    return [(e["event"], e["data"]) for e in map(json.loads, filter(None, lines))]


class Run:
    """What the report says about the run: per metric, the aggregates of
    each period that had samples, and the whole run's."""

    def __init__(self, events):
        self.config = None
        self.aggregates = {}  # metric type -> aggregate names, as the UI keys them (p(90) -> p90)
        self.metrics = {}  # name -> {"type", "contains", ...}
        self.periods = {}  # name -> [{aggregate: value}] of the periods with samples
        self.whole = {}  # name -> {aggregate: value} (the cumulative event)
        for name, data in events:
            if name == "config":
                self.config = data
            elif name == "param":
                self.aggregates = {t: [a.replace("(", "").replace(")", "") for a in names]
                                   for t, names in data["aggregates"].items()}
            elif name == "metric":
                self.metrics.update(data)
            elif name in ("snapshot", "cumulative"):
                # The values come in the order of the sorted names of the
                # metrics announced so far, as the UI reads them.
                for metric, values in zip(sorted(self.metrics), data):
                    if not values:
                        continue  # no samples in this period
                    named = dict(zip(self.aggregates[self.metrics[metric]["type"]], values))
                    if name == "snapshot":
                        self.periods.setdefault(metric, []).append(named)
                    else:
                        self.whole[metric] = named

    def aggregates_of(self, metric):
        return self.aggregates.get(self.metrics.get(metric, {}).get("type"), [])


def check_chart_query(run, query, panel):
    m = CHART_QUERY.match(query)
    if not m:
        check(f"{panel}: query {query!r} is in a form this test reads", False)
        return
    base = m["metric"]
    metric = base if m["tag"] is None else f"{base}{{{m['tag']}:{m['value']}}}"
    wanted = [m["one"]] if m["one"] else m["many"].split(" || ")
    known = run.aggregates_of(base)
    if base in EXPECTED_MISSING:
        check(f"{panel}: {base} has no data yet (EXPECTED_MISSING: remove it once the run makes it)",
              metric not in run.periods, f"{len(run.periods.get(metric, []))} periods with data")
        return
    check(f"{panel}: {base} is a metric of the run", base in run.metrics, f"metrics: {sorted(run.metrics)}")
    check(f"{panel}: {', '.join(wanted)} are aggregates of {base}", set(wanted) <= set(known), f"it has {known}")
    with_data = [p for p in run.periods.get(metric, []) if all(p.get(a) is not None for a in wanted)]
    check(f"{panel}: {metric} has {', '.join(wanted)} in {len(with_data)} of the run's periods",
          len(with_data) >= 1)


def check_summary_query(run, query, panel):
    by_name, by_prefix = SUMMARY_BY_NAME.match(query), SUMMARY_BY_PREFIX.match(query)
    if by_name:
        for name in re.findall(r"name == '([a-z0-9_]+)'", by_name["names"]):
            check(f"{panel}: {name} has figures for the whole run", name in run.whole, f"{run.whole.get(name)}")
    elif by_prefix:
        types = [by_prefix["one"]] if by_prefix["one"] else by_prefix["many"].split(" || ")
        rows = [n for n in run.whole if "{" not in n and n.startswith(by_prefix["prefix"])
                and run.metrics[n]["type"] in types]
        check(f"{panel}: {len(rows)} {'/'.join(types)} metrics named {by_prefix['prefix']}* in the whole run's figures",
              len(rows) >= 2, f"{rows}")
    else:
        check(f"{panel}: query {query!r} is in a form this test reads", False)


def panels(layout):
    for tab in layout["tabs"]:
        for section in tab["sections"]:
            for panel in section["panels"]:
                yield tab, section, panel


def check_data(run, layout):
    check("the report carries dashboards/web-dashboard.json (XK6_DASHBOARD_CONFIG)", run.config == layout)
    names = set()
    for tab, section, panel in panels(layout):
        where = f"{tab['title']} / {section['title']} / {panel['title']}"
        for serie in panel["series"]:
            (check_summary_query if panel["kind"] == "summary" else check_chart_query)(run, serie["query"], where)
            names.update(re.findall(r"^([a-z0-9_]+)\[", serie["query"]))
    # Every lambda_* metric of the run is charted somewhere (a metric the
    # extension adds needs a panel), lambda_cost_usd aside: its figures are
    # too small for a chart, which shows lambda_cost_microusd instead.
    uncharted = {n for n in run.metrics if n.startswith("lambda_") and "{" not in n} - names - {"lambda_cost_usd"}
    check("every lambda_* metric of the run has a chart", not uncharted, f"uncharted: {sorted(uncharted)}")


def charted_with_data(run, panel):
    """Whether the dashboard draws this chart panel (some serie has data)."""
    for serie in panel["series"]:
        m = CHART_QUERY.match(serie["query"])
        if m and m["metric"] not in EXPECTED_MISSING:
            return True
    return False


def check_render(run, layout, report, screenshot):
    chromium = shutil.which("chromium-headless-shell")
    if chromium is None:
        check("chromium-headless-shell is installed", False)
        return
    # --virtual-time-budget: the page's timers and its decoding of the data
    # run in virtual time, and the DOM is taken once they are done (no
    # wall-clock wait).
    flags = [chromium, "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=20000",
             f"--window-size={WINDOW[0]},{WINDOW[1]}"]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(flags + [f"--user-data-dir={profile}", "--dump-dom", f"file://{report}"],
                             capture_output=True, text=True, timeout=120)
    check("Chromium loaded the report", dom.returncode == 0, dom.stderr[-2000:])
    text = html.unescape(re.sub(r"<[^>]+>", "\n", dom.stdout))
    shown = {line.strip() for line in text.splitlines() if line.strip()}
    charts = dom.stdout.count('class="uplot')
    drawn = 0
    for tab in layout["tabs"]:
        check(f"the page shows the tab {tab['title']!r}", tab["title"] in shown)
        for section in tab["sections"]:
            section_panels = [p for p in section["panels"] if p["kind"] == "summary" or charted_with_data(run, p)]
            if not section_panels:
                continue
            check(f"the page shows the section {section['title']!r}", section["title"] in shown)
            for panel in section_panels:
                check(f"the page shows the panel {panel['title']!r}", panel["title"] in shown)
                drawn += panel["kind"] == "chart"
    check(f"the page drew a chart for each of the {drawn} chart panels with data", charts >= drawn, f"{charts} charts")
    with tempfile.TemporaryDirectory() as profile:
        shot = subprocess.run(flags + [f"--user-data-dir={profile}", f"--screenshot={screenshot}", f"file://{report}"],
                              capture_output=True, text=True, timeout=120)
    check(f"Chromium wrote {screenshot}", shot.returncode == 0, shot.stderr[-2000:])
    head = b""
    if os.path.exists(screenshot):
        with open(screenshot, "rb") as png:
            head = png.read(24)
    # The PNG signature, then the IHDR chunk: width and height, big-endian.
    size = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
    check(f"{screenshot} is a {WINDOW[0]}x{WINDOW[1]} PNG", head[:8] == b"\x89PNG\r\n\x1a\n" and size == WINDOW, f"{size}")


def main():
    report, layout_path, screenshot = sys.argv[1:4]
    layout = json.load(open(layout_path, encoding="utf-8"))
    run = Run(read_events(report))
    check_data(run, layout)
    check_render(run, layout, report, screenshot)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("report: every panel's metric has data, and the page rendered")


if __name__ == "__main__":
    main()
