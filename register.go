// Package lambda registers the k6 extension `k6/x/lambda`: AWS Lambda
// Invoke from k6 scripts, backed by a Rust core linked in through cgo.
//
// Importing this package (what `xk6 build --with
// github.com/xk6-lambda/xk6-lambda` generates) is all a k6 binary needs.
// The code lives in internal/js (the JavaScript module) and
// internal/native (the cgo bridge to lib/<platform>/libxk6_lambda.a).
package lambda

import (
	"go.k6.io/k6/v2/js/modules"

	"github.com/xk6-lambda/xk6-lambda/internal/js"
)

func init() {
	modules.Register(js.ImportPath, js.New())
}
