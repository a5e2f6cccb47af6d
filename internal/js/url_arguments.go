package js

import (
	"fmt"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// urlCall is one invokeUrl() call: the request, the k6 tags of its
// samples, and the script's onChunk.
type urlCall struct {
	native.URLRequest
	Tags    map[string]string
	OnChunk sobek.Callable
}

// readURLArgs reads invokeUrl(url[, {method, body, headers, tags,
// onChunk}]). The URL, method and headers are checked by the library
// (what can be sent, which headers are its own to set); this reads their
// JS types.
func readURLArgs(url, params sobek.Value, stringify sobek.Callable) (*urlCall, *invalidArgument) {
	const method = "invokeUrl"
	text, ok := url.Export().(string)
	if !ok {
		return nil, &invalidArgument{"url", method + ": the function URL must be a string, got " + describe(url)}
	}
	call := &urlCall{URLRequest: native.URLRequest{URL: text}}
	if params == nil || sobek.IsUndefined(params) || sobek.IsNull(params) {
		return call, nil
	}
	obj, ok := params.(*sobek.Object)
	if !ok {
		return nil, &invalidArgument{"params", method + ": params must be an object, got " + describe(params)}
	}
	for _, key := range obj.Keys() {
		value := obj.Get(key)
		var bad *invalidArgument
		switch key {
		case "method":
			m, err := optionalString(obj, key)
			if err != nil {
				bad = &invalidArgument{key, method + ": " + err.Error()}
			} else if m != nil {
				call.Method = *m
			}
		case "body":
			call.BodyText, call.BodyBytes, bad = readBody(method, "body", value, stringify)
		case "headers":
			call.Headers, bad = readHeaders(value)
		case "tags":
			tags, err := readTags(value)
			if err != nil {
				bad = &invalidArgument{key, method + ": " + err.Error()}
			}
			call.Tags = tags
		case "onChunk":
			call.OnChunk, bad = readOnChunk(method, value)
		default:
			bad = &invalidArgument{key, fmt.Sprintf(
				"%s: unknown parameter %q; known parameters: method, body, headers, tags, onChunk", method, key)}
		}
		if bad != nil {
			return nil, bad
		}
	}
	return call, nil
}

// readHeaders reads `headers`: an object whose values are strings (numbers
// and booleans as their text, as k6/http takes them), in the object's order.
func readHeaders(value sobek.Value) ([][2]string, *invalidArgument) {
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil
	}
	obj, ok := value.(*sobek.Object)
	if !ok {
		return nil, &invalidArgument{"headers", "invokeUrl: headers must be an object of strings, got " + describe(value)}
	}
	keys := obj.Keys()
	headers := make([][2]string, 0, len(keys))
	for _, name := range keys {
		v := obj.Get(name)
		switch v.Export().(type) {
		case string, int64, float64, bool:
			headers = append(headers, [2]string{name, v.String()})
		default:
			return nil, &invalidArgument{"headers", fmt.Sprintf(
				"invokeUrl: header %q must be a string, got %s", name, describe(v))}
		}
	}
	return headers, nil
}
