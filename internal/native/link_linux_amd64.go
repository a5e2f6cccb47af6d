//go:build linux && amd64 && !xk6_lambda_custom_lib

package native

// The prebuilt Rust core for linux/amd64, shipped in the module (a release
// tree carries lib/linux_amd64; a checkout builds it with scripts/build.sh).
// The system libraries are what `cargo rustc --print native-static-libs`
// lists, less -lgcc_s: gcc adds libgcc itself, and with -static an
// explicit -lgcc_s cannot be satisfied.

/*
#cgo LDFLAGS: ${SRCDIR}/../../lib/linux_amd64/libxk6_lambda.a -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
