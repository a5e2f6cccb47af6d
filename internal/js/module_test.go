package js

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// fakeLambda answers the Invoke API the way AWS does for a few functions.
func fakeLambda(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			w.Header().Set("X-Amzn-ErrorType", "MissingAuthenticationTokenException")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("X-Amzn-RequestId", "req-1")
		switch name {
		case "add-numbers":
			w.Header().Set("X-Amz-Executed-Version", "$LATEST")
			if r.Header.Get("X-Amz-Log-Type") == "Tail" {
				w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte("START\nREPORT RequestId: req-1\n")))
			}
			_, _ = w.Write([]byte("3"))
		case "echo":
			body, _ := io.ReadAll(r.Body)
			_, _ = w.Write(body)
		case "fails":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = w.Write([]byte(`{"errorType":"Boom","errorMessage":"it failed"}`))
		case "slow":
			select {
			case <-r.Context().Done():
				t.Logf("slow: client went away after %v", time.Since(time.Now()))
			case <-time.After(3 * time.Second):
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = fmt.Fprintf(w, `{"Type":"User","Message":"Function not found: %s"}`, name)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// newInitRuntime is a VU runtime in the init context, with the module's
// exports as globals.
func newInitRuntime(t *testing.T) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	mi := new(RootModule).NewModuleInstance(rt.VU)
	exports := mi.Exports().Default.(*sobek.Object)
	for _, name := range exports.Keys() {
		require.NoError(t, rt.VU.Runtime().Set(name, exports.Get(name)))
	}
	return rt
}

// sampleChannels are the runtimes' sample channels, readable (the state
// holds them send-only).
var sampleChannels sync.Map // *modulestest.Runtime → chan metrics.SampleContainer

// newRuntime is a VU runtime past the init context (where invoke() may be
// called), its samples buffered in rt.VU.StateField.Samples.
func newRuntime(t *testing.T) *modulestest.Runtime {
	t.Helper()
	return newRuntimeWith(t, nil)
}

// newRuntimeWith is newRuntime with a VU state that setup adjusts (k6
// options, TLS configuration, dialer).
func newRuntimeWith(t *testing.T, setup func(*lib.State)) *modulestest.Runtime {
	t.Helper()
	rt := newInitRuntime(t)
	registry := rt.VU.InitEnvField.Registry
	samples := make(chan metrics.SampleContainer, 10000)
	sampleChannels.Store(rt, samples)
	state := &lib.State{
		Samples:        samples,
		Tags:           lib.NewVUStateTags(registry.RootTagSet()),
		BuiltinMetrics: rt.BuiltinMetrics,
	}
	if setup != nil {
		setup(state)
	}
	rt.MoveToVUContext(state)
	return rt
}

// run evaluates an async script body on the event loop and returns the
// global `result` it leaves, as JSON.
func run(t *testing.T, rt *modulestest.Runtime, endpoint, body string) string {
	t.Helper()
	script := fmt.Sprintf(`
		var result;
		const config = new AWSConfig({ region: 'us-east-1', endpoint: %q,
			accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
		const client = new LambdaClient(config);
		(async () => { %s })().catch((e) => { result = 'uncaught ' + e; });
	`, endpoint, body)
	_, err := rt.RunOnEventLoop(script)
	require.NoError(t, err)
	value, err := rt.VU.Runtime().RunString("JSON.stringify(result)")
	require.NoError(t, err)
	return value.String()
}

func TestInvokeResolvesWithTheInvocationResponse(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		const r = await client.invoke('add-numbers', JSON.stringify({ x: 1, y: 2 }), { logType: 'Tail' });
		result = r;`)
	assert.JSONEq(t, `{"statusCode":200,"executedVersion":"$LATEST",
		"logResult":"START\nREPORT RequestId: req-1\n","payload":"3"}`, got)
}

func TestFunctionErrorsRejectWithLambdaInvocationError(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		try { await client.invoke('fails', '{}'); result = 'resolved'; }
		catch (e) { result = { isClass: e instanceof LambdaInvocationError, name: e.name, message: e.message,
			functionError: e.functionError, response: e.response }; }`)
	assert.JSONEq(t, `{"isClass":true,"name":"LambdaInvocationError",
		"message":"Unhandled: {\"errorType\":\"Boom\",\"errorMessage\":\"it failed\"}",
		"functionError":"Unhandled",
		"response":{"statusCode":200,"payload":"{\"errorType\":\"Boom\",\"errorMessage\":\"it failed\"}"}}`, got)
}

