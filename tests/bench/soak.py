#!/usr/bin/env python3
"""The figures and the verdict of scripts/soak.sh (its header states the
bounds and why).

Reads, for each run (the lambda one and the http.post baseline), the
directory scripts/soak.sh filled: summary.json (k6's --summary-export),
status (k6's exit code), served (nginx's count), started (the time k6 was
started), k6.log (with Go's GC trace) and samples.tsv (time, invocations
answered, RSS KiB, open fds, of which sockets, OS threads, Go's Sys and
HeapReleased bytes). Prints the figures and PASS/FAIL for each bound; exits
1 if one failed. With --write FILE, writes them to FILE as markdown, keeping
its "## Notes" section and what follows.

`soak.py --self-test` runs the checks on made-up runs, each crossing one
bound, and fails unless each is caught and a clean run passes.
"""

import argparse
import datetime
import json
import os
import re
import sys
import tempfile

# min_done: the share of the invocations that must be made (the rest
# dropped); other_fd_slack: growth of the fds that are not sockets, start to
# end; sockets_per_vu: bound on the sockets after warm-up, per VU;
# thread_slack: growth of the threads, start to end; rss_margin: KiB per 10^5
# invocations (scripts/soak.sh says why the short run's is looser, with
# what clean runs and a 128-byte leak measured).
BOUNDS = {
    'full': {'min_done': 0.99, 'other_fd_slack': 2, 'sockets_per_vu': 2, 'thread_slack': 4,
             'max_threads': 64, 'rss_margin': 1024.0},
    'short': {'min_done': 0.95, 'other_fd_slack': 2, 'sockets_per_vu': 2, 'thread_slack': 4,
              'max_threads': 64, 'rss_margin': 8192.0},
}
WARMUP = 0.10     # the first 10% of the invocations are warm-up
PER = 100_000     # slopes are per 10^5 invocations
NAMES = {'lambda': 'k6/x/lambda invoke', 'http': 'k6/http post'}
# (key, label, kind): memory in KiB, shown in MiB with slopes in KiB.
MEASURES = [
    ('rss', 'RSS', 'memory'),
    ('outside', 'RSS outside Go (Rust, C)', 'memory'),
    ('heap', 'Go live heap', 'memory'),
    ('fds', 'open fds', 'count'),
    ('sockets', 'of which sockets', 'count'),
    ('other', 'of which others', 'count'),
    ('threads', 'OS threads', 'count'),
]
GC_LINE = re.compile(r'^gc \d+ @([0-9.]+)s .*?(\d+)->(\d+)->(\d+) MB')


