package js

import (
	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/common"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// liveCounts is `liveCounts()`: what the library has handed over and not
// had back, process-wide (not per VU): client handles, completion queues,
// invocation handles, invocations in flight, completions not yet freed and
// error strings not yet freed. Diagnostic, for a leak check in a test's
// teardown(): once every invocation has settled, inFlight, completions,
// invocations and strings are 0 (see tests/e2e/leaks.js).
func (mi *ModuleInstance) liveCounts() sobek.Value {
	rt := mi.runtime()
	counts, err := native.ReadLiveCounts()
	if err != nil {
		common.Throw(rt, err)
	}
	obj := rt.NewObject()
	for _, field := range []struct {
		name  string
		value int64
	}{
		{"clients", counts.Clients},
		{"queues", counts.Queues},
		{"invocations", counts.Invocations},
		{"inFlight", counts.InFlight},
		{"completions", counts.Completions},
		{"strings", counts.Strings},
	} {
		_ = obj.Set(field.name, field.value)
	}
	return obj
}
