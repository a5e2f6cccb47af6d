package js

import (
	"fmt"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// invocation is one invoke() call: what is sent, and the k6 tags of its
// samples (which are not sent).
type invocation struct {
	native.Request
	Tags map[string]string
}

// invocationOptions are the keys invoke's third argument may have.
var invocationOptions = map[string]func(*invocation, string){
	"invocationType": func(r *invocation, v string) { r.InvocationType = v },
	"logType":        func(r *invocation, v string) { r.LogType = v },
	"clientContext":  func(r *invocation, v string) { r.ClientContext = v },
	"qualifier":      func(r *invocation, v string) { r.Qualifier = v },
}

// invalidArgument is a script error found before anything was sent.
type invalidArgument struct {
	field, message string
}

func (e *invalidArgument) Error() string { return e.message }

// readInvokeArgs reads invoke's arguments. stringify is the VU's
// JSON.stringify, for object payloads.
func readInvokeArgs(name, payload, options sobek.Value, stringify sobek.Callable) (*invocation, *invalidArgument) {
	functionName, ok := name.Export().(string)
	if !ok {
		return nil, &invalidArgument{"name", "invoke: the function name must be a string, got " + describe(name)}
	}
	req := &invocation{Request: native.Request{FunctionName: functionName}}
	switch p := payload.Export().(type) {
	case nil: // undefined or null: an empty payload, as k6-jslib-aws sends
	case string:
		req.PayloadText = p // used in place, not copied: see native.Request
	case sobek.ArrayBuffer:
		req.PayloadBytes = p.Bytes()
	case map[string]any, []any:
		// A plain object or array is sent as its JSON text, as JSON.stringify
		// gives it (so toJSON methods and key order are respected).
		text, err := stringify(sobek.Undefined(), payload)
		if err != nil {
			return nil, &invalidArgument{"payload", "invoke: the payload object cannot be turned into JSON: " + err.Error()}
		}
		req.PayloadText = text.String()
	default:
		return nil, &invalidArgument{"payload", "invoke: the payload must be a string " +
			"(for example JSON.stringify({ x: 1 })), an ArrayBuffer or a plain object, got " + describe(payload)}
	}
	if options == nil || sobek.IsUndefined(options) || sobek.IsNull(options) {
		return req, nil
	}
	obj, ok := options.(*sobek.Object)
	if !ok {
		return nil, &invalidArgument{"options", "invoke: options must be an object, got " + describe(options)}
	}
	for _, key := range obj.Keys() {
		if key == "tags" {
			tags, err := readTags(obj.Get(key))
			if err != nil {
				return nil, &invalidArgument{key, "invoke: " + err.Error()}
			}
			req.Tags = tags
			continue
		}
		set, known := invocationOptions[key]
		if !known {
			return nil, &invalidArgument{key, fmt.Sprintf(
				"invoke: unknown option %q; known options: invocationType, logType, clientContext, qualifier, tags", key)}
		}
		value, err := optionalString(obj, key)
		if err != nil {
			return nil, &invalidArgument{key, "invoke: " + err.Error()}
		}
		if value != nil {
			set(req, *value)
		}
	}
	return req, nil
}

// readTags reads the per-call `tags` option: string values, like
// http.request params.tags.
func readTags(value sobek.Value) (map[string]string, error) {
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil
	}
	obj, ok := value.(*sobek.Object)
	if !ok {
		return nil, fmt.Errorf("tags must be an object of strings, got %s", describe(value))
	}
	tags := make(map[string]string, len(obj.Keys()))
	for _, key := range obj.Keys() {
		v := obj.Get(key)
		if _, isObject := v.(*sobek.Object); isObject || sobek.IsUndefined(v) || sobek.IsNull(v) {
			return nil, fmt.Errorf("tag %q must be a string, got %s", key, describe(v))
		}
		tags[key] = v.String()
	}
	return tags, nil
}
