package js

// Fuzz targets for the option readers (`go test -fuzz=^FuzzX$`; the seeds
// in testdata/fuzz run as plain tests). Each input is JSON text, turned into
// a JS value by JSON.parse and fuzzValueDecoder (below), which adds what
// JSON cannot express: ArrayBuffers, getters, throwing getters and
// toString/toJSON methods, proxies, symbols, BigInts. Text that is not JSON
// is used as a JS string. There is no script to run, so every input takes
// bounded time.
//
// The checks: no Go panic escapes a reader (a JS exception it lets through,
// from a throwing getter say, is the script's and fine), and each call
// returns either a value or an error, never both or neither.

import (
	"encoding/json"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// fuzzInputLimit bounds each input: larger ones add nothing but time.
const fuzzInputLimit = 4096

// fuzzValueDecoder rebuilds the value JSON.parse gave, with markers:
//   - {"$": "buffer", "v": "text"}: an ArrayBuffer of the text's char codes;
//     "typed" gives a Uint8Array instead;
//   - {"$": "throwing"}: an object whose toString, valueOf and toJSON throw;
//   - {"$": "proxy", "v": X}: X behind a Proxy whose ownKeys and get throw;
//     "revoked": a revoked Proxy;
//   - {"$": "symbol" | "function" | "date" | "map" | "class" | "undefined" |
//     "nan" | "infinity" | "negzero"}, {"$": "bigint", "v": "123"};
//   - in any other object, a key "get K" defines K as a getter returning the
//     value, "throw K" as a getter that throws, and "$proto" sets the
//     prototype (so inherited keys can be tried).
const fuzzValueDecoder = `(function decode(v) {
	if (Array.isArray(v)) return v.map(decode);
	if (v === null || typeof v !== 'object') return v;
	const bytes = (s) => {
		const b = new Uint8Array(String(s).length);
		for (let i = 0; i < b.length; i++) b[i] = String(s).charCodeAt(i) & 255;
		return b;
	};
	switch (v.$) {
	case 'buffer': return bytes(v.v).buffer;
	case 'typed': return bytes(v.v);
	case 'throwing': {
		const boom = () => { throw new Error('fuzz: throwing'); };
		return { toString: boom, valueOf: boom, toJSON: boom };
	}
	case 'proxy': return new Proxy(Object(decode(v.v)), {
		ownKeys() { throw new Error('fuzz: ownKeys'); },
		get() { throw new Error('fuzz: get'); },
	});
	case 'revoked': { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; }
	case 'symbol': return Symbol('fuzz');
	case 'function': return function fuzz() { return 1; };
	case 'date': return new Date(0);
	case 'map': return new Map([['a', 'b']]);
	case 'class': return new (class Fuzz { constructor() { this.a = 'b'; } })();
	case 'undefined': return undefined;
	case 'nan': return NaN;
	case 'infinity': return -Infinity;
	case 'negzero': return -0;
	case 'bigint': try { return BigInt(v.v); } catch (e) { return 0n; }
	}
	const out = {};
	for (const key of Object.keys(v)) {
		const value = decode(v[key]);
		if (key === '$proto') {
			if (value !== null && typeof value === 'object') Object.setPrototypeOf(out, value);
		} else if (key.startsWith('get ')) {
			Object.defineProperty(out, key.slice(4), { get: () => value, enumerable: true, configurable: true });
		} else if (key.startsWith('throw ')) {
			Object.defineProperty(out, key.slice(6), {
				get: () => { throw new Error('fuzz: getter ' + key); }, enumerable: true, configurable: true });
		} else {
			Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
		}
	}
	return out;
})`

// fuzzRuntime is a bare JS runtime (the readers need no VU) with the
// decoder, and JSON.stringify for readInvokeArgs. One serves every input of
// a process: the decoder only makes new objects, so an input leaves nothing
// behind for the next, and a runtime per input would cost more than the
// readers.
type fuzzRuntime struct {
	rt        *sobek.Runtime
	decode    sobek.Callable
	parse     sobek.Callable
	stringify sobek.Callable
}

var (
	sharedFuzzRuntime   *fuzzRuntime
	sharedFuzzRuntimeMu sync.Mutex
)

// withFuzzRuntime runs body with the process's fuzz runtime, made on first use.
func withFuzzRuntime(t *testing.T, body func(fr *fuzzRuntime)) {
	t.Helper()
	sharedFuzzRuntimeMu.Lock()
	defer sharedFuzzRuntimeMu.Unlock()
	if sharedFuzzRuntime == nil {
		sharedFuzzRuntime = newFuzzRuntime(t)
	}
	body(sharedFuzzRuntime)
}

func newFuzzRuntime(t *testing.T) *fuzzRuntime {
	t.Helper()
	rt := sobek.New()
	rt.SetMaxCallStackSize(1000)
	decoder, err := rt.RunString(fuzzValueDecoder)
	if err != nil {
		t.Fatalf("the decoder does not compile: %v", err)
	}
	jsonObject := rt.Get("JSON").ToObject(rt)
	fr := &fuzzRuntime{rt: rt}
	var ok [3]bool
	fr.decode, ok[0] = sobek.AssertFunction(decoder)
	fr.parse, ok[1] = sobek.AssertFunction(jsonObject.Get("parse"))
	fr.stringify, ok[2] = sobek.AssertFunction(jsonObject.Get("stringify"))
	if ok != [3]bool{true, true, true} {
		t.Fatal("the decoder, JSON.parse or JSON.stringify is not a function")
	}
	return fr
}

// value turns one fuzz input into a JS value: JSON, decoded; otherwise the
// text itself as a string.
func (fr *fuzzRuntime) value(input string) sobek.Value {
	parsed, err := fr.parse(sobek.Undefined(), fr.rt.ToValue(input))
	if err != nil {
		return fr.rt.ToValue(input)
	}
	decoded, err := fr.decode(sobek.Undefined(), parsed)
	if err != nil {
		return parsed // a decoder error (too deep, say): the plain JSON value
	}
	return decoded
}

// callReader runs one reader call. A JS exception the reader lets through
// (a throwing getter, a revoked proxy) is the script's: it reports true
// and the call has no result to check. Any other panic fails the test.
func callReader(t *testing.T, what string, call func()) (threw bool) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		switch r.(type) {
		// sobek throws its own errors (a revoked proxy's TypeError) as
		// values, and a script's as *Exception; invoke re-panics both.
		case sobek.Value, *sobek.Exception, *sobek.InterruptedError, *sobek.StackOverflowError:
			threw = true
		default:
			t.Fatalf("%s: a Go panic escaped: %v\n%s", what, r, debug.Stack())
		}
	}()
	call()
	return false
}

