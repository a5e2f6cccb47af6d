package js

import (
	"fmt"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// invocation is one invoke() or invokeWithResponseStream() call: what is
// sent, the k6 tags of its samples (which are not sent), and the script's
// onChunk (invokeWithResponseStream only).
type invocation struct {
	native.Request
	Tags    map[string]string
	OnChunk sobek.Callable
}

// invocationOptions are the keys invoke's third argument may have.
var invocationOptions = map[string]func(*invocation, string){
	"invocationType": func(r *invocation, v string) { r.InvocationType = v },
	"logType":        func(r *invocation, v string) { r.LogType = v },
	"clientContext":  func(r *invocation, v string) { r.ClientContext = v },
	"qualifier":      func(r *invocation, v string) { r.Qualifier = v },
	"tenantId":       func(r *invocation, v string) { r.TenantID = v },
	// Invoke only: InvokeWithResponseStream has no such parameter.
	"durableExecutionName": func(r *invocation, v string) { r.DurableExecutionName = v },
}

// nonEmptyOptions are the options an empty string cannot be: the C ABI
// takes an empty text as "not set", so the library would never see it,
// and Lambda refuses an empty tenant ID or execution name.
var nonEmptyOptions = map[string]bool{"tenantId": true, "durableExecutionName": true}

// streamOnlyLacks are invoke's options that InvokeWithResponseStream does
// not have.
var streamOnlyLacks = map[string]bool{"durableExecutionName": true}

// knownOptions lists the options of invoke, or of invokeWithResponseStream.
func knownOptions(streaming bool) string {
	if streaming {
		return "invocationType, logType, clientContext, qualifier, tenantId, tags, onChunk"
	}
	return "invocationType, logType, clientContext, qualifier, tenantId, durableExecutionName, tags"
}

// invalidArgument is a script error found before anything was sent.
type invalidArgument struct {
	field, message string
}

func (e *invalidArgument) Error() string { return e.message }

// readInvokeArgs reads invoke's arguments. stringify is the VU's
// JSON.stringify, for object payloads.
func readInvokeArgs(name, payload, options sobek.Value, stringify sobek.Callable) (*invocation, *invalidArgument) {
	return readCallArgs("invoke", name, payload, options, stringify)
}

// readCallArgs reads the arguments of `method` (invoke, or
// invokeWithResponseStream, which also takes onChunk).
func readCallArgs(method string, name, payload, options sobek.Value, stringify sobek.Callable) (*invocation, *invalidArgument) {
	functionName, ok := name.Export().(string)
	if !ok {
		return nil, &invalidArgument{"name", method + ": the function name must be a string, got " + describe(name)}
	}
	req := &invocation{Request: native.Request{FunctionName: functionName}}
	text, bytes, bad := readBody(method, "payload", payload, stringify)
	if bad != nil {
		return nil, bad
	}
	req.PayloadText, req.PayloadBytes = text, bytes
	if options == nil || sobek.IsUndefined(options) || sobek.IsNull(options) {
		return req, nil
	}
	obj, ok := options.(*sobek.Object)
	if !ok {
		return nil, &invalidArgument{"options", method + ": options must be an object, got " + describe(options)}
	}
	streaming := method != "invoke"
	for _, key := range obj.Keys() {
		switch {
		case key == "tags":
			tags, err := readTags(obj.Get(key))
			if err != nil {
				return nil, &invalidArgument{key, method + ": " + err.Error()}
			}
			req.Tags = tags
			continue
		case key == "onChunk" && streaming:
			if req.OnChunk, bad = readOnChunk(method, obj.Get(key)); bad != nil {
				return nil, bad
			}
			continue
		}
		set, known := invocationOptions[key]
		if streaming && streamOnlyLacks[key] {
			return nil, &invalidArgument{key, fmt.Sprintf(
				"%s: unknown option %q: InvokeWithResponseStream has no durable execution; "+
					"known options: %s", method, key, knownOptions(streaming))}
		}
		if !known {
			return nil, &invalidArgument{key, fmt.Sprintf("%s: unknown option %q; known options: %s",
				method, key, knownOptions(streaming))}
		}
		value, err := optionalString(obj, key)
		if err != nil {
			return nil, &invalidArgument{key, method + ": " + err.Error()}
		}
		if value != nil && *value == "" && nonEmptyOptions[key] {
			return nil, &invalidArgument{key, method + ": " + key + " must be a non-empty string, got an empty string"}
		}
		if value != nil {
			set(req, *value)
		}
	}
	return req, nil
}

// readBody reads a payload or body: text (a JS string, used in place, not
// copied: see native.Request), an ArrayBuffer's bytes, or a plain object
// or array sent as its JSON text, as JSON.stringify gives it (so toJSON
// methods and key order are respected). undefined and null are empty, as
// k6-jslib-aws sends them.
func readBody(method, field string, value sobek.Value, stringify sobek.Callable) (string, []byte, *invalidArgument) {
	switch p := value.Export().(type) {
	case nil:
		return "", nil, nil
	case string:
		return p, nil, nil
	case sobek.ArrayBuffer:
		return "", p.Bytes(), nil
	case map[string]any, []any:
		text, err := stringify(sobek.Undefined(), value)
		if err != nil {
			return "", nil, &invalidArgument{field, method + ": the " + field + " object cannot be turned into JSON: " + err.Error()}
		}
		return text.String(), nil, nil
	default:
		return "", nil, &invalidArgument{field, method + ": the " + field + " must be a string " +
			"(for example JSON.stringify({ x: 1 })), an ArrayBuffer or a plain object, got " + describe(value)}
	}
}

// readOnChunk reads the onChunk option: a function, or nothing.
func readOnChunk(method string, value sobek.Value) (sobek.Callable, *invalidArgument) {
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil
	}
	fn, ok := sobek.AssertFunction(value)
	if !ok {
		return nil, &invalidArgument{"onChunk", method + ": onChunk must be a function, got " + describe(value)}
	}
	return fn, nil
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
