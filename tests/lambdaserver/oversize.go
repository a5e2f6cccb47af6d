package main

// Answers larger than Lambda ever sends, for the clients' bounds on what
// they read. Lambda answers a synchronous Invoke with at most 6 MB, a
// streamed response (InvokeWithResponseStream, a function URL in
// RESPONSE_STREAM mode) with at most 200 MB, and its errors with a small
// JSON body (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
// an emulator, a proxy or a hostile endpoint may send anything. These
// send what they are told, without holding it in memory: the body is
// written from one 64 KiB block, as it goes.
//
//   - oversize (Invoke): 200 with a JSON string payload of {"bytes": N}
//     bytes (default 64 MiB), with Content-Length as Lambda sends it, or
//     chunked with {"chunked": true};
//   - stream-oversize (InvokeWithResponseStream): {"bytes": N} in
//     PayloadChunks of 64 KiB, then InvokeComplete;
//   - oversize-error (both operations): 500 ServiceException whose JSON
//     body, {"Type":"Service","message":"xxx..."}, is N bytes long;
//   - url-oversize (function URL): ?bytes=N (default 64 MiB) &status=S
//     (default 200) answers S with N bytes of body, chunked, as a function
//     URL in RESPONSE_STREAM mode does.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

const (
	// defaultOversize is what the oversize functions send when not told:
	// 64 MiB, ten times Lambda's synchronous limit.
	defaultOversize = 64 << 20
	// maxOversize bounds what they may be told, so a typo cannot send for
	// minutes: 1 GiB.
	maxOversize = 1 << 30
	// oversizeBlock is what the body is written from, and the size of the
	// stream's chunks.
	oversizeBlock = 64 << 10
)

// fillBlock is 64 KiB of 'x', written again and again.
var fillBlock = bytes.Repeat([]byte("x"), oversizeBlock)

// oversizePlan is the payload the oversize functions take.
type oversizePlan struct {
	Bytes   int64 `json:"bytes"`
	Chunked bool  `json:"chunked"`
}

func parseOversizePlan(payload []byte) oversizePlan {
	var plan oversizePlan
	if json.Unmarshal(payload, &plan) != nil {
		plan = oversizePlan{}
	}
	plan.Bytes = oversizeBytes(plan.Bytes)
	return plan
}

// oversizeBytes is n within (0, maxOversize], the default for 0 or less.
func oversizeBytes(n int64) int64 {
	if n <= 0 {
		return defaultOversize
	}
	return min(n, maxOversize)
}

// writeFilled writes prefix, then 'x' until the whole is n bytes, then
// suffix (n counts all three; prefix and suffix are sent whole even when
// n is smaller). It stops at the first write error: the client left.
func writeFilled(w io.Writer, n int64, prefix, suffix string) error {
	if _, err := io.WriteString(w, prefix); err != nil {
		return err
	}
	fill := n - int64(len(prefix)) - int64(len(suffix))
	for fill > 0 {
		block := fillBlock[:min(fill, oversizeBlock)]
		if _, err := w.Write(block); err != nil {
			return err
		}
		fill -= int64(len(block))
	}
	_, err := io.WriteString(w, suffix)
	return err
}

// oversize answers Invoke with a 200 whose payload is a JSON string of
// the bytes asked for.
func oversize(_ *server, w *recorder, _ *http.Request, inv *invocation) bool {
	plan := parseOversizePlan(inv.payload)
	h := w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("X-Amz-Executed-Version", inv.version)
	if !plan.Chunked {
		h.Set("Content-Length", strconv.FormatInt(plan.Bytes, 10))
	}
	w.WriteHeader(http.StatusOK)
	_ = writeFilled(w, plan.Bytes, `"`, `"`)
	return true
}

// oversizeError answers 500 ServiceException with a JSON error body of
// the bytes asked for, Content-Length set.
func oversizeError(_ *server, w *recorder, _ *http.Request, inv *invocation) bool {
	plan := parseOversizePlan(inv.payload)
	h := w.Header()
	h["X-Amzn-ErrorType"] = []string{"ServiceException"}
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.FormatInt(plan.Bytes, 10))
	w.WriteHeader(http.StatusInternalServerError)
	_ = writeFilled(w, plan.Bytes, `{"Type":"Service","message":"`, `"}`)
	return true
}

// streamOversize streams the bytes asked for in PayloadChunks of 64 KiB.
func streamOversize(ctx context.Context, inv *invocation, out *eventStream) streamEnd {
	left := parseOversizePlan(inv.payload).Bytes
	inv.log.printf("INFO", "streaming %d bytes", left)
	for left > 0 && ctx.Err() == nil {
		block := fillBlock[:min(left, oversizeBlock)]
		if !out.chunk(block) {
			break
		}
		left -= int64(len(block))
	}
	return streamEnd{}
}

// urlOversize answers status (default 200) with the bytes asked for,
// chunked.
func urlOversize(w http.ResponseWriter, r *http.Request, _ urlRequest) {
	query := r.URL.Query()
	n, status := int64(0), http.StatusOK
	if v := query.Get("bytes"); v != "" {
		parsed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "bytes must be a number"})
			return
		}
		n = parsed
	}
	if v := query.Get("status"); v != "" {
		parsed, err := strconv.Atoi(v)
		if err != nil || parsed < 200 || parsed > 599 || parsed == http.StatusNoContent || parsed == http.StatusNotModified {
			writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "status must be a number from 200 to 599, not 204 or 304"})
			return
		}
		status = parsed
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	_ = writeFilled(w, oversizeBytes(n), "", "")
}