func skipLargeInputs(t *testing.T, inputs ...string) {
	t.Helper()
	total := 0
	for _, input := range inputs {
		total += len(input)
	}
	if total > fuzzInputLimit {
		t.Skip("input too large")
	}
}

// FuzzReadInvokeArgs: invoke(name, payload, options).
func FuzzReadInvokeArgs(f *testing.F) {
	for _, seed := range [][3]string{
		{`"add-numbers"`, `"{\"x\":1}"`, `{"logType":"Tail","tags":{"scenario":"a"}}`},
		{`"f"`, `{"$":"buffer","v":"{}"}`, `{"invocationType":"Event","qualifier":"prod","clientContext":"e30="}`},
		{`"f"`, `{"b":[1,"zoë"],"a":{"$":"throwing"}}`, `null`},
		{`42`, `"{}"`, `{"logtype":"Tail"}`},
		{`"f"`, `{"$":"proxy","v":{}}`, `{"throw logType":1}`},
		{`"f"`, `{"$":"symbol"}`, `{"tags":{"a":{"$":"throwing"}}}`},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, name, payload, options string) {
		skipLargeInputs(t, name, payload, options)
		withFuzzRuntime(t, func(fr *fuzzRuntime) {
			nameValue, payloadValue, optionsValue := fr.value(name), fr.value(payload), fr.value(options)
			var req *invocation
			var bad *invalidArgument
			if callReader(t, "readInvokeArgs", func() {
				req, bad = readInvokeArgs(nameValue, payloadValue, optionsValue, fr.stringify)
			}) {
				return
			}
			if (req == nil) == (bad == nil) {
				t.Fatalf("readInvokeArgs gave both or neither: %+v, %+v", req, bad)
			}
			if bad != nil {
				// The field may be empty: it is the option's key, and `{"": 1}`
				// has an empty one.
				if !strings.HasPrefix(bad.message, "invoke: ") {
					t.Fatalf("an error without its prefix: %+v", bad)
				}
				return
			}
			if want, ok := nameValue.Export().(string); !ok || req.FunctionName != want {
				t.Fatalf("function name %q, from %s", req.FunctionName, name)
			}
		})
	})
}

