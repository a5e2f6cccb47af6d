// Package js is the JavaScript side of `k6/x/lambda`: the module, its
// classes (AWSConfig, LambdaClient, the error classes), promises settled on
// the VU's event loop, and k6 metrics. The Rust core is reached only
// through package native.
package js

import (
	"fmt"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
)

// ImportPath is the name scripts import.
const ImportPath = "k6/x/lambda"

// New is the process-wide module that register.go registers.
func New() *RootModule { return new(RootModule) }

// RootModule is the process-wide module; it makes one instance per VU.
type RootModule struct{}

// ModuleInstance is the module as one VU sees it.
type ModuleInstance struct {
	vu        modules.VU
	errors    *errorClasses
	exports   *sobek.Object  // the default export; named imports read it
	stringify sobek.Callable // the VU's JSON.stringify
	metrics   *lambdaMetrics
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*ModuleInstance)(nil)
)

// NewModuleInstance builds the VU's classes. It does no I/O, so that
// `k6 inspect` and `k6 archive` work with no endpoint and no credentials.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	rt := vu.Runtime()
	errors := newErrorClasses(rt)
	stringify, ok := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
	if !ok {
		common.Throw(rt, fmt.Errorf("xk6-lambda: JSON.stringify is not a function"))
	}
	lambdaMetrics, err := registerMetrics(vu.InitEnv().Registry)
	if err != nil {
		common.Throw(rt, fmt.Errorf("xk6-lambda: registering metrics: %w", err))
	}
	mi := &ModuleInstance{vu: vu, errors: errors, stringify: stringify, metrics: lambdaMetrics}
	mi.exports = rt.NewDynamicObject(&moduleExports{
		values: map[string]sobek.Value{
			"AWSConfig":    mi.awsConfigClass(),
			"LambdaClient": rt.ToValue(mi.newLambdaClient),
			"exampleEvent": rt.ToValue(mi.exampleEvent),
			"liveCounts":   rt.ToValue(mi.liveCounts),
		},
		errors: errors,
	})
	return mi
}

// Exports is the module as one object, which k6 reads for named imports
// too (`import { AWSError } from 'k6/x/lambda'` reads its AWSError): the
// error classes are made when first read (see errorClasses).
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Default: mi.exports}
}

// runtime is a shorthand used by the bindings.
func (mi *ModuleInstance) runtime() *sobek.Runtime {
	return mi.vu.Runtime()
}
