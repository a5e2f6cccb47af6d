//go:build xk6_lambda_custom_lib

package native

// With the build tag xk6_lambda_custom_lib, no prebuilt library is linked:
// the Rust core built from source for this platform (musl, arm64, ...)
// comes from the environment, e.g.
//
//	CGO_LDFLAGS="/path/to/libxk6_lambda.a -lutil -lrt -lpthread -lm -ldl" \
//	  xk6 build --with github.com/xk6-lambda/xk6-lambda@vX.Y.Z \
//	  --build-flags=-tags=xk6_lambda_custom_lib
//
// (README, "Other platforms").
