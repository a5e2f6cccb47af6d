package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// streamed is a call to InvokeWithResponseStream, signed with the main
// test keys.
func streamed(function, body string) call {
	c := signed(function, body)
	c.stream = true
	return c
}

// withHeader adds a request header to c.
func (c call) withHeader(name, value string) call {
	headers := map[string]string{name: value}
	for k, v := range c.headers {
		headers[k] = v
	}
	c.headers = headers
	return c
}

// streamReply is a streamed answer read to its end.
type streamReply struct {
	resp *http.Response
	msgs []decodedMessage
	err  error // the decoder's, at the end of the body
}

// openStream sends c and checks the headers of a streamed answer; the
// body is the caller's to read and close.
func (ts *testServer) openStream(t *testing.T, c call) *http.Response {
	t.Helper()
	resp, err := ts.client.Do(ts.request(t, c))
	if err != nil {
		t.Fatalf("stream %s: %v", c.function, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		t.Fatalf("stream %s: %d %v %s", c.function, resp.StatusCode, resp.Header, body)
	}
	h := resp.Header
	if h.Get("Content-Type") != "application/vnd.amazon.eventstream" || h.Get("X-Amzn-RequestId") == "" ||
		h.Get("X-Amz-Executed-Version") == "" || h.Get("X-Amzn-Remapped-Content-Type") == "" {
		t.Errorf("stream headers: %v", h)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || resp.ContentLength != -1 {
		t.Errorf("not chunked: Transfer-Encoding %v, Content-Length %d", resp.TransferEncoding, resp.ContentLength)
	}
	for _, absent := range []string{"X-Amz-Function-Error", "X-Amz-Log-Result"} {
		if h.Get(absent) != "" {
			t.Errorf("%s on a streamed answer", absent)
		}
	}
	return resp
}

// stream sends c and decodes the whole streamed answer.
func (ts *testServer) stream(t *testing.T, c call) streamReply {
	t.Helper()
	resp := ts.openStream(t, c)
	defer func() { _ = resp.Body.Close() }()
	msgs, err := readMessages(resp.Body)
	return streamReply{resp: resp, msgs: msgs, err: err}
}

// chunks are the PayloadChunk payloads, in order.
func (r streamReply) chunks() []string {
	var out []string
	for _, m := range r.msgs {
		if m.get(":event-type") == "PayloadChunk" {
			out = append(out, string(m.payload))
		}
	}
	return out
}

// complete checks that the stream ended cleanly with exactly one
// InvokeComplete, last, and returns its payload.
func (r streamReply) complete(t *testing.T) invokeComplete {
	t.Helper()
	if r.err != nil {
		t.Fatalf("stream: %v after %v", r.err, r.msgs)
	}
	for i, m := range r.msgs {
		last := i == len(r.msgs)-1
		eventType := m.get(":event-type")
		if m.get(":message-type") != "event" {
			t.Fatalf("message %d is no event: %v", i, m)
		}
		switch {
		case eventType == "PayloadChunk" && !last:
			if m.get(":content-type") != "application/octet-stream" {
				t.Errorf("PayloadChunk %d: %v", i, m.headers)
			}
		case eventType == "InvokeComplete" && last:
			if m.get(":content-type") != "application/json" {
				t.Errorf("InvokeComplete: %v", m.headers)
			}
			var c invokeComplete
			if err := json.Unmarshal(m.payload, &c); err != nil {
				t.Fatalf("InvokeComplete payload %q: %v", m.payload, err)
			}
			return c
		default:
			t.Fatalf("message %d of %d: %v", i+1, len(r.msgs), m)
		}
	}
	t.Fatalf("no InvokeComplete: %v", r.msgs)
	return invokeComplete{}
}

func TestStreamChunks(t *testing.T) {
	ts := startServer(t, config{})
	cases := []struct {
		name, payload string
		chunks        []string
	}{
		{"empty payload", ``, []string{"chunk 1\n", "chunk 2\n", "chunk 3\n"}},
		{"defaults", `{}`, []string{"chunk 1\n", "chunk 2\n", "chunk 3\n"}},
		{"not an object", `[1,2]`, []string{"chunk 1\n", "chunk 2\n", "chunk 3\n"}},
		{"chunks", `{"chunks":["héllo ","","wörld ✓"]}`, []string{"héllo ", "", "wörld ✓"}},
		{"count", `{"count":5}`, []string{"chunk 1\n", "chunk 2\n", "chunk 3\n", "chunk 4\n", "chunk 5\n"}},
		{"one", `{"chunks":["x"],"gapMs":1000}`, []string{"x"}},
		{"none", `{"chunks":[]}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.stream(t, streamed("stream-chunks", tc.payload))
			if c := r.complete(t); c != (invokeComplete{}) {
				t.Errorf("InvokeComplete %+v", c)
			}
			if got := r.chunks(); strings.Join(got, "|") != strings.Join(tc.chunks, "|") || len(got) != len(tc.chunks) {
				t.Errorf("chunks %q, want %q", got, tc.chunks)
			}
			if string(r.msgs[len(r.msgs)-1].payload) != `{}` {
				t.Errorf("InvokeComplete payload %q, want {}", r.msgs[len(r.msgs)-1].payload)
			}
			h := r.resp.Header
			if h.Get("X-Amzn-Remapped-Content-Type") != "application/octet-stream" || h.Get("X-Amz-Executed-Version") != "$LATEST" {
				t.Errorf("headers %v", h)
			}
		})
	}

	t.Run("log tail", func(t *testing.T) {
		r := ts.stream(t, streamed("stream-chunks", `{"count":2}`).withHeader("X-Amz-Log-Type", "Tail"))
		log, err := base64.StdEncoding.DecodeString(r.complete(t).LogResult)
		if err != nil {
			t.Fatal(err)
		}
		id := r.resp.Header.Get("X-Amzn-RequestId")
		if !strings.Contains(string(log), "\tINFO\tchunk 2 of 2 (8 bytes)\n") || !reportLine(id, false).MatchString(string(log)) {
			t.Errorf("log %q", log)
		}
	})

	t.Run("qualifiers and names", func(t *testing.T) {
		for function, version := range map[string]string{
			"stream-chunks%3Alive": "7",
			"arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Astream-chunks%3A4": "4",
			"123456789012%3Afunction%3Astream-chunks":                                      "$LATEST",
		} {
			r := ts.stream(t, streamed(function, `{}`))
			r.complete(t)
			if got := r.resp.Header.Get("X-Amz-Executed-Version"); got != version {
				t.Errorf("%s: version %q, want %q", function, got, version)
			}
		}
		c := streamed("stream-chunks", `{}`)
		c.query = "Qualifier=live"
		c.signer = &sessionKeys
		if r := ts.stream(t, c); r.resp.Header.Get("X-Amz-Executed-Version") != "7" {
			t.Errorf("Qualifier=live, session keys: %v", r.resp.Header)
		}
	})
}

// Each chunk is flushed when it is produced: it arrives a pause before the
// next one, not with the end of the stream. Only lower bounds are checked
// (pauses only ever get longer on a busy machine), with half a pause of
// slack for the test's own lateness.
func TestStreamChunksAreFlushed(t *testing.T) {
	ts := startServer(t, config{})
	const pauseMs = 300
	started := time.Now()
	resp := ts.openStream(t, streamed("stream-chunks", `{"chunks":["a","b","c"],"firstMs":300,"gapMs":300}`))
	defer func() { _ = resp.Body.Close() }()
	headersAt := time.Since(started)
	var at []time.Duration
	for {
		_, err := readMessage(resp.Body)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, time.Since(started))
	}
	if len(at) != 4 {
		t.Fatalf("%d messages", len(at))
	}
	slack := pauseMs / 2 * time.Millisecond
	if at[0]-headersAt < slack {
		t.Errorf("headers at %s, the first chunk at %s: the headers waited for the chunk", headersAt, at[0])
	}
	for i := 1; i < 3; i++ {
		if at[i]-at[i-1] < slack {
			t.Errorf("chunk %d at %s, chunk %d at %s: not flushed apart", i, at[i-1], i+1, at[i])
		}
	}
	if at[3]-at[0] < 2*pauseMs*time.Millisecond-slack {
		t.Errorf("first chunk at %s, InvokeComplete at %s", at[0], at[3])
	}
}

func TestStreamError(t *testing.T) {
	ts := startServer(t, config{})
	r := ts.stream(t, streamed("stream-error", `{"chunks":["a","b"]}`).withHeader("X-Amz-Log-Type", "Tail"))
	c := r.complete(t)
	if got := r.chunks(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("chunks %q", got)
	}
	wantDetails := `{"errorType":"Error","errorMessage":"failed after 2 chunks","trace":[]}`
	if c.ErrorCode != "Error" || c.ErrorDetails != wantDetails {
		t.Errorf("InvokeComplete %+v, want ErrorCode Error and ErrorDetails %s", c, wantDetails)
	}
	log, _ := base64.StdEncoding.DecodeString(c.LogResult)
	if !strings.Contains(string(log), "\tERROR\tInvoke Error \t"+wantDetails) {
		t.Errorf("log %q", log)
	}
	// The error is inside the stream only.
	if r.resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", r.resp.StatusCode)
	}
}

// The Invoke functions answer on the streaming route in one chunk, their
// function errors in the InvokeComplete.
func TestStreamBufferedFunctions(t *testing.T) {
	ts := startServer(t, config{})
	cases := []struct {
		name      string
		c         call
		chunks    []string
		errorCode string
		details   string
	}{
		{"echo", streamed("echo", `{"a":[1,"é"]}`), []string{`{"a":[1,"é"]}`}, "", ""},
		{"echo empty", streamed("echo", ``), []string{`{}`}, "", ""},
		{"add-numbers", streamed("add-numbers", `{"x":1,"y":2}`), []string{`3`}, "", ""},
		{"sleep", streamed("sleep", `{"ms":10}`), []string{`{"sleptMs":10}`}, "", ""},
		{"fail-handled", streamed("fail-handled", `{}`), nil, "ValidationError",
			`{"errorType":"ValidationError","errorMessage":"x must be a number","trace":[]}`},
		{"fail-text", streamed("fail-text", `{}`), nil, "Sandbox.Timedout", `Task timed out after 3.00 seconds`},
		{"client-context", streamed("client-context", `{}`).withHeader("X-Amz-Client-Context",
			base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))), []string{`{"custom":{"k":"v"}}`}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.stream(t, tc.c)
			c := r.complete(t)
			if got := r.chunks(); strings.Join(got, "|") != strings.Join(tc.chunks, "|") || len(got) != len(tc.chunks) {
				t.Errorf("chunks %q, want %q", got, tc.chunks)
			}
			if c.ErrorCode != tc.errorCode || c.ErrorDetails != tc.details || c.LogResult != "" {
				t.Errorf("InvokeComplete %+v", c)
			}
			if got := r.resp.Header.Get("X-Amzn-Remapped-Content-Type"); got != "application/json" {
				t.Errorf("X-Amzn-Remapped-Content-Type %q", got)
			}
		})
	}

	t.Run("fail-unhandled", func(t *testing.T) {
		r := ts.stream(t, streamed("fail-unhandled", `{}`))
		c := r.complete(t)
		id := r.resp.Header.Get("X-Amzn-RequestId")
		want := `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ` + id + ` Error: Runtime exited with error: exit status 1"}`
		if c.ErrorCode != "Runtime.ExitError" || c.ErrorDetails != want || len(r.chunks()) != 0 {
			t.Errorf("got %+v, %q", c, r.chunks())
		}
	})

	t.Run("log tail, cold then warm", func(t *testing.T) {
		ts.reset(t) // every function cold again
		for _, cold := range []bool{true, false} {
			r := ts.stream(t, streamed("add-numbers", `{"x":2,"y":2}`).withHeader("X-Amz-Log-Type", "Tail"))
			log, err := base64.StdEncoding.DecodeString(r.complete(t).LogResult)
			id := r.resp.Header.Get("X-Amzn-RequestId")
			if err != nil || !strings.HasPrefix(string(log), "START RequestId: "+id) || !reportLine(id, cold).MatchString(string(log)) {
				t.Errorf("cold %t: log %q (%v)", cold, log, err)
			}
		}
	})

	t.Run("bad-log-result", func(t *testing.T) {
		c := ts.stream(t, streamed("bad-log-result", `{}`)).complete(t)
		if c.LogResult != badLogResultValue {
			t.Errorf("LogResult %q", c.LogResult)
		}
	})

	t.Run("big-response", func(t *testing.T) {
		r := ts.stream(t, streamed("big-response", `{}`))
		r.complete(t)
		if got := r.chunks(); len(got) != 1 || len(got[0]) != bigResponseSize {
			t.Errorf("%d chunks", len(got))
		}
	})
}

// Errors before the stream begins are Invoke's: a status and a JSON body.
func TestStreamServiceErrors(t *testing.T) {
	ts := startServer(t, config{})
	unsigned := streamed("stream-chunks", `{}`)
	unsigned.signer = nil
	cases := []struct {
		name      string
		c         call
		status    int
		errorType string
		message   string
	}{
		{"Event", streamed("stream-chunks", `{}`).withHeader("X-Amz-Invocation-Type", "Event"), 400, "InvalidParameterValueException",
			"Unsupported invocation type Event. Supported types are: RequestResponse, DryRun."},
		{"Event, an Invoke function", streamed("echo", `{}`).withHeader("X-Amz-Invocation-Type", "Event"), 400, "InvalidParameterValueException",
			"Unsupported invocation type Event."},
		{"bad log type", streamed("stream-chunks", `{}`).withHeader("X-Amz-Log-Type", "tail"), 400, "InvalidParameterValueException",
			"Unsupported log type tail."},
		{"bad client context", streamed("stream-chunks", `{}`).withHeader("X-Amz-Client-Context", "%%%"), 400, "InvalidParameterValueException",
			"Client context"},
		{"unknown function", streamed("nope", `{}`), 404, "ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
		{"unknown alias", streamed("stream-chunks%3Abeta", `{}`), 404, "ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:stream-chunks:beta"},
		{"invalid JSON", streamed("stream-chunks", `{`), 400, "InvalidRequestContentException", "Could not parse request body into json"},
		{"unsigned", unsigned, 403, "IncompleteSignatureException", "Request is missing Authentication Token"},
		{"throttle", streamed("throttle", `{}`), 429, "TooManyRequestsException", "Rate Exceeded."},
		{"server-error", streamed("server-error", `{}`), 500, "ServiceException", "internal error"},
		{"too large", streamed("stream-chunks", `"`+strings.Repeat("x", maxSyncPayload)+`"`), 413, "RequestTooLargeException", "6291456 bytes"},
		// The streaming functions are unknown to Invoke.
		{"stream-chunks on Invoke", signed("stream-chunks", `{}`), 404, "ResourceNotFoundException", "function:stream-chunks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.invoke(t, tc.c)
			if r.status != tc.status || r.errorType() != tc.errorType || !strings.Contains(r.message(t), tc.message) {
				t.Fatalf("want %d %s %q, got %s", tc.status, tc.errorType, tc.message, r)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("X-Amz-Executed-Version") != "" {
				t.Errorf("headers %v", r.header)
			}
		})
	}

	t.Run("DryRun", func(t *testing.T) {
		for _, fn := range []string{"stream-chunks", "echo", "stream-stall"} {
			r := ts.invoke(t, streamed(fn, `{}`).withHeader("X-Amz-Invocation-Type", "DryRun"))
			if r.status != http.StatusNoContent || len(r.body) != 0 {
				t.Errorf("%s: %s", fn, r)
			}
		}
	})

	t.Run("not POST", func(t *testing.T) {
		resp, err := ts.client.Get(ts.URL + "/2021-11-15/functions/stream-chunks/response-streaming-invocations")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("GET: %d %v", resp.StatusCode, resp.Header)
		}
	})
}

// The broken streams: each must fail a client that checks what it reads.
func TestStreamMisbehaviours(t *testing.T) {
	ts := startServer(t, config{})
	payload := `{"chunks":["first","second","third"]}`

	for fn, want := range map[string]error{
		"stream-bad-prelude-crc": errBadPreludeCRC,
		"stream-bad-message-crc": errBadMessageCRC,
		"stream-cut-frame":       errTruncated,
	} {
		t.Run(fn, func(t *testing.T) {
			r := ts.stream(t, streamed(fn, payload))
			if !errors.Is(r.err, want) || len(r.msgs) != 1 || string(r.msgs[0].payload) != "first" {
				t.Fatalf("want %v after the first chunk, got %v after %v", want, r.err, r.msgs)
			}
		})
	}

	t.Run("the damaged frames are whole otherwise", func(t *testing.T) {
		// After the damaged chunk, an InvokeComplete: a client that skips
		// the CRCs sees a stream that completed.
		for _, fn := range []string{"stream-bad-prelude-crc", "stream-bad-message-crc"} {
			resp := ts.openStream(t, streamed(fn, payload))
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			good, damaged := payloadChunkEvent([]byte("first")), payloadChunkEvent([]byte("second"))
			end := invokeCompleteEvent(invokeComplete{})
			if err != nil || len(body) != len(good)+len(damaged)+len(end) ||
				!bytes.Equal(body[:len(good)], good) || !bytes.Equal(body[len(body)-len(end):], end) {
				t.Fatalf("%s: %d bytes, %v", fn, len(body), err)
			}
			if diff := bytesDiffer(body[len(good):len(good)+len(damaged)], damaged); diff != 1 {
				t.Errorf("%s: %d bytes differ from the good chunk, want 1", fn, diff)
			}
		}
	})

	t.Run("stream-cut-frame closes the connection", func(t *testing.T) {
		resp := ts.openStream(t, streamed("stream-cut-frame", payload))
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		full := payloadChunkEvent([]byte("second"))
		if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != len(payloadChunkEvent([]byte("first")))+len(full)/2 {
			t.Fatalf("%d bytes, %v; want the chunked body cut", len(body), err)
		}
	})

	t.Run("stream-no-complete", func(t *testing.T) {
		r := ts.stream(t, streamed("stream-no-complete", payload))
		if r.err != nil || strings.Join(r.chunks(), ",") != "first,second,third" || len(r.msgs) != 3 {
			t.Fatalf("got %v, %v", r.msgs, r.err)
		}
	})

	t.Run("stream-exception", func(t *testing.T) {
		r := ts.stream(t, streamed("stream-exception", payload))
		if r.err != nil || len(r.msgs) != 2 || string(r.msgs[0].payload) != "first" {
			t.Fatalf("got %v, %v", r.msgs, r.err)
		}
		e := r.msgs[1]
		if e.get(":message-type") != "exception" || e.get(":exception-type") != "ServiceException" ||
			e.get(":content-type") != "application/json" || e.get(":event-type") != "" ||
			string(e.payload) != `{"message":"The AWS Lambda service encountered an internal error."}` {
			t.Errorf("exception message %v", e)
		}
	})

	t.Run("stream-stall", func(t *testing.T) {
		resp := ts.openStream(t, streamed("stream-stall", payload))
		defer func() { _ = resp.Body.Close() }()
		first, err := readMessage(resp.Body)
		if err != nil || string(first.payload) != "first" {
			t.Fatalf("%v %v", first, err)
		}
		next := make(chan error, 1)
		go func() {
			_, err := readMessage(resp.Body)
			next <- err
		}()
		select {
		case err := <-next:
			t.Fatalf("something came after the first chunk: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		_ = resp.Body.Close() // the client goes; the server's handler ends (else Close would hang)
		if err := <-next; err == nil {
			t.Error("a message after the client left")
		}
	})

	snap := ts.stats(t)
	if snap.ByStatus[outcomeTruncated] != 2 {
		t.Errorf("byStatus %v: want the two stream-cut-frame calls as truncated", snap.ByStatus)
	}
}

// bytesDiffer counts the positions where a and b (of one length) differ.
func bytesDiffer(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func TestStreamStats(t *testing.T) {
	ts := startServer(t, config{})
	ts.stream(t, streamed("stream-chunks", `{"count":4}`))
	ts.stream(t, streamed("echo", `{}`))
	ts.stream(t, streamed("fail-handled", `{}`)) // no chunk
	ts.invoke(t, streamed("nope", `{}`))
	ts.invoke(t, signed("echo", `{}`))
	snap := ts.stats(t)
	if snap.StreamInvocations != 4 || snap.StreamChunks != 5 || snap.Invocations != 5 {
		t.Errorf("streamInvocations %d (want 4), streamChunks %d (want 5), invocations %d (want 5)",
			snap.StreamInvocations, snap.StreamChunks, snap.Invocations)
	}
	if snap.ByFunction["stream-chunks"] != 1 || snap.ByFunction["echo"] != 2 || snap.ByStatus["200"] != 4 || snap.ByStatus["404"] != 1 {
		t.Errorf("byFunction %v, byStatus %v", snap.ByFunction, snap.ByStatus)
	}
	if got := ts.reset(t); got.StreamInvocations != 4 || got.StreamChunks != 5 {
		t.Errorf("reset returned %+v", got)
	}
	if got := ts.stats(t); got.StreamInvocations != 0 || got.StreamChunks != 0 {
		t.Errorf("after reset: %+v", got)
	}
}