func TestServiceErrorsCarryTheAWSType(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		try { await client.invoke('nope', '{}'); result = 'resolved'; }
		catch (e) { result = { isAWSError: e instanceof AWSError, name: e.name, code: e.code,
			message: e.message, statusCode: e.statusCode, requestId: e.requestId }; }`)
	assert.JSONEq(t, `{"isAWSError":true,"name":"ResourceNotFoundException","code":"ResourceNotFoundException",
		"message":"Function not found: nope","statusCode":404,"requestId":"req-1"}`, got)
}

func TestRefusedConnectionsRejectWithANetworkError(t *testing.T) {
	t.Parallel()
	// Port 1 of loopback refuses every connection: privileged and outside
	// the ephemeral range, no other test's listener can take it (a port
	// freed by closing a listener could be taken, under load).
	got := run(t, newRuntime(t), "http://127.0.0.1:1", `
		try { await client.invoke('add-numbers', '{}'); result = 'resolved'; }
		catch (e) { result = { isNetworkError: e instanceof NetworkError, name: e.name, code: e.code,
			refused: e.message.startsWith('connection refused') }; }`)
	assert.JSONEq(t, `{"isNetworkError":true,"name":"TCPError","code":1212,"refused":true}`, got)
}

func TestBadArgumentsRejectBeforeSending(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	cases := map[string]string{
		`client.invoke()`:                                   `{"name":"InvalidInvocationError","field":"name"}`,
		`client.invoke('', '{}')`:                           `{"name":"InvalidInvocationError","field":"name"}`,
		`client.invoke(42, '{}')`:                           `{"name":"InvalidInvocationError","field":"name"}`,
		`client.invoke('f', 42)`:                            `{"name":"InvalidInvocationError","field":"payload"}`,
		`client.invoke('f', '{}', { logType: 'tail' })`:     `{"name":"InvalidInvocationError","field":"logType"}`,
		`client.invoke('f', '{}', { invocationType: 1 })`:   `{"name":"InvalidInvocationError","field":"invocationType"}`,
		`client.invoke('f', '{}', { clientContext: '%%' })`: `{"name":"InvalidInvocationError","field":"clientContext"}`,
		`client.invoke('f', '{}', { logtype: 'Tail' })`:     `{"name":"InvalidInvocationError","field":"logtype"}`,
	}
	for call, want := range cases {
		got := run(t, newRuntime(t), srv.URL, `
			try { await `+call+`; result = 'resolved'; }
			catch (e) { result = { name: e.name, field: e.field }; }`)
		assert.JSONEq(t, want, got, call)
	}
	got := run(t, newRuntime(t), srv.URL, `
		try { await client.invoke('f', '{}', { logType: 'tail' }); }
		catch (e) { result = e.message; }`)
	assert.Contains(t, got, "expected one of: None, Tail")
}

func TestConfigurationErrorsThrowInvalidAWSConfigError(t *testing.T) {
	t.Parallel()
	rt := newInitRuntime(t)
	for script, want := range map[string]string{
		`new AWSConfig({ region: ' ' })`:                                                     "invalid AWS region",
		`new AWSConfig({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' })`:       "invalid AWS region",
		`new AWSConfig({ region: 'us-east-1', accessKeyId: 'short', secretAccessKey: 'x' })`: "between 16 and 128 characters, got 5",
		`new AWSConfig({ region: 'us-east-1', endpoint: 'ftp://x' })`:                        "invalid endpoint",
	} {
		_, err := rt.VU.Runtime().RunString(`
			try { ` + script + `; throw new Error('no error'); }
			catch (e) { if (!(e instanceof InvalidAWSConfigError)) throw e; throw new Error('config: ' + e.message); }`)
		require.Error(t, err, script)
		assert.Contains(t, err.Error(), "config: ", script)
		assert.Contains(t, err.Error(), want, script)
	}
	_, err := rt.VU.Runtime().RunString(`new LambdaClient()`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TypeError: LambdaClient: expected an AWSConfig")
}

func TestFromEnvironmentReadsENV(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	value, err := rt.VU.Runtime().RunString(`
		var __ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
			AWS_SECRET_ACCESS_KEY: 'secretsecretsecret' };
		const c = AWSConfig.fromEnvironment({ endpoint: 'http://127.0.0.1:1' });
		JSON.stringify([c instanceof AWSConfig, c.region, c.accessKeyId, c.endpoint])`)
	require.NoError(t, err)
	assert.JSONEq(t, `[true,"eu-west-1","AKIAIOSFODNN7EXAMPLE","http://127.0.0.1:1"]`, value.String())
}

func TestStoppingTheVUCancelsInFlightInvocations(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	rt := newRuntime(t)
	time.AfterFunc(300*time.Millisecond, rt.CancelContext)
	start := time.Now()
	got := run(t, rt, srv.URL, `
		try { await client.invoke('slow', '{}'); result = 'resolved'; }
		catch (e) { result = e.name; }`)
	assert.Equal(t, `"CancelledError"`, got)
	assert.Less(t, time.Since(start), 2500*time.Millisecond, "the invocation should stop when the VU does")
}

func TestPayloadsObjectsAndArrayBuffers(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		const object = await client.invoke('echo', { b: [1, 'zoë'], a: { toJSON() { return 'custom'; } } });
		const buffer = await client.invoke('echo', new Uint8Array([0x7b, 0x7d]).buffer);
		const none = await client.invoke('echo');
		result = [object.payload, buffer.payload, none.payload];`)
	assert.JSONEq(t, `["{\"b\":[1,\"zoë\"],\"a\":\"custom\"}","{}",""]`, got)
}

func TestFunctionErrorsCarryTheParsedErrorTypeAndMessage(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		try { await client.invoke('fails', '{}'); }
		catch (e) { result = [e.errorType, e.errorMessage]; }`)
	assert.JSONEq(t, `["Boom","it failed"]`, got)
}

func TestExampleEvents(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	value, err := rt.VU.Runtime().RunString(`
		const sqs = JSON.parse(exampleEvent('sqs-event'));
		let unknown;
		try { exampleEvent('sqs-evnt'); } catch (e) { unknown = [e.name, e.field, e.message]; }
		JSON.stringify([Array.isArray(sqs.Records), exampleEvent('example-sqs-event.json') === exampleEvent('sqs-event'), unknown])`)
	require.NoError(t, err)
	got := value.String()
	assert.Contains(t, got, `[true,true,["InvalidInvocationError","name",`)
	assert.Contains(t, got, "sqs-event", "close matches are suggested")
}

// The names the module lists for its error classes are the classes
// errors.js defines, in its order.
func TestErrorClassNamesAreWhatErrorsJSDefines(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	program, err := compileErrorClasses()
	require.NoError(t, err)
	value, err := rt.VU.Runtime().RunProgram(program)
	require.NoError(t, err)
	require.Equal(t, errorClassNames, value.ToObject(rt.VU.Runtime()).Keys())
}

// A VU pays for the error classes only once it needs one: reading an error
// class export (as an import does) or a rejection makes them, once.
func TestErrorClassesAreMadeOnFirstUse(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	mi, ok := new(RootModule).NewModuleInstance(rt.VU).(*ModuleInstance)
	require.True(t, ok)
	exports := mi.Exports().Default.(*sobek.Object)
	require.NotNil(t, exports.Get("LambdaClient"))
	require.Nil(t, mi.errors.exports, "no error class made by the module or its other exports")

	class := exports.Get("TCPError")
	require.NotNil(t, mi.errors.exports)
	require.Same(t, class.(*sobek.Object), exports.Get("TCPError").(*sobek.Object), "made once")
	require.Equal(t, append([]string{"AWSConfig", "LambdaClient", "exampleEvent", "liveCounts"}, errorClassNames...), exports.Keys())
	require.Nil(t, exports.Get("nothing"))

	fresh, ok := new(RootModule).NewModuleInstance(rt.VU).(*ModuleInstance)
	require.True(t, ok)
	err := fresh.errors.invalidConfig("bad")
	require.NotNil(t, fresh.errors.exports, "a rejection makes them")
	require.Equal(t, "InvalidAWSConfigError", err.Get("name").String())
}
