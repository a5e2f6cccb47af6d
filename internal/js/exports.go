package js

import (
	"slices"

	"github.com/grafana/sobek"
)

// moduleExports is the module's export object (a sobek.DynamicObject):
// the classes and functions every VU gets, and the error classes, made on
// first read. Scripts cannot change it, as they cannot change an ES
// module's exports.
type moduleExports struct {
	values map[string]sobek.Value
	errors *errorClasses
}

func (e *moduleExports) Get(key string) sobek.Value {
	if v, ok := e.values[key]; ok {
		return v
	}
	if slices.Contains(errorClassNames, key) {
		return e.errors.class(key)
	}
	return nil
}

func (e *moduleExports) Set(string, sobek.Value) bool { return false }

func (e *moduleExports) Has(key string) bool {
	_, ok := e.values[key]
	return ok || slices.Contains(errorClassNames, key)
}

func (e *moduleExports) Delete(string) bool { return false }

func (e *moduleExports) Keys() []string {
	keys := make([]string, 0, len(e.values)+len(errorClassNames))
	for key := range e.values {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return append(keys, errorClassNames...)
}
