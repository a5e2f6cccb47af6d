package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFunctions(t *testing.T) {
	ts := startServer(t, config{})
	cases := []struct {
		name          string
		c             call
		body          string
		functionError string
	}{
		{"add-numbers", signed("add-numbers", `{"x":1,"y":2}`), `3`, ""},
		{"add-numbers floats", signed("add-numbers", `{"x":0.5,"y":-2}`), `-1.5`, ""},
		{"add-numbers bad input", signed("add-numbers", `{"x":"1","y":2}`),
			`{"errorType":"ValidationError","errorMessage":"x must be a number","trace":[]}`, "Handled"},
		{"add-numbers upper-case names", signed("add-numbers", `{"X":1,"y":2}`),
			`{"errorType":"ValidationError","errorMessage":"x must be a number","trace":[]}`, "Handled"},
		{"echo", signed("echo", `[1, "two" , {"3":null}]`), `[1, "two" , {"3":null}]`, ""},
		{"echo scalar", signed("echo", `"just a string"`), `"just a string"`, ""},
		{"sleep", signed("sleep", `{"ms":20}`), `{"sleptMs":20}`, ""},
		{"fail-handled", signed("fail-handled", `{}`),
			`{"errorType":"ValidationError","errorMessage":"x must be a number","trace":[]}`, "Handled"},
		{"fail-text", signed("fail-text", `{}`), `Task timed out after 3.00 seconds`, "Unhandled"},
		{"big-log", signed("big-log", `{}`), `{"lines":100}`, ""},
		{"client-context, none", signed("client-context", `{}`), `null`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.invoke(t, tc.c)
			if r.status != http.StatusOK || string(r.body) != tc.body {
				t.Fatalf("want 200 %s, got %s", tc.body, r)
			}
			if got := r.header.Get("X-Amz-Function-Error"); got != tc.functionError {
				t.Errorf("X-Amz-Function-Error %q, want %q", got, tc.functionError)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("X-Amz-Executed-Version") != "$LATEST" {
				t.Errorf("headers: %v", r.header)
			}
			if r.header.Get("X-Amz-Log-Result") != "" {
				t.Error("a log tail without X-Amz-Log-Type: Tail")
			}
		})
	}

	t.Run("fail-unhandled", func(t *testing.T) {
		r := ts.invoke(t, signed("fail-unhandled", `{}`))
		id := r.header.Get("X-Amzn-RequestId")
		want := `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ` + id + ` Error: Runtime exited with error: exit status 1"}`
		if r.status != http.StatusOK || r.header.Get("X-Amz-Function-Error") != "Unhandled" || string(r.body) != want {
			t.Fatalf("want 200 Unhandled %s, got %s", want, r)
		}
	})

	t.Run("client-context", func(t *testing.T) {
		context := `{"custom":{"k":"v"},"env":{"platform":"k6"}}`
		c := signed("client-context", `{}`)
		c.headers = map[string]string{"X-Amz-Client-Context": base64.StdEncoding.EncodeToString([]byte(context))}
		if r := ts.invoke(t, c); r.status != http.StatusOK || string(r.body) != context {
			t.Fatalf("got %s", r)
		}
	})

	t.Run("sleep waits", func(t *testing.T) {
		started := time.Now()
		if r := ts.invoke(t, signed("sleep", `{"ms":100}`)); r.status != http.StatusOK {
			t.Fatal(r)
		}
		if elapsed := time.Since(started); elapsed < 100*time.Millisecond {
			t.Errorf("answered after %s", elapsed)
		}
	})
}

