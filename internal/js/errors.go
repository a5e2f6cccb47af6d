package js

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/common"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

//go:embed errors.js
var errorsSource string

// The error classes are compiled once per process and evaluated once per VU.
var compileErrorClasses = sync.OnceValues(func() (*sobek.Program, error) {
	return sobek.Compile("k6/x/lambda/errors.js", errorsSource, true)
})

// errorClassNames are the classes errors.js returns, in its order
// (TestErrorClassNamesAreWhatErrorsJSDefines keeps the two in step).
var errorClassNames = []string{
	"AWSError", "InvalidSignatureError", "InvalidAWSConfigError", "LambdaInvocationError",
	"NetworkError", "GeneralError", "DNSError", "TCPError", "TLSError", "HTTP2Error",
	"CredentialsError", "InvalidInvocationError",
}

// errorClasses are one VU's JS error constructors, made the first time the
// VU needs one: when the script reads an error class export, or when an
// invocation rejects. Why lazily: evaluating errors.js costs a VU about
// 20 KB of heap (twelve classes: 20 MB at 1,000 VUs, inuse_space of k6's
// heap profile), which a script that never sees an error need not pay.
// Only the VU's own goroutine uses them.
type errorClasses struct {
	rt      *sobek.Runtime
	exports map[string]sobek.Value // nil until evaluated
}

func newErrorClasses(rt *sobek.Runtime) *errorClasses {
	return &errorClasses{rt: rt}
}

// class is the named class, evaluating errors.js first if needed. A
// failure there is a bug of ours: it is thrown into the script.
func (c *errorClasses) class(name string) sobek.Value {
	if c.exports == nil {
		program, err := compileErrorClasses()
		if err != nil {
			common.Throw(c.rt, fmt.Errorf("xk6-lambda: compiling errors.js: %w", err))
		}
		value, err := c.rt.RunProgram(program)
		if err != nil {
			common.Throw(c.rt, fmt.Errorf("xk6-lambda: evaluating errors.js: %w", err))
		}
		obj := value.ToObject(c.rt)
		exports := make(map[string]sobek.Value, len(errorClassNames))
		for _, key := range obj.Keys() {
			exports[key] = obj.Get(key)
		}
		c.exports = exports
	}
	return c.exports[name]
}

// construct calls `new <class>(args...)`. The classes are our own code, so
// a failure here is a bug: it degrades to a plain Error rather than panic.
func (c *errorClasses) construct(class string, args ...any) *sobek.Object {
	values := make([]sobek.Value, len(args))
	for i, arg := range args {
		values[i] = c.rt.ToValue(arg)
	}
	constructor, _ := c.class(class).(*sobek.Object)
	if constructor == nil {
		return c.rt.NewGoError(fmt.Errorf("%s: %v", class, args))
	}
	obj, err := c.rt.New(constructor, values...)
	if err != nil {
		return c.rt.NewGoError(fmt.Errorf("%s: %v", class, args))
	}
	return obj
}

// plain builds an Error with a given name, for kinds with no class.
func (c *errorClasses) plain(name, message string) *sobek.Object {
	obj := c.rt.NewGoError(fmt.Errorf("%s", message))
	_ = obj.Set("name", name)
	return obj
}

func (c *errorClasses) invalidConfig(message string) *sobek.Object {
	return c.construct("InvalidAWSConfigError", message)
}

func (c *errorClasses) invalidInvocation(field, message string) *sobek.Object {
	return c.construct("InvalidInvocationError", message, field)
}

// signatureCodes are the service errors k6-jslib-aws raises as InvalidSignatureError.
var signatureCodes = map[string]bool{
	"InvalidSignatureException":    true,
	"AuthorizationHeaderMalformed": true,
}

// networkErrorClasses are the NetworkError subclasses of errors.js, by the
// names the library gives network errors.
var networkErrorClasses = map[string]bool{
	"GeneralError": true, "DNSError": true, "TCPError": true, "TLSError": true, "HTTP2Error": true,
}

// fromOutcome builds the JS error for a failed invocation.
func (c *errorClasses) fromOutcome(e *native.OutcomeError) *sobek.Object {
	switch e.Kind {
	case native.KindValidation:
		return c.invalidInvocation(e.Field, e.Message)
	case native.KindConfig:
		return c.invalidConfig(e.Message)
	case native.KindService:
		code, _ := e.Code.(string)
		var obj *sobek.Object
		if signatureCodes[code] {
			obj = c.construct("InvalidSignatureError", e.Message, code)
		} else {
			// An AWSError whose name is the AWS type, so that scripts can
			// test err.name === 'ResourceNotFoundException'.
			obj = c.construct("AWSError", e.Message, code)
			_ = obj.Set("name", e.Name)
		}
		_ = obj.Set("statusCode", e.StatusCode)
		if e.RequestID != "" {
			_ = obj.Set("requestId", e.RequestID)
		}
		if e.RetryAfterSeconds != nil {
			_ = obj.Set("retryAfterSeconds", *e.RetryAfterSeconds)
		}
		if e.Reason != "" {
			_ = obj.Set("reason", e.Reason)
		}
		return obj
	case native.KindNetwork:
		code := e.Code
		if f, ok := code.(float64); ok {
			code = int64(f)
		}
		if networkErrorClasses[e.Name] {
			return c.construct(e.Name, e.Message, code)
		}
		return c.construct("NetworkError", e.Message, e.Name, code)
	case native.KindCredentials:
		return c.construct("CredentialsError", e.Message, e.Code)
	default:
		obj := c.plain(e.Name, e.Message)
		_ = obj.Set("code", e.Code)
		return obj
	}
}
