# syntax=docker/dockerfile:1
#
# A k6 image with k6/x/lambda, for `docker run` and as a k6-operator runner
# (deploy/k6-operator/). Built from source with the scripts the tests run:
# scripts/release.sh builds the Rust core (scripts/build.sh), packs the Go
# module with the prebuilt library, and builds a fully static k6 from it
# with xk6, exactly as `xk6 build --with github.com/xk6-lambda/xk6-lambda`
# does; the tests run that k6 in an empty root with only busybox and
# /etc/hosts (tests/static_root.sh).
#
#   docker build -t xk6-lambda .
#   docker run --rm -v "$PWD/examples:/scripts" xk6-lambda run /scripts/invoke.js
#
# The build needs the .git directory in the context (the release tree is
# `git ls-files`); it needs network access to crates.io and the Go module
# proxy.

ARG GO_VERSION=1.26
ARG RUST_VERSION=1.95
ARG K6_IMAGE=grafana/k6:2.2.0

FROM golang:${GO_VERSION}-bookworm AS go

FROM rust:${RUST_VERSION}-bookworm AS build
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:/root/go/bin:$PATH \
    CGO_ENABLED=1
WORKDIR /src
COPY . .
# Any vX.Y.Z names the module version inside the image's build; the k6
# binary is the same whatever it is.
ARG VERSION=v0.0.0
RUN scripts/release.sh "$VERSION" && ./dist/k6 version

# The runner: k6 v2's own image, grafana/k6:2.2.0 (k6's Dockerfile at
# v2.2.0: Alpine 3.24 with busybox sh for k6-operator's initializer, user
# 12345 "k6", workdir /home/k6, `k6` as the entrypoint) with its k6 replaced
# by ours, the same k6 version with the extension. dist/k6 is static, so
# any base works, scratch and distroless too.
FROM ${K6_IMAGE}
COPY --from=build /src/dist/k6 /usr/bin/k6
