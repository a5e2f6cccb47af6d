//go:build !cgo

package native

// The Rust core is linked through cgo: without it there is no extension.
// This undefined name makes `CGO_ENABLED=0 xk6 build` (or go build) fail
// with a message that says what to do, instead of a list of missing C
// symbols.
var _ = xk6_lambda_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler
