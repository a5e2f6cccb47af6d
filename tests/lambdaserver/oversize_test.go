package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The oversize functions send exactly the bytes asked for, in the shape
// each operation has: a JSON string payload, a JSON error body, 64 KiB
// PayloadChunks, a function URL's plain body.
func TestOversize(t *testing.T) {
	ts := startServer(t, config{})
	const n = 200_000 // more than three 64 KiB blocks, not a multiple of one

	t.Run("Invoke, Content-Length", func(t *testing.T) {
		r := ts.invoke(t, signed("oversize", `{"bytes":200000}`))
		var payload string
		if r.status != http.StatusOK || len(r.body) != n || r.header.Get("Content-Length") != strconv.Itoa(n) ||
			json.Unmarshal(r.body, &payload) != nil || payload != strings.Repeat("x", n-2) {
			t.Fatalf("%d %v, %d bytes", r.status, r.header, len(r.body))
		}
	})
	t.Run("Invoke, chunked", func(t *testing.T) {
		r := ts.invoke(t, signed("oversize", `{"bytes":200000,"chunked":true}`))
		if r.status != http.StatusOK || len(r.body) != n || r.header.Get("Content-Length") != "" || !json.Valid(r.body) {
			t.Fatalf("%d %v, %d bytes", r.status, r.header, len(r.body))
		}
	})
	t.Run("Invoke, the default is 64 MiB", func(t *testing.T) {
		r := ts.invoke(t, signed("oversize", `{}`))
		if r.status != http.StatusOK || len(r.body) != 64<<20 {
			t.Fatalf("%d, %d bytes", r.status, len(r.body))
		}
	})
	for _, stream := range []bool{false, true} {
		t.Run("a 500 with a long body, streaming "+strconv.FormatBool(stream), func(t *testing.T) {
			c := signed("oversize-error", `{"bytes":200000}`)
			c.stream = stream
			r := ts.invoke(t, c)
			if r.status != http.StatusInternalServerError || r.errorType() != "ServiceException" || len(r.body) != n ||
				!bytes.HasPrefix(r.body, []byte(`{"Type":"Service","message":"xxx`)) || r.message(t) != strings.Repeat("x", n-31) {
				t.Fatalf("%d %v, %d bytes: %.60s", r.status, r.header, len(r.body), r.body)
			}
		})
	}
	t.Run("InvokeWithResponseStream", func(t *testing.T) {
		r := ts.stream(t, streamed("stream-oversize", `{"bytes":200000}`))
		r.complete(t)
		chunks := r.chunks()
		if len(chunks) != 4 || len(chunks[0]) != 64<<10 || len(strings.Join(chunks, "")) != n {
			t.Fatalf("%d chunks", len(chunks))
		}
	})
	t.Run("function URL", func(t *testing.T) {
		for _, status := range []int{200, 500} {
			r := ts.callURL(t, urlCall{method: "GET", target: "/lambda-url/url-oversize/?bytes=200000&status=" + strconv.Itoa(status), signer: &mainKeys})
			if r.status != status || len(r.body) != n || r.header.Get("Content-Length") != "" {
				t.Fatalf("%d %v, %d bytes", r.status, r.header, len(r.body))
			}
		}
		r := ts.callURL(t, urlCall{method: "GET", target: "/lambda-url/url-oversize/?status=204", signer: &mainKeys})
		if r.status != http.StatusBadRequest {
			t.Fatalf("status=204: %d", r.status)
		}
	})
}
