// Package js is the JavaScript side of `k6/x/lambda`: the module, its
// classes (AWSConfig, LambdaClient, the error classes), promises settled on
// the VU's event loop, and k6 metrics. The Rust core is reached only
// through package native.
package js

import (
	"fmt"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
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
	exports   map[string]any
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
	errors, err := newErrorClasses(rt)
	if err != nil {
		common.Throw(rt, err)
	}
	stringify, ok := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
	if !ok {
		common.Throw(rt, fmt.Errorf("xk6-lambda: JSON.stringify is not a function"))
	}
	lambdaMetrics, err := registerMetrics(vu.InitEnv().Registry)
	if err != nil {
		common.Throw(rt, fmt.Errorf("xk6-lambda: registering metrics: %w", err))
	}
	mi := &ModuleInstance{vu: vu, errors: errors, stringify: stringify, metrics: lambdaMetrics}
	mi.exports = map[string]any{
		"AWSConfig":    mi.awsConfigClass(),
		"LambdaClient": rt.ToValue(mi.newLambdaClient),
		"exampleEvent": mi.exampleEvent,
		"liveCounts":   mi.liveCounts,
	}
	for name, class := range errors.exports {
		mi.exports[name] = class
	}
	return mi
}

// Exports lists the module's named exports.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: mi.exports}
}

// runtime is a shorthand used by the bindings.
func (mi *ModuleInstance) runtime() *sobek.Runtime {
	return mi.vu.Runtime()
}
