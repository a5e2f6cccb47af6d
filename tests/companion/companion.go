// Package companion is a second k6 extension, `k6/x/companion`, written
// for one test only (tests/xk6_build.sh): it is built into the same k6 as
// k6/x/lambda with `xk6 build --with …=./companion`, to prove that the
// two share one k6 v2 (no "conflicting k6 versions", both modules active).
// It requires an older k6 v2 than the extension on purpose: xk6 must
// resolve both to the k6 it builds.
package companion

import (
	"go.k6.io/k6/v2/js/modules"
)

func init() {
	modules.Register("k6/x/companion", new(Companion))
}

// Companion is the module's default export.
type Companion struct{}

// Sum adds two numbers; a script compares it with the answer of the
// add-numbers Lambda function, which does the same.
func (*Companion) Sum(x, y float64) float64 { return x + y }