def slope(xs, ys):
    """Least-squares slope of ys on xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def read(directory, name, convert=str, default=None):
    try:
        with open(os.path.join(directory, name), errors='replace') as f:
            return convert(f.read())
    except (OSError, ValueError):
        return default


def parse_samples(directory):
    """The samples as dicts; memory in KiB."""
    samples = []
    for line in (read(directory, 'samples.tsv') or '').splitlines():
        fields = line.split('\t')
        if len(fields) < 6:
            continue
        t, served, rss, fds, sockets, threads = fields[:6]
        s = {'t': float(t), 'served': int(served), 'rss': int(rss), 'fds': int(fds),
             'sockets': int(sockets), 'other': int(fds) - int(sockets), 'threads': int(threads)}
        go = fields[6:8]
        if len(go) == 2 and go[0].strip() and go[1].strip():
            # Go's memory from the system, less what it gave back: ~ its share of RSS.
            s['outside'] = s['rss'] - (int(go[0]) - int(go[1])) / 1024
        samples.append(s)
    return samples


def gc_heap(directory, samples):
    """(invocations answered, live heap KiB) at each of Go's collections in
    k6.log (GODEBUG=gctrace=1: the third of "a->b->c MB"), the invocations
    interpolated between the samples on either side."""
    started = read(directory, 'started', float)
    log = read(directory, 'k6.log')
    if started is None or log is None:
        return []
    heap = []
    for line in log.splitlines():
        m = GC_LINE.match(line)
        if not m:
            continue
        t = started + float(m.group(1))
        for a, b in zip(samples, samples[1:]):
            if a['t'] <= t <= b['t'] and b['t'] > a['t']:
                served = a['served'] + (b['served'] - a['served']) * (t - a['t']) / (b['t'] - a['t'])
                heap.append({'served': served, 'heap': int(m.group(4)) * 1024})
                break
    return heap


def figures(points, key, low, high):
    """first, start, end, max and slope of key over points; start, end and
    slope over the points with low <= invocations < high (None if < 3)."""
    points = [p for p in points if key in p]
    window = [p for p in points if low <= p['served'] < high]
    if len(window) < 3:
        return None
    return {'first': points[0][key], 'start': window[0][key], 'end': window[-1][key],
            'max': max(p[key] for p in points), 'n': len(window),
            'slope': slope([p['served'] / PER for p in window], [p[key] for p in window])}


def load(directory, target):
    run = {'dir': directory, 'status': read(directory, 'status', int, -1),
           'served': read(directory, 'served', int, -1)}
    try:
        metrics = json.loads(read(directory, 'summary.json') or '')['metrics']
    except (ValueError, KeyError, TypeError):
        metrics = {}

    def count(name):
        return int(metrics.get(name, {}).get('count', 0))

    run['has_summary'] = bool(metrics)
    run['iterations'] = count('iterations')
    run['invocations'] = count('lambda_invocations') if 'lambda_invocations' in metrics else count('http_reqs')
    run['dropped'] = count('dropped_iterations')
    checks = metrics.get('checks', {})
    run['checks_passed'] = int(checks.get('passes', 0))
    run['checks_failed'] = int(checks.get('fails', 0))
    run['trends'] = sorted(name for name, m in metrics.items() if 'med' in m)
    # Trend samples k6 keeps an iteration: one for each Trend (each gets one
    # sample an iteration here, soak_trend_pad_N too).
    run['trend_samples'] = len(run['trends'])

    samples = parse_samples(directory)
    run['samples'] = samples
    # After warm-up, while the scenario ran (before nginx's final count).
    low, high = WARMUP * target, run['served']
    run['window'] = [s for s in samples if low <= s['served'] < high]
    run['figures'] = {key: figures(samples, key, low, high) for key, _, _ in MEASURES if key != 'heap'}
    heap = gc_heap(directory, samples)
    run['figures']['heap'] = figures(heap, 'heap', low, high)
    run['gcs'] = len(heap)
    return run


def fmt(value, digits=0):
    return f'{value:,.{digits}f}'


def mib(kib):
    return fmt(kib / 1024, 1)


def evaluate(args):
    """The figures as markdown, the labels of the failed checks, the runs."""
    bounds = BOUNDS[args.mode]
    runs = {'lambda': load(args.lambda_dir, args.invocations), 'http': load(args.http_dir, args.invocations)}
    out = ['| run | iterations | invocations | dropped | checks passed / failed | nginx served '
           '| samples (after warm-up) |',
           '|---|---:|---:|---:|---:|---:|---:|']
    for name, run in runs.items():
        out.append(f'| {NAMES[name]} | {fmt(run["iterations"])} | {fmt(run["invocations"])} | '
                   f'{fmt(run["dropped"])} | {fmt(run["checks_passed"])} / {fmt(run["checks_failed"])} | '
                   f'{fmt(run["served"])} | {len(run["samples"])} ({len(run["window"])}) |')
    out.append('')
    out.append('invocations: lambda_invocations (lambda run), http_reqs (http.post run); nginx served: '
               'its stub_status count over the run, less the polls.')
    out.append('')
    out.append('| run | measure | first | start | end | max | per 10^5 invocations |')
    out.append('|---|---|---:|---:|---:|---:|---:|')
    for name, run in runs.items():
        for key, label, kind in MEASURES:
            f = run['figures'][key]
            if f is None:
                out.append(f'| {name} | {label} | — | — | — | — | — |')
                continue
            if kind == 'memory':
                cells = [mib(f[k]) for k in ('first', 'start', 'end', 'max')] + [fmt(f['slope'], 1) + ' KiB']
                label += ' MiB'
            else:
                cells = [str(f[k]) for k in ('first', 'start', 'end', 'max')] + [fmt(f['slope'], 2)]
            out.append(f'| {name} | {label} | ' + ' | '.join(cells) + ' |')
    out.append('')
    out.append(f'first: the first sample; start: the first after warm-up (the first {WARMUP:.0%} of the '
               f'{fmt(args.invocations)} invocations); end: the last before the end of the scenario; max: over '
               f'every sample; the slope: least squares from start to end, against the invocations nginx had '
               f'answered. RSS outside Go: VmRSS less Go\'s Sys − HeapReleased (runtime.MemStats, k6\'s pprof '
               f'endpoint). Go live heap: what each of Go\'s collections found live (GODEBUG=gctrace=1, 1 MB '
               f'steps), at the invocations answered by then.')
    out.append('')

    lines = []
    diff = None
    diffs = []
    fl, fh = runs['lambda']['figures'], runs['http']['figures']
    for key, label, _ in MEASURES[:3]:
        a, b = fl[key], fh[key]
        if a and b:
            d = a['slope'] - b['slope']
            if key == 'rss':
                diff = d
            diffs.append(f'{label} {fmt(d, 1)}')
            lines.append(f'{label} slope after warm-up: lambda {fmt(a["slope"], 1)}, http.post '
                         f'{fmt(b["slope"], 1)} KiB per 10^5 invocations; lambda − http.post'
                         f'{" (ours)" if key == "rss" else ""}: {fmt(d, 1)} KiB per 10^5 '
                         f'({fmt(d * 1024 / PER, 2)} bytes an invocation).')
    a, b = fl['rss'], fh['rss']
    if a and b:
        ga, gb = a['end'] - a['start'], b['end'] - b['start']
        lines.append(f'RSS growth from start to end: lambda {mib(ga)} MiB, http.post {mib(gb)} MiB; '
                     f'difference {mib(ga - gb)} MiB.')
    for name, run in runs.items():
        lines.append(f'Trend samples k6 keeps for its summary an iteration, {name} run: {run["trend_samples"]} '
                     f'({", ".join(run["trends"]) or "none"}).')
    out.extend(f'- {line}' for line in lines)
    out.append('')

    checks = []

    def bound(label, measured, ok):
        checks.append((label, measured, ok))

    for name, run in runs.items():
        label = NAMES[name]
        bound(f'{label}: k6 exit code 0 and a summary', str(run['status']), run['status'] == 0 and run['has_summary'])
        bound(f'{label}: no failed check',
              f'{fmt(run["checks_failed"])} of {fmt(run["checks_passed"] + run["checks_failed"])}',
              run['checks_failed'] == 0 and run['checks_passed'] > 0)
        bound(f'{label}: ≥ {bounds["min_done"]:.0%} of {fmt(args.invocations)} invocations made',
              f'{fmt(run["invocations"])} ({fmt(run["dropped"])} dropped)',
              run['invocations'] >= bounds['min_done'] * args.invocations)
        bound(f'{label}: nginx served = k6\'s count', f'{fmt(run["served"])} / {fmt(run["invocations"])}',
              run['served'] == run['invocations'] == run['iterations'])
        bound(f'{label}: ≥ 3 samples after warm-up', str(len(run['window'])), len(run['window']) >= 3)
    bound('k6 keeps as many Trend samples an iteration in both runs',
          f'{runs["lambda"]["trend_samples"]} / {runs["http"]["trend_samples"]}',
          runs['lambda']['trend_samples'] == runs['http']['trend_samples'])
    other, sockets, threads = fl['other'], fl['sockets'], fl['threads']
    if other and sockets and threads:
        bound(f'lambda: fds other than sockets, end ≤ start + {bounds["other_fd_slack"]}',
              f'{other["start"]} → {other["end"]}', other['end'] <= other['start'] + bounds['other_fd_slack'])
        limit = bounds['sockets_per_vu'] * args.vus
        bound(f'lambda: sockets after warm-up ≤ {bounds["sockets_per_vu"]} × {args.vus} VUs',
              f'max {max(s["sockets"] for s in runs["lambda"]["window"])}',
              max(s['sockets'] for s in runs['lambda']['window']) <= limit)
        bound(f'lambda: threads end ≤ start + {bounds["thread_slack"]}', f'{threads["start"]} → {threads["end"]}',
              threads['end'] <= threads['start'] + bounds['thread_slack'])
        bound(f'lambda: threads max ≤ {bounds["max_threads"]}', str(threads['max']),
              threads['max'] <= bounds['max_threads'])
    else:
        bound('lambda: fds and threads after warm-up', 'too few samples', False)
    if diff is not None:
        bound(f'RSS slope lambda − http.post ≤ {fmt(bounds["rss_margin"])} KiB per 10^5', fmt(diff, 1),
              diff <= bounds['rss_margin'])
    else:
        bound('RSS slopes of both runs', 'too few samples', False)

    out.append('| check | measured | result |')
    out.append('|---|---:|:---:|')
    for label, measured, ok in checks:
        out.append(f'| {label} | {measured} | {"PASS" if ok else "FAIL"} |')
    # Again after the table, so that the tail of a CI log says which part
    # of the memory moved.
    if diffs:
        out.append('')
        out.append(f'lambda − http.post slopes after warm-up, KiB per 10^5 invocations: {"; ".join(diffs)}.')
    failed = [label for label, _, ok in checks if not ok]
    return '\n'.join(out), failed, runs


def report(args):
    text, failed, runs = evaluate(args)
    print(text)
    print()
    print(f'soak ({args.mode}): ' + ('PASS' if not failed else f'FAIL: {"; ".join(failed)}'))
    if args.write:
        write(args, runs, text)
        print(f'written to {args.write}')
    return 1 if failed else 0


def cpu_model():
    for line in (read('/proc', 'cpuinfo') or '').splitlines():
        if line.startswith('model name'):
            return line.split(':', 1)[1].strip()
    return 'unknown'


def write(args, runs, text):
    old = read(os.path.dirname(args.write) or '.', os.path.basename(args.write)) or ''
    kept = old[old.index('\n## Notes') + 1:] if '\n## Notes' in old else ''
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    doc = ['# Soak: k6/x/lambda against k6/http', '',
           'Written by `scripts/soak.sh` (full mode); the sections up to "## Notes" are replaced on '
           'every run, "## Notes" and what follows it are kept.', '',
           '## Latest run', '',
           f'- date: {now}',
           f'- nproc: {os.cpu_count()}; CPU: {cpu_model()}',
           f'- load average before the run: {args.load}',
           f'- k6: {args.k6_version}',
           f'- {fmt(args.invocations)} invocations a run at {fmt(args.rate)}/s '
           f'(constant-arrival-rate, {args.vus} pre-allocated VUs)',
           f'- command: `{args.command}`', '',
           text, '',
           '## Samples', '',
           'At every tenth of the invocations, each run\'s last sample before it, and the last sample: '
           'seconds since the first sample, invocations answered, RSS and RSS outside Go (KiB), open fds '
           '(sockets), OS threads.', '',
           '| run | s | invocations | RSS KiB | outside Go KiB | fds (sockets) | threads |',
           '|---|---:|---:|---:|---:|---:|---:|']
    for name, run in runs.items():
        samples = run['samples']
        if not samples:
            continue
        picked = []
        for k in range(11):
            below = [s for s in samples if s['served'] <= args.invocations * k / 10] or samples[:1]
            if below[-1] not in picked:
                picked.append(below[-1])
        if samples[-1] not in picked:
            picked.append(samples[-1])
        for s in picked:
            outside = fmt(s['outside']) if 'outside' in s else '—'
            doc.append(f'| {name} | {s["t"] - samples[0]["t"]:.0f} | {fmt(s["served"])} | {fmt(s["rss"])} | '
                       f'{outside} | {s["fds"]} ({s["sockets"]}) | {s["threads"]} |')
    doc.append('')
    if kept:
        doc.append(kept.rstrip('\n'))
        doc.append('')
    with open(args.write, 'w') as f:
        f.write('\n'.join(doc))


LAMBDA_TRENDS = ['iteration_duration', 'lambda_invocation_duration'] + [f'soak_trend_pad_{i}' for i in range(1, 8)]
HTTP_TRENDS = ['http_req_blocked', 'http_req_connecting', 'http_req_duration',
               'http_req_duration{expected_response:true}', 'http_req_receiving', 'http_req_sending',
               'http_req_tls_handshaking', 'http_req_waiting', 'iteration_duration']


def synthesize(directory, counter, trends, invocations=60_000, rate=2000, dropped=0, failed_checks=0,
               leak_bytes=0.0, sockets_per=0.0, others_per=0.0, threads_per=0.0, status=0):
    """A run as scripts/soak.sh leaves it: k6's Trend samples cost ~190
    bytes an invocation, with 2 MiB of jitter, and 54 sockets; plus the
    leaks asked for (bytes an invocation; sockets, other fds and threads per
    10^5 invocations)."""
    os.makedirs(directory)
    done = invocations - dropped
    metrics = {'iterations': {'count': done}, counter: {'count': done},
               'checks': {'passes': done - failed_checks, 'fails': failed_checks}}
    if dropped:
        metrics['dropped_iterations'] = {'count': dropped}
    for name in trends:
        metrics[name] = {'avg': 1, 'med': 1, 'max': 1}
    files = {'summary.json': json.dumps({'metrics': metrics}), 'status': f'{status}\n',
             'served': f'{done}\n', 'started': '1000.0\n'}
    samples, log = [], []
    for i in range(invocations // rate + 3):
        served = min(i * rate * done // invocations, done)
        go = 50_000 * 1024 + served * 190
        rss = (go + served * leak_bytes) / 1024 + (2048 if i % 2 else 0)
        sockets = 54 + int(served * sockets_per / PER)
        fds = sockets + 12 + int(served * others_per / PER)
        threads = 11 + int(served * threads_per / PER)
        samples.append(f'{1000 + i}.0\t{served}\t{int(rss)}\t{fds}\t{sockets}\t{threads}\t{go}\t0\n')
        log.append(f'gc {i + 1} @{i + 0.5}s 1%: x, 1->2->{8 + served * 80 // 2**20} MB, 9 MB goal\n')
    files['samples.tsv'] = ''.join(samples)
    files['k6.log'] = ''.join(log)
    for name, text in files.items():
        with open(os.path.join(directory, name), 'w') as f:
            f.write(text)


def self_test():
    """Each bound fails on a run made to cross it, and a clean run passes."""
    cases = [
        ('clean', {}, {}, None),
        ('RSS leak, 100 bytes an invocation', {'leak_bytes': 100}, {}, 'RSS slope'),
        ('a socket leaked every 1,000 invocations', {'sockets_per': 100}, {}, 'lambda: sockets'),
        ('a pipe leaked every 10,000 invocations', {'others_per': 10}, {}, 'lambda: fds other'),
        ('a thread started every 5,000 invocations', {'threads_per': 20}, {}, 'lambda: threads end'),
        ('6% dropped', {'dropped': 3600}, {}, 'invocations made'),
        ('a failed check', {'failed_checks': 1}, {}, 'no failed check'),
        ('k6 exit code 99', {'status': 99}, {}, 'exit code'),
        ('a Trend fewer in the baseline', {}, {'trends': HTTP_TRENDS[1:]}, 'Trend samples'),
    ]
    problems = []
    for title, lambda_kw, http_kw, expected in cases:
        with tempfile.TemporaryDirectory() as tmp:
            http_kw = dict(http_kw)
            synthesize(os.path.join(tmp, 'lambda'), 'lambda_invocations', LAMBDA_TRENDS, **lambda_kw)
            synthesize(os.path.join(tmp, 'http'), 'http_reqs', http_kw.pop('trends', HTTP_TRENDS), **http_kw)
            args = argparse.Namespace(mode='short', invocations=60_000, rate=2000, vus=50,
                                      lambda_dir=os.path.join(tmp, 'lambda'),
                                      http_dir=os.path.join(tmp, 'http'), write=None)
            text, failed, runs = evaluate(args)
        if expected is None and (failed or any(f is None for r in runs.values() for f in r['figures'].values())):
            problems.append(f'{title}: failed {failed} or figures missing\n{text}')
        elif expected is not None and (not failed or not all(expected in label for label in failed)):
            problems.append(f'{title}: expected only "{expected}" to fail, failed {failed}')
    for problem in problems:
        print(f'soak.py self-test: {problem}', file=sys.stderr)
    print(f'soak.py self-test: {len(cases) - len(problems)} of {len(cases)} cases as expected')
    return 1 if problems else 0


def main():
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--mode', choices=sorted(BOUNDS), required=True)
    p.add_argument('--invocations', type=int, required=True)
    p.add_argument('--rate', type=int, required=True)
    p.add_argument('--vus', type=int, required=True)
    p.add_argument('--lambda', dest='lambda_dir', required=True)
    p.add_argument('--http', dest='http_dir', required=True)
    p.add_argument('--write')
    p.add_argument('--k6-version', default='')
    p.add_argument('--load', default='')
    p.add_argument('--command', default='')
    sys.exit(report(p.parse_args()))


if __name__ == '__main__':
    main()
