#!/usr/bin/env bash
# Licence check of everything this repository links: fails when a copyleft
# licence, or one that cannot be told, enters a dependency graph; prints a
# table per language and a one-line summary.
#
#  - Rust: `cargo deny check licenses` (deny.toml: permissive allow-list,
#    per-crate exceptions with their reasons) over the workspace and over the
#    fuzz crate, a workspace of its own (fuzz/Cargo.toml). cargo-deny is
#    installed from crates.io at the version pinned below.
#  - Go: scripts/go_licenses.py over the extension's packages (the root
#    package and internal/, their dependencies, tests included;
#    go.k6.io/k6/v2 is the one copyleft module allowed), tests/companion
#    (the same) and tests/lambdaserver (permissive only). cmd/k6 is k6's
#    main package, a k6 binary: k6's licence and k6's own dependencies
#    (README, "Licences"). tools/go.mod is not checked: xk6 builds k6 and
#    nothing of it is linked into what this repository ships.
#
# Exit status: 0 when both checks pass, 1 when either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh disable=SC1091 # followed with shellcheck -x
source scripts/lib.sh

# The newest 0.19 release (0.19.9): builds with Rust 1.88 and later.
CARGO_DENY_VERSION=0.19.9

# Installed as a debug build: cargo-deny's release profile is fat LTO with
# one codegen unit, 5 min 27 s to build here, where --debug takes 80 s; the
# licence check then takes 1.5 s instead of 0.5.
ensure_cargo_deny() {
  if ! command -v cargo-deny >/dev/null || [ "$(cargo-deny --version | awk '{print $2}')" != "$CARGO_DENY_VERSION" ]; then
    log "installing cargo-deny $CARGO_DENY_VERSION (crates.io, debug build; about a minute)"
    cargo install --quiet --locked --debug cargo-deny --version "$CARGO_DENY_VERSION"
  fi
}

ensure_rust
ensure_go
command -v python3 >/dev/null || die "python3 not found"
ensure_cargo_deny

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# The Rust graphs: the workspace ("main") and the fuzz crate's ("fuzz").
for graph in main fuzz; do
  manifest=Cargo.toml
  [ "$graph" = main ] || manifest=fuzz/Cargo.toml
  log "Rust ($graph): cargo deny check licenses ($manifest)"
  if ! cargo deny --locked --manifest-path "$manifest" check --config deny.toml licenses; then
    status=1
  fi
  cargo deny --locked --manifest-path "$manifest" list --config deny.toml --layout crate --format json >"$work/$graph.list.json"
  cargo metadata --locked --quiet --format-version 1 --all-features --manifest-path "$manifest" >"$work/$graph.metadata.json"
done

# The table: every crate of either graph (this repository's own unpublished
# crates left out, as in the check), its licence as declared in its
# Cargo.toml, which graph it is in, and any deny.toml exception for it.
python3 - "$work" <<'EOF'
import json, re, sys, tomllib
from collections import Counter

work = sys.argv[1]
with open("deny.toml", "rb") as f:
    exceptions = {e["crate"].split("@")[0]: e["allow"] for e in tomllib.load(f)["licenses"].get("exceptions", [])}
crates = {}
for graph in ("main", "fuzz"):
    with open(f"{work}/{graph}.metadata.json") as f:
        declared = {(p["name"], p["version"]): p for p in json.load(f)["packages"]}
    with open(f"{work}/{graph}.list.json") as f:
        listed = json.load(f)
    for key, value in listed.items():
        name, version, source = key.split(" ", 2)
        if not source.startswith("registry+") and not source.startswith("sparse+") and not source.startswith("git+"):
            continue  # a workspace crate of this repository
        package = declared.get((name, version), {})
        expression = package.get("license") or (
            "file " + str(package.get("license_file")) + ": " + " AND ".join(value["licenses"]))
        entry = crates.setdefault((name, version), {"licence": expression, "ids": value["licenses"], "graphs": []})
        entry["graphs"].append(graph)


def group(expression):
    """The summary's name for a licence expression: 'MIT OR Apache-2.0' and
    'Apache-2.0/MIT' alike are 'Apache-2.0/MIT' (either), 'A AND B' is
    'A + B' (both), and a mix of the two lists its licences with '&' (the
    table has the expression)."""
    flat = re.sub(r"\s+", " ", expression.replace("/", " OR ")).strip()
    parts = lambda sep: sorted({p.strip("() ") for p in re.split(sep, flat)})  # noqa: E731
    if " AND " not in flat:
        return "/".join(parts(" OR "))
    if " OR " not in flat:
        return " + ".join(parts(" AND "))
    return " & ".join(parts(" AND | OR "))


rows = []
for (name, version), entry in sorted(crates.items()):
    note = ""
    if name in exceptions:
        note = "exception: " + ", ".join(exceptions[name]) + " (deny.toml)"
    rows.append((name, version, entry["licence"], "+".join(entry["graphs"]), note))
header = ("CRATE", "VERSION", "LICENCE", "GRAPH", "NOTE")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
print("Rust crates (graph main: the workspace, fuzz: fuzz/Cargo.toml; x86_64-unknown-linux-gnu, all features, dev and build dependencies):")
for row in [header] + rows:
    print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
counts = Counter(group(entry["licence"]) for entry in crates.values())
summary = f"{len(crates)} crates: " + ", ".join(
    f"{n} {licence}" for licence, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
print()
print(summary)
with open(f"{work}/rust.summary", "w") as f:
    f.write(summary + "\n")
EOF

log "Go: scripts/go_licenses.py . tests/companion tests/lambdaserver"
if ! python3 scripts/go_licenses.py --summary "$work/go.summary" . tests/companion tests/lambdaserver; then
  status=1
fi

echo
echo "Summary: $(cat "$work/rust.summary"); $(cat "$work/go.summary" 2>/dev/null || echo "Go modules: not listed")"
if [ "$status" -ne 0 ]; then
  echo "licence check: FAILED (see above)" >&2
else
  echo "licence check: ok (Rust: cargo-deny $CARGO_DENY_VERSION, deny.toml; Go: scripts/go_licenses.py)"
fi
exit "$status"