// FuzzReadTags: invoke's `tags` option.
func FuzzReadTags(f *testing.F) {
	for _, seed := range []string{
		`{"scenario":"a","n":1}`, `{"a":null}`, `{"a":{"b":1}}`, `[1,2]`, `"tags"`, `{"get a":"b","throw c":1}`,
		`{"$":"proxy","v":{"a":"b"}}`, `{"a":{"$":"throwing"}}`, `{"$proto":{"inherited":"x"},"own":"y"}`,
		`{"a":{"$":"symbol"}}`, `{"$":"revoked"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		skipLargeInputs(t, input)
		withFuzzRuntime(t, func(fr *fuzzRuntime) {
			value := fr.value(input)
			var tags map[string]string
			var err error
			if callReader(t, "readTags", func() { tags, err = readTags(value) }) {
				return
			}
			if err != nil && tags != nil {
				t.Fatalf("readTags gave tags and an error: %v, %v", tags, err)
			}
			if err == nil && tags == nil && !sobek.IsUndefined(value) && !sobek.IsNull(value) {
				t.Fatalf("readTags gave neither tags nor an error for %s", input)
			}
		})
	})
}

// FuzzReadClientConfig: AWSConfig's options and LambdaClient's, then the
// JSON they make, through the library's validation (lambda_config_validate).
func FuzzReadClientConfig(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"region":"us-east-1","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`,
			`{"timeout":"30s","maxAttempts":3,"transport":"sdk"}`},
		{`{"region":"eu-west-1","endpoint":{"href":"http://127.0.0.1:9000"}}`, `{"timeout":500}`},
		{`{"region":" "}`, `null`},
		{`{"endpoint":{"$":"throwing"}}`, `{"timeout":1e300}`},
		{`{"get region":"us-east-1","throw accessKeyId":1}`, `{"timeout":"-1s"}`},
		{`"us-east-1"`, `{"retries":1}`},
		{`{"region":"us-east-1","endpoint":{"$":"date"}}`, `{"timeout":{"$":"nan"},"maxAttempts":0}`},
		{`{"region":"us-east-1"}`, `{"pricing":{"architecture":"arm64","usdPerGbSecond":0.00001,"usdPerMillionRequests":0}}`},
		{`{"region":"us-east-1"}`, `{"pricing":{"usdPerGbSecond":{"$":"nan"},"usdPerMillionRequests":-1}}`},
		{`{"region":"us-east-1"}`, `{"pricing":{"architecture":"ARM64","extra":1}}`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, config, options string) {
		skipLargeInputs(t, config, options)
		withFuzzRuntime(t, func(fr *fuzzRuntime) {
			configValue, optionsValue := fr.value(config), fr.value(options)
			var cfg *clientConfig
			var err error
			if callReader(t, "readClientConfig", func() { cfg, err = readClientConfig(configValue) }) {
				return
			}
			if (cfg == nil) == (err == nil) {
				t.Fatalf("readClientConfig gave both or neither: %+v, %v", cfg, err)
			}
			if err != nil {
				return
			}
			checkConfigJSON(t, cfg.json())
			var prices pricing
			if callReader(t, "readClientOptions", func() { prices, err = readClientOptions(optionsValue, cfg) }) {
				return
			}
			if err != nil {
				if err.Error() == "" {
					t.Fatal("readClientOptions: an empty error")
				}
				return
			}
			// Accepted prices give a cost a Counter can take.
			for _, n := range []float64{prices.usdPerGbSecond, prices.usdPerMillionRequests} {
				if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
					t.Fatalf("readClientOptions accepted the prices %+v from %s", prices, options)
				}
			}
			data := cfg.json()
			checkConfigJSON(t, data)
			// What the constructors do next: the library's validation. It
			// accepts or refuses; a refusal is an InvalidAWSConfigError.
			if rejection := native.ValidateConfig(data); rejection != nil {
				refused := rejection.Decode()
				if refused == nil || refused.Name != "InvalidAWSConfigError" || refused.Message == "" {
					t.Fatalf("lambda_config_validate refused %s without a configuration error: %+v", data, refused)
				}
			}
		})
	})
}

// checkConfigJSON: the configuration's JSON is an object, as the library
// reads it.
func checkConfigJSON(t *testing.T, data []byte) {
	t.Helper()
	var object map[string]any
	if err := json.Unmarshal(data, &object); err != nil {
		t.Fatalf("the configuration JSON %s does not parse: %v", data, err)
	}
	if _, ok := object["region"].(string); !ok {
		t.Fatalf("the configuration JSON %s has no region", data)
	}
}
