#!/usr/bin/env python3
"""Licence check of the Go modules that this repository's Go code links.

    scripts/go_licenses.py [--summary FILE] [--treat-as MODULE=LICENCE]... DIR...

For each DIR (a Go module's directory: the repository root, tests/companion,
tests/lambdaserver) it lists the packages of PATTERNS below (the extension's
own packages in the root; `./...` elsewhere) and everything they import,
test files included (`go list -deps -test`), and so the modules that the
extension brings into a k6 binary, plus those only its tests link (marked
"test").
Test-only modules are checked too: a copyleft test dependency is still
something this repository downloads, builds and runs in CI, and the check
should say so before anyone depends on it further.

Each package's licence is that of the nearest licence file (LICENSE,
LICENCE, COPYING, LICENSE-MIT, ...) between its directory and its module's
root, as go-licenses does: a module's licence is the union over its linked
packages (klauspost/compress is Apache-2.0 with BSD-3-Clause parts). A
package with no licence file at all is classified by the licence headers of
its Go files, when they all agree (generated protobuf modules ship none).
The text is classified by its wording, offline: Apache-2.0, MIT,
BSD-2-Clause, BSD-3-Clause, BSD-4-Clause, ISC, HPND, MPL-2.0, AGPL-3.0, LGPL,
GPL, or unknown; a module with parts under several shows them joined by "+".

The standard library and the main modules (this repository's own code,
Apache-2.0, see LICENSE) are not listed. tools/go.mod (xk6 and what it
needs) is not checked: those tools build k6, and nothing of theirs is
linked into anything this repository ships or tests.

Exit status 1 when a module has a licence off the allow-list that is not
one of its module's EXCEPTIONS below, or an unknown licence; 2 on a usage
or `go list` error. --treat-as MODULE=LICENCE replaces a module's classified
licence (to see the check fail: --treat-as golang.org/x/sys=GPL-3.0).
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

# Permissive licences: allowed in any module.
ALLOWED = {"Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC"}

# Per main module: the modules allowed a licence off the allow-list, which
# one, why, and the only module whose packages may import them ("via"; None:
# any). An exception that stops matching (another licence, or imported from
# elsewhere, say directly by this extension) fails the check.
K6 = "go.k6.io/k6/v2"
EXCEPTIONS = {
    "github.com/xk6-lambda/xk6-lambda": {
        K6: ("AGPL-3.0", None,
             "k6 itself: this is a k6 extension, linked only into k6 binaries, "
             "which are AGPL-3.0 whatever the extension's licence"),
        "github.com/grafana/sobek": (
            "HPND", None,
            "k6's JavaScript engine, MIT; its ftoa (number formatting, from "
            "David Gay's dtoa) keeps Lucent's permission notice (HPND): "
            "permissive, OSI-approved, notice only"),
    },
    # The second extension the xk6 build test links beside this one.
    "github.com/xk6-lambda/xk6-companion": {
        K6: ("AGPL-3.0", None, "k6 itself, as for the extension"),
        "github.com/grafana/sobek": ("HPND", None, "as for the extension"),
    },
    # tests/lambdaserver: permissive only, no exception.
    "github.com/xk6-lambda/xk6-lambda/tests/lambdaserver": {},
}

LICENCE_FILE = re.compile(
    r"^(UN)?(LICEN[CS]E|COPYING)([-._].*)?$|^.*[-_.]LICEN[CS]E(\.(txt|md))?$", re.I)


def fatal(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def normalise(text):
    """The words of a licence text, comment markers and line breaks gone."""
    text = re.sub(r"(?m)^\s*(//+|#+|/?\*+/?|;+)", " ", text)
    return re.sub(r"\s+", " ", text)


def classify(text):
    """The set of licences whose wording TEXT contains (empty: unknown)."""
    flat = normalise(text)
    found = set()
    # The GNU family first, one of them: the AGPL and LGPL name the GPL in
    # their terms, and the MPL-2.0 names all three (its "Secondary
    # Licenses"), in mixed case and without "as published by".
    gnu = [
        ("AGPL-3.0", r"GNU AFFERO GENERAL PUBLIC LICENSE|GNU Affero General Public License as published"),
        ("LGPL", r"GNU (LESSER|LIBRARY) GENERAL PUBLIC LICENSE|GNU (Lesser|Library) General Public License as published"),
        ("GPL", r"GNU GENERAL PUBLIC LICENSE|GNU General Public License as published"),
    ]
    for name, pattern in gnu:
        if re.search(pattern, flat):
            found.add(name)
            break
    if re.search(r"Mozilla Public License,? (Version|v\.?) ?2\.0", flat, re.I):
        found.add("MPL-2.0")
    elif re.search(r"Mozilla Public License", flat, re.I):
        found.add("MPL-1.x")
    if re.search(r"Apache License,? Version 2\.0|Apache License\s+Version 2\.0", flat, re.I):
        found.add("Apache-2.0")
    if re.search(r"Permission is hereby granted, free of charge, to any person obtaining a copy", flat, re.I):
        found.add("MIT")
    if re.search(r"Permission to use, copy, modify, and(/or)? distribute this software for any purpose "
                 r"with or without fee is hereby granted", flat, re.I):
        found.add("ISC")
    # The Historical Permission Notice and Disclaimer (sobek's ftoa, from
    # Lucent's dtoa): permissive, but not on the allow-list by itself.
    if re.search(r"Permission to use, copy, modify,? and distribute this software and its documentation "
                 r"for any purpose (and|with or) without fee is hereby granted", flat, re.I):
        found.add("HPND")
    if re.search(r"Redistribution and use in source and binary forms, with or without modification, "
                 r"are permitted provided that", flat, re.I):
        if re.search(r"advertising materials", flat, re.I):
            found.add("BSD-4-Clause")
        elif re.search(r"endorse or promote", flat, re.I):
            found.add("BSD-3-Clause")
        else:
            found.add("BSD-2-Clause")
    return found


# The packages checked in each module directory: the extension's own (the
# root package xk6 imports, and internal/), not cmd/k6, which is k6's main
# package built with the extension (a k6 binary: k6's licence and k6's own
# dependencies, README "Licences"); elsewhere ./... .
PATTERNS = {".": [".", "./internal/..."]}


def go_list(directory, test):
    """The packages of DIR's PATTERNS and their dependencies, as dicts."""
    fields = "ImportPath,Dir,Module,Standard,Imports,GoFiles,CgoFiles"
    patterns = PATTERNS.get(os.path.normpath(directory), ["./..."])
    cmd = ["go", "list", "-deps", f"-json={fields}"] + (["-test"] if test else []) + patterns
    env = dict(os.environ, CGO_ENABLED="1", GOOS="linux", GOARCH="amd64", GOWORK="off")
    proc = subprocess.run(cmd, cwd=directory, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        fatal(f"{' '.join(cmd)} failed in {directory}")
    decoder, text, at, packages = json.JSONDecoder(), proc.stdout, 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return packages
        package, at = decoder.raw_decode(text, at)
        packages.append(package)


def module_of(package):
    """(path, version, dir) of a package's module, after any replace."""
    module = package["Module"]
    replace = module.get("Replace") or {}
    version = replace.get("Version") or module.get("Version", "")
    if replace and not replace.get("Version"):
        version = "=> " + replace.get("Path", "")
    return module["Path"], version, replace.get("Dir") or module.get("Dir")


def package_licences(package, module_dir, cache):
    """(licences, where) of one package: its nearest licence files, or the
    headers of its Go files when no directory up to the module's has one."""
    directory = os.path.realpath(package["Dir"])
    root = os.path.realpath(module_dir)
    while True:
        if directory not in cache:
            found, names = set(), []
            for name in sorted(os.listdir(directory)):
                path = os.path.join(directory, name)
                if LICENCE_FILE.match(name) and os.path.isfile(path):
                    with open(path, encoding="utf-8", errors="replace") as f:
                        found |= classify(f.read()) or {"unknown"}
                    names.append(name)
            cache[directory] = (found, names)
        found, names = cache[directory]
        if names:
            where = os.path.relpath(os.path.join(directory, names[0]), root)
            return found, where
        if directory == root or not directory.startswith(root + os.sep):
            break
        directory = os.path.dirname(directory)
    # No licence file: the header comment of every Go file must name one,
    # the same one.
    per_file = []
    for name in package.get("GoFiles", []) + package.get("CgoFiles", []):
        with open(os.path.join(package["Dir"], name), encoding="utf-8", errors="replace") as f:
            head = f.read(4096).split("\npackage ", 1)[0]
        per_file.append(frozenset(classify(head)))
    if per_file and len(set(per_file)) == 1 and per_file[0]:
        return set(per_file[0]), "headers of " + os.path.relpath(package["Dir"], root)
    return {"unknown"}, "no licence file"


def check(directory, treat_as):
    """Table rows and failures of one module directory's dependency graph."""
    linked = {p["ImportPath"] for p in go_list(directory, test=False)}
    packages = go_list(directory, test=True)
    main = next(p["Module"]["Path"] for p in packages
                if p.get("Module", {}).get("Main") and not p.get("Standard"))
    exceptions = EXCEPTIONS.get(main)
    if exceptions is None:
        fatal(f"{main} has no entry in EXCEPTIONS of {__file__}")
    # A test variant "p [q.test]" is package p.
    base = lambda path: path.split(" [", 1)[0]  # noqa: E731
    owner = {p["ImportPath"]: p["Module"]["Path"] for p in packages if p.get("Module")}
    modules, cache = {}, {}
    for package in packages:
        module = package.get("Module")
        if package.get("Standard") or not module or module.get("Main"):
            continue
        path, version, module_dir = module_of(package)
        if not module_dir:
            fatal(f"{path} {version} is not in the module cache: go mod download {path}")
        entry = modules.setdefault(path, {"version": version, "licences": set(), "where": set(),
                                          "scope": "test", "importers": set()})
        if base(package["ImportPath"]) in linked:
            entry["scope"] = "linked"
        found, where = package_licences(package, module_dir, cache)
        entry["licences"] |= found
        entry["where"].add(where)
    for package in packages:
        for imported in package.get("Imports", []):
            target = owner.get(imported)
            source = owner.get(package["ImportPath"], "std")
            if target in modules and source != target:
                modules[target]["importers"].add(source)

    rows, failures, notes = [], [], []
    for path in sorted(modules):
        entry = modules[path]
        licences = {treat_as[path]} if path in treat_as else entry["licences"]
        entry["licences"] = licences
        bad = sorted(licences - ALLOWED)
        status = "ok"
        if bad:
            allowed, via, reason = exceptions.get(path, (None, None, None))
            if allowed is None or bad != [allowed]:
                status = "FAIL"
                failures.append(f"{path} {entry['version']}: {', '.join(bad)} is not allowed"
                                + (f" (its exception allows {allowed})" if allowed else "")
                                + f" [{', '.join(sorted(entry['where']))}]")
            elif via and entry["importers"] - {via} - set(exceptions):
                status = "FAIL"
                failures.append(f"{path}: its {allowed} exception holds only when it is imported by "
                                f"{via}, and {', '.join(sorted(entry['importers'] - {via}))} imports it")
            else:
                status = "exception"
                notes.append(f"{path} ({allowed}): {reason}")
        rows.append((path, entry["version"], " + ".join(sorted(licences)), entry["scope"], status))
    for path in sorted(set(treat_as) - set(modules)):
        failures.append(f"--treat-as {path}: no such module in the graph of {main}")
    return main, rows, failures, notes


def print_table(title, rows):
    header = ("MODULE", "VERSION", "LICENCE", "SCOPE", "STATUS")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(title)
    for row in [header] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", metavar="DIR", help="a Go module's directory")
    parser.add_argument("--summary", metavar="FILE", help="write the one-line summary there too")
    parser.add_argument("--treat-as", action="append", default=[], metavar="MODULE=LICENCE",
                        help="take MODULE's licence to be LICENCE (to test the check)")
    args = parser.parse_args()
    treat_as = {}
    for item in args.treat_as:
        module, sep, licence = item.partition("=")
        if not sep:
            parser.error(f"--treat-as {item}: want MODULE=LICENCE")
        treat_as[module] = licence

    failed, counts, total, linked = False, Counter(), set(), set()
    for directory in args.dirs:
        main_module, rows, failures, notes = check(directory, treat_as)
        if rows:
            print_table(f"Go modules linked by {main_module} ({directory}):", rows)
        else:
            print(f"Go modules linked by {main_module} ({directory}): none (standard library only)")
        for note in notes:
            print(f"  exception: {note}")
        for failure in failures:
            print(f"  FAIL: {failure}")
        print()
        failed |= bool(failures)
        for row in rows:
            if (row[0], row[1]) not in total:
                total.add((row[0], row[1]))
                counts[row[2]] += 1
            if row[3] == "linked":
                linked.add((row[0], row[1]))
    summary = f"{len(total)} Go modules ({len(linked)} linked, {len(total - linked)} test-only): " + ", ".join(
        f"{n} {licence}" for licence, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    print(summary)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(summary + "\n")
    if failed:
        print("Go licence check: FAILED", file=sys.stderr)
        return 1
    print("Go licence check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
