//go:build cgo && !xk6_lambda_custom_lib && !(linux && amd64)

package native

// Only linux/amd64 has a prebuilt library in the module. Elsewhere the
// build stops here with a name that says what to do, instead of a list of
// missing C symbols: build the Rust core from source and link it with the
// xk6_lambda_custom_lib tag (README, "Other platforms").
var _ = xk6_lambda_has_no_prebuilt_library_for_this_platform__build_it_from_source_see_README