// Every service error: status, X-Amzn-ErrorType, JSON body with Type and
// the message under the right spelling.
func TestServiceErrors(t *testing.T) {
	ts := startServer(t, config{})
	withHeaders := func(c call, headers map[string]string) call {
		c.headers = headers
		return c
	}
	withQuery := func(c call, query string) call {
		c.query = query
		return c
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name      string
		c         call
		status    int
		errorType string
		fault     string
		key       string // "message" or "Message"
		message   string
	}{
		{"unknown function", signed("nope", `{}`), 404, "ResourceNotFoundException", "User", "Message",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
		{"unknown function, region from scope", call{function: "nope", body: []byte(`{}`), signer: &sessionKeys}, 404,
			"ResourceNotFoundException", "User", "Message", "Function not found: arn:aws:lambda:eu-west-3:123456789012:function:nope"},
		{"unknown alias", signed("echo%3Abeta", `{}`), 404, "ResourceNotFoundException", "User", "Message",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:echo:beta"},
		{"unknown alias as Qualifier", withQuery(signed("echo", `{}`), "Qualifier=beta"), 404, "ResourceNotFoundException", "User", "Message",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:echo:beta"},
		{"throttle", signed("throttle", `{}`), 429, "TooManyRequestsException", "User", "message", "Rate Exceeded."},
		{"invalid JSON", signed("echo", `{"x":`), 400, "InvalidRequestContentException", "User", "message",
			"Could not parse request body into json"},
		{"not JSON at all", signed("add-numbers", `x=1&y=2`), 400, "InvalidRequestContentException", "User", "message",
			"Could not parse request body into json"},
		{"qualifier mismatch", withQuery(signed("echo%3Alive", `{}`), "Qualifier=7"), 400, "InvalidParameterValueException", "User", "message",
			"The derived qualifier from the function name does not match the specified qualifier."},
		{"invalid qualifier", withQuery(signed("echo", `{}`), "Qualifier=a%20b"), 400, "ValidationException", "User", "message",
			"at 'qualifier' failed to satisfy constraint"},
		{"invalid function name", signed("echo%20me", `{}`), 400, "ValidationException", "User", "message",
			"Value 'echo me' at 'functionName' failed to satisfy constraint"},
		{"bad invocation type", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Invocation-Type": "requestresponse"}),
			400, "InvalidParameterValueException", "User", "message", "Unsupported invocation type requestresponse"},
		{"bad log type", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Log-Type": "All"}),
			400, "InvalidParameterValueException", "User", "message", "Unsupported log type All"},
		{"client context not base64", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Client-Context": "{not base64}"}),
			400, "InvalidParameterValueException", "User", "message", "Client context"},
		{"client context too long", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Client-Context": b64(`{"k":"` + strings.Repeat("v", 2700) + `"}`)}),
			400, "InvalidParameterValueException", "User", "message", "Client context"},
		{"client context not an object", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Client-Context": b64(`[1]`)}),
			400, "InvalidRequestContentException", "User", "message", "Client context"},
		{"server-error", signed("server-error", `{}`), 500, "ServiceException", "Service", "message",
			"The AWS Lambda service encountered an internal error."},
		{"bad-gateway", signed("bad-gateway", `{}`), 502, "InvalidRuntimeException", "User", "message", "runtime"},
		{"long-error-type", signed("long-error-type", `{}`), 404,
			"ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awslambda/", "User", "Message",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:long-error-type"},
		{"throttle as Event", withHeaders(signed("throttle", `{}`), map[string]string{"X-Amz-Invocation-Type": "Event"}),
			429, "TooManyRequestsException", "User", "message", "Rate Exceeded."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.invoke(t, tc.c)
			if r.status != tc.status || r.errorType() != tc.errorType {
				t.Fatalf("want %d %s, got %s", tc.status, tc.errorType, r)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("X-Amzn-RequestId") == "" {
				t.Errorf("headers: %v", r.header)
			}
			if r.header.Get("X-Amz-Executed-Version") != "" {
				t.Error("X-Amz-Executed-Version on a service error")
			}
			var body map[string]string
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatalf("body: %v: %s", err, r.body)
			}
			if body["Type"] != tc.fault {
				t.Errorf("Type %q, want %q", body["Type"], tc.fault)
			}
			if !strings.Contains(body[tc.key], tc.message) {
				t.Errorf("%s %q does not contain %q (body %s)", tc.key, body[tc.key], tc.message, r.body)
			}
			other := map[string]string{"message": "Message", "Message": "message"}[tc.key]
			if _, both := body[other]; both {
				t.Errorf("both message spellings: %s", r.body)
			}
		})
	}

	t.Run("throttle details", func(t *testing.T) {
		r := ts.invoke(t, signed("throttle", `{}`))
		want := `{"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","retryAfterSeconds":"2"}`
		if r.header.Get("Retry-After") != "2" || string(r.body) != want {
			t.Fatalf("got %s", r)
		}
	})

	t.Run("not an Invoke call", func(t *testing.T) {
		for _, target := range []string{
			ts.URL + "/2015-03-31/functions/echo/invocations", // GET
			ts.URL + "/2015-03-31/functions/echo",
			ts.URL + "/",
		} {
			resp, err := ts.client.Get(target)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
				t.Errorf("GET %s: %d %v", target, resp.StatusCode, resp.Header)
			}
		}
	})
}

func TestInvocationTypes(t *testing.T) {
	ts := startServer(t, config{})
	for _, tc := range []struct {
		invocationType string
		status         int
	}{{"Event", http.StatusAccepted}, {"DryRun", http.StatusNoContent}} {
		t.Run(tc.invocationType, func(t *testing.T) {
			c := signed("sleep", `{"ms":5000}`)
			c.headers = map[string]string{"X-Amz-Invocation-Type": tc.invocationType, "X-Amz-Log-Type": "Tail"}
			started := time.Now()
			r := ts.invoke(t, c)
			if r.status != tc.status || len(r.body) != 0 {
				t.Fatalf("want %d with no body, got %s", tc.status, r)
			}
			if time.Since(started) > 2*time.Second {
				t.Error("waited for the function")
			}
			for _, h := range []string{"X-Amz-Log-Result", "X-Amz-Function-Error", "X-Amz-Executed-Version"} {
				if r.header.Get(h) != "" {
					t.Errorf("%s on %s", h, tc.invocationType)
				}
			}
			if r.header.Get("X-Amzn-RequestId") == "" {
				t.Error("no X-Amzn-RequestId")
			}
			// Unknown functions are still refused.
			c.function = "nope"
			if r := ts.invoke(t, c); r.status != http.StatusNotFound {
				t.Errorf("unknown function: %s", r)
			}
		})
	}
	t.Run("explicit RequestResponse", func(t *testing.T) {
		c := signed("echo", `{}`)
		c.headers = map[string]string{"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Log-Type": "None"}
		if r := ts.invoke(t, c); r.status != http.StatusOK {
			t.Fatal(r)
		}
	})
}

// Payload limits: 6,291,456 bytes synchronously (echoed byte for byte),
// 1,048,576 asynchronously; one more byte is a 413.
func TestPayloadLimits(t *testing.T) {
	ts := startServer(t, config{})
	jsonOfSize := func(n int) []byte {
		b := bytes.Repeat([]byte("é"), n/2) // two bytes each: not ASCII
		b = append([]byte(`"`), b[:n-2]...)
		return append(b, '"')
	}
	big := jsonOfSize(maxSyncPayload)
	if len(big) != 6291456 || !json.Valid(big) {
		t.Fatalf("bad test payload: %d bytes", len(big))
	}
	c := call{function: "echo", body: big, signer: &mainKeys}
	if r := ts.invoke(t, c); r.status != http.StatusOK || !bytes.Equal(r.body, big) {
		t.Fatalf("6,291,456 bytes: status %d, %d bytes back, equal %t", r.status, len(r.body), bytes.Equal(r.body, big))
	}

	tooBig := append(append([]byte{}, big...), ' ') // still valid JSON
	r := ts.invoke(t, call{function: "echo", body: tooBig, signer: &mainKeys})
	if r.status != http.StatusRequestEntityTooLarge || r.errorType() != "RequestTooLargeException" ||
		r.message(t) != "Request must be smaller than 6291456 bytes for the InvokeFunction operation" {
		t.Fatalf("6,291,457 bytes: %d %s %s", r.status, r.errorType(), r.body)
	}

	event := map[string]string{"X-Amz-Invocation-Type": "Event"}
	asyncMax := jsonOfSize(maxAsyncPayload)
	if r := ts.invoke(t, call{function: "echo", body: asyncMax, headers: event, signer: &mainKeys}); r.status != http.StatusAccepted {
		t.Fatalf("Event, 1,048,576 bytes: %d %s", r.status, r.body)
	}
	r = ts.invoke(t, call{function: "echo", body: append(asyncMax, ' '), headers: event, signer: &mainKeys})
	if r.status != http.StatusRequestEntityTooLarge || r.message(t) != "Request must be smaller than 1048576 bytes for the InvokeFunction operation" {
		t.Fatalf("Event, 1,048,577 bytes: %d %s", r.status, r.body)
	}

	snap := ts.stats(t)
	want := int64(2*len(big) + 1 + 2*len(asyncMax) + 1)
	if snap.BytesReceived != want {
		t.Errorf("bytes received %d, want %d", snap.BytesReceived, want)
	}
}

func TestRequestIDs(t *testing.T) {
	ts := startServer(t, config{})
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, fn := range []string{"echo", "echo", "nope", "throttle", "fail-handled", "echo"} {
		id := ts.invoke(t, signed(fn, `{}`)).header.Get("X-Amzn-RequestId")
		if !uuid.MatchString(id) || seen[id] {
			t.Fatalf("request id %q (seen before: %t)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestParseFunctionName(t *testing.T) {
	for in, want := range map[string]functionRef{
		"echo":                         {"echo", ""},
		"echo:live":                    {"echo", "live"},
		"echo:$LATEST":                 {"echo", "$LATEST"},
		"123456789012:function:echo":   {"echo", ""},
		"123456789012:function:echo:7": {"echo", "7"},
		"arn:aws:lambda:us-east-1:123456789012:function:echo":           {"echo", ""},
		"arn:aws:lambda:us-east-1:123456789012:function:echo:live":      {"echo", "live"},
		"arn:aws-cn:lambda:cn-north-1:123456789012:function:my_fn-2:v1": {"my_fn-2", "v1"},
		"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f":   {"f", ""},
	} {
		got, err := parseFunctionName(in)
		if err != nil || got != want {
			t.Errorf("parseFunctionName(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "echo me", "echo:", "echo:a:b", "a/b", strings.Repeat("x", 171)} {
		if _, err := parseFunctionName(bad); err == nil || err.errorType != "ValidationException" {
			t.Errorf("parseFunctionName(%q): %v, want ValidationException", bad, err)
		}
	}
}
