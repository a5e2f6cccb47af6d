#!/usr/bin/env bash
# scripts/release.sh VERSION: what a release of xk6-lambda VERSION (vX.Y.Z)
# ships, under dist/ (git-ignored):
#   dist/goproxy/     a Go module proxy directory (GOPROXY=file://...) with
#                     github.com/xk6-lambda/xk6-lambda@VERSION: the module
#                     zip holds the prebuilt lib/linux_amd64/libxk6_lambda.a,
#                     as the public proxy serves a release tag whose tree
#                     carries it (README, "Releasing")
#   dist/k6           a fully static k6 with the extension, built by xk6
#                     from dist/goproxy exactly as a user's `xk6 build` is
#   dist/xk6-lambda_VERSION_linux_amd64.tar.gz
#                     the static library, its header, lambda-invoke, docs
#   dist/SHA256SUMS
# The Rust core is built once, by scripts/build.sh (which also links
# build/k6); nothing here compiles Rust again.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

version=${1:-}
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "usage: scripts/release.sh vX.Y.Z"

if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  log "warning: the work tree has uncommitted changes: they go into this release tree"
fi

scripts/build.sh
scripts/check-archive.sh
ensure_xk6

rm -rf dist
mkdir -p dist

# The files git knows and does not ignore, as they are in the work tree (in
# a clean checkout: the commit), plus the library.
log "release tree: the checkout's files plus $NATIVE_LIB"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done |
  xargs -0 cp --parents -t "$tree"
cp --parents -t "$tree" "$NATIVE_LIB"

log "dist/goproxy: $MODULE_PATH@$version (zip made by golang.org/x/mod/zip)"
(cd tools && go build -o "$OLDPWD/build/tools/modzip" ./modzip)
build/tools/modzip -module "$MODULE_PATH" -version "$version" -dir "$tree" -out dist/goproxy
zip=dist/goproxy/$MODULE_PATH/@v/$version.zip
log "module zip: $(du -h "$zip" | cut -f1)"

log "dist/k6: static, built by xk6 $XK6_VERSION from dist/goproxy"
xk6_from_proxy "$PWD/dist/goproxy" "$version" "$PWD/dist/k6" \
  --build-flags=-trimpath --build-flags=-tags=netgo,osusergo \
  --build-flags="-ldflags=-s -w -linkmode=external -extldflags=-static"
linkage=$(ldd dist/k6 2>&1 || true)
[[ $linkage == *"not a dynamic executable"* ]] || die "dist/k6 is not fully static: $linkage"
log "dist/k6: $(du -h dist/k6 | cut -f1), ldd: $(echo "$linkage" | xargs)"

archive=xk6-lambda_${version}_linux_amd64
log "dist/$archive.tar.gz"
mkdir -p "dist/$archive"
cp "$NATIVE_LIB" include/xk6_lambda.h build/lambda-invoke LICENSE README.md CHANGELOG.md "dist/$archive/"
tar -C dist -czf "dist/$archive.tar.gz" "$archive"
rm -rf "dist/$archive"

(cd dist && sha256sum k6 "$archive.tar.gz" "goproxy/$MODULE_PATH/@v/$version".{zip,mod,info} >SHA256SUMS)
log "dist/SHA256SUMS:"
cat dist/SHA256SUMS >&2
