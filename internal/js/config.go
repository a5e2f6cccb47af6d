package js

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// clientConfig is the JSON the library's lambda_client_new takes.
type clientConfig struct {
	Region          string  `json:"region"`
	AccessKeyID     *string `json:"accessKeyId,omitempty"`
	SecretAccessKey *string `json:"secretAccessKey,omitempty"`
	SessionToken    *string `json:"sessionToken,omitempty"`
	Endpoint        *string `json:"endpoint,omitempty"`
	TimeoutMs       *int64  `json:"timeoutMs,omitempty"`
	MaxAttempts     *int64  `json:"maxAttempts,omitempty"`
	Transport       *string `json:"transport,omitempty"`
	// Network is the VU's k6 network options, set at the first invoke
	// (the script's options are not known in the init context).
	Network *networkPolicy `json:"network,omitempty"`
}

// optionalString reads obj[key]: absent for undefined and null, an error
// for anything but a string.
func optionalString(obj *sobek.Object, key string) (*string, error) {
	value := obj.Get(key)
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil //nolint:nilnil // absent is not an error
	}
	s, ok := value.Export().(string)
	if !ok {
		return nil, fmt.Errorf("%s must be a string, got %s", key, describe(value))
	}
	return &s, nil
}

// describe names a JS value's type for error messages.
func describe(value sobek.Value) string {
	switch {
	case value == nil || sobek.IsUndefined(value):
		return "undefined"
	case sobek.IsNull(value):
		return "null"
	}
	switch exported := value.Export().(type) {
	case string:
		return "a string"
	case int64, float64:
		return fmt.Sprintf("the number %v", exported)
	case bool:
		return fmt.Sprintf("the boolean %v", exported)
	case sobek.ArrayBuffer:
		return "an ArrayBuffer"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// endpointString accepts a URL or host string, or an object with `href`
// (a URL or a k6-jslib-aws-like Endpoint) or a custom toString.
func endpointString(obj *sobek.Object) (*string, error) {
	value := obj.Get("endpoint")
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return nil, nil //nolint:nilnil // absent is not an error
	}
	if s, ok := value.Export().(string); ok {
		return &s, nil
	}
	if o, ok := value.(*sobek.Object); ok {
		if href := o.Get("href"); href != nil && !sobek.IsUndefined(href) {
			s := href.String()
			return &s, nil
		}
		s := o.String()
		return &s, nil
	}
	return nil, fmt.Errorf("endpoint must be a URL string, got %s", describe(value))
}

// readClientConfig reads an AWSConfig (or a plain object with its fields).
func readClientConfig(value sobek.Value) (*clientConfig, error) {
	obj, ok := value.(*sobek.Object)
	if !ok || value == nil {
		return nil, fmt.Errorf("expected an options object with at least `region`, got %s", describe(value))
	}
	var cfg clientConfig
	region, err := optionalString(obj, "region")
	if err != nil {
		return nil, err
	}
	if region != nil {
		cfg.Region = *region
	}
	for key, dst := range map[string]**string{
		"accessKeyId":     &cfg.AccessKeyID,
		"secretAccessKey": &cfg.SecretAccessKey,
		"sessionToken":    &cfg.SessionToken,
	} {
		if *dst, err = optionalString(obj, key); err != nil {
			return nil, err
		}
	}
	if cfg.Endpoint, err = endpointString(obj); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// readClientOptions reads LambdaClient's second argument: `timeout` (ms,
// or a duration string such as "30s"), `maxAttempts` and `transport` into
// cfg (what the library takes), and `pricing`, which stays in Go (the
// lambda_cost_usd Counter's prices): the architecture's defaults when it
// is not given. A value that cannot be is an *invalidOptionError.
func readClientOptions(value sobek.Value, cfg *clientConfig) (pricing, error) {
	prices := defaultPricing()
	if value == nil || sobek.IsUndefined(value) || sobek.IsNull(value) {
		return prices, nil
	}
	obj, ok := value.(*sobek.Object)
	if !ok {
		return pricing{}, fmt.Errorf("LambdaClient options must be an object, got %s", describe(value))
	}
	for _, key := range obj.Keys() {
		switch key {
		case "timeout":
			ms, err := durationMillis(obj.Get(key))
			if err != nil {
				return pricing{}, err
			}
			cfg.TimeoutMs = &ms
		case "maxAttempts":
			n, ok := obj.Get(key).Export().(int64)
			if !ok {
				return pricing{}, fmt.Errorf("maxAttempts must be a whole number, got %s", describe(obj.Get(key)))
			}
			cfg.MaxAttempts = &n
		case "transport":
			s, ok := obj.Get(key).Export().(string)
			if !ok {
				return pricing{}, fmt.Errorf("transport must be 'direct' or 'sdk', got %s", describe(obj.Get(key)))
			}
			cfg.Transport = &s
		case "pricing":
			var err error
			if prices, err = readPricing(obj.Get(key)); err != nil {
				return pricing{}, err
			}
		default:
			return pricing{}, fmt.Errorf("unknown LambdaClient option %q; known options: timeout, maxAttempts, transport, pricing", key)
		}
	}
	return prices, nil
}

func durationMillis(value sobek.Value) (int64, error) {
	switch v := value.Export().(type) {
	case int64:
		return v, nil
	case float64:
		return int64(v), nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("timeout %q is not a duration (e.g. \"30s\", \"500ms\", or milliseconds as a number)", v)
		}
		return d.Milliseconds(), nil
	default:
		return 0, fmt.Errorf("timeout must be milliseconds or a duration string, got %s", describe(value))
	}
}

func (c *clientConfig) json() []byte {
	// #nosec G117 -- the keys go to the Rust core over the C ABI (which
	// signs with them), never to a log or over the network as JSON.
	data, _ := json.Marshal(c) // plain strings and numbers: cannot fail
	return data
}

// awsConfigClass builds the AWSConfig constructor with its static
// fromEnvironment, as k6-jslib-aws has them.
func (mi *ModuleInstance) awsConfigClass() *sobek.Object {
	rt := mi.runtime()
	class := rt.ToValue(func(call sobek.ConstructorCall) *sobek.Object {
		cfg, err := readClientConfig(call.Argument(0))
		if err != nil {
			panic(mi.errors.invalidConfig("invalid AWS configuration: " + err.Error()))
		}
		if r := native.ValidateConfig(cfg.json()); r != nil {
			panic(mi.errors.fromOutcome(r.Decode()))
		}
		this := call.This
		_ = this.Set("region", cfg.Region)
		setOptional(this, "accessKeyId", cfg.AccessKeyID)
		setOptional(this, "secretAccessKey", cfg.SecretAccessKey)
		setOptional(this, "sessionToken", cfg.SessionToken)
		setOptional(this, "endpoint", cfg.Endpoint)
		return nil
	}).ToObject(rt)

	// fromEnvironment reads __ENV like k6-jslib-aws (so `-e` flags count):
	// AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
	_ = class.Set("fromEnvironment", func(call sobek.FunctionCall) sobek.Value {
		env := rt.Get("__ENV")
		options := rt.NewObject()
		// #nosec G101 -- names of environment variables, not credentials.
		envKeys := map[string]string{
			"region":          "AWS_REGION",
			"accessKeyId":     "AWS_ACCESS_KEY_ID",
			"secretAccessKey": "AWS_SECRET_ACCESS_KEY",
			"sessionToken":    "AWS_SESSION_TOKEN",
		}
		if envObj, ok := env.(*sobek.Object); ok {
			for field, key := range envKeys {
				if v := envObj.Get(key); v != nil && !sobek.IsUndefined(v) {
					_ = options.Set(field, v)
				}
			}
		}
		if connection, ok := call.Argument(0).(*sobek.Object); ok {
			if endpoint := connection.Get("endpoint"); endpoint != nil {
				_ = options.Set("endpoint", endpoint)
			}
		}
		instance, err := rt.New(class, options)
		if err != nil {
			panic(err)
		}
		return instance
	})
	return class
}

func setOptional(obj *sobek.Object, key string, value *string) {
	if value != nil {
		_ = obj.Set(key, *value)
	}
}
