#!/usr/bin/env bash
# `tsc --strict --noEmit` over index.d.ts, examples/*.ts and tests/types/*.ts
# (tsconfig.json): the examples must type-check, and every misuse in
# tests/types/misuse.ts must stay a type error. TypeScript and @types/k6
# come from npm, pinned, into build/npm (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

TYPESCRIPT_VERSION=5.9.3
TYPES_K6_VERSION=1.7.0 # the newest for k6 v1 (2.x describes k6 v2)

command -v npm >/dev/null || die "npm not found: install Node.js"
npm_dir=build/npm
want="typescript@$TYPESCRIPT_VERSION @types/k6@$TYPES_K6_VERSION"
if [ "$(cat "$npm_dir/.installed" 2>/dev/null)" != "$want" ]; then
  log "installing $want (npm)"
  mkdir -p "$npm_dir"
  # shellcheck disable=SC2086 # two package specs
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" $want >/dev/null
  echo "$want" >"$npm_dir/.installed"
fi
"$npm_dir/node_modules/.bin/tsc" --version
"$npm_dir/node_modules/.bin/tsc" -p tsconfig.json
echo "tsc --strict: index.d.ts, examples/*.ts and tests/types/*.ts type-check"
