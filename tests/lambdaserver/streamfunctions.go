package main

// The functions that stream (InvokeWithResponseStream only; Invoke does
// not know them): one that streams well, one that fails mid-stream, and
// (streammisbehave.go) the ways a stream breaks that clients must report
// rather than take for an answer.

import (
	"context"
	"encoding/json"
	"fmt"
)

// streamFunctions is the table of streaming functions.
var streamFunctions = map[string]streamBehaviour{
	"stream-chunks": {run: streamChunks},
	"stream-error":  {run: streamError},

	"stream-bad-prelude-crc": {run: streamBadPreludeCRC},
	"stream-bad-message-crc": {run: streamBadMessageCRC},
	"stream-cut-frame":       {outcome: outcomeTruncated, run: streamCutFrame},
	"stream-no-complete":     {run: streamNoComplete},
	"stream-exception":       {run: streamException},
	"stream-stall":           {run: streamStall},

	// Over Lambda's streamed response limit if asked (oversize.go).
	"stream-oversize": {run: streamOversize},
}

// chunkPlan is the payload every stream-* function takes:
//
//	{"chunks":["a","b"], "count":N, "firstMs":K, "gapMs":M}
//
// chunks are sent as their UTF-8 bytes, one PayloadChunk each; without
// chunks, count (default 3) chunks "chunk 1\n", "chunk 2\n", ... are.
// firstMs is the pause between the headers and the first chunk, gapMs the
// pause before each later one (both default 0). A payload that is not
// such an object is the defaults.
type chunkPlan struct {
	Chunks  []string `json:"chunks"`
	Count   int      `json:"count"`
	FirstMs int64    `json:"firstMs"`
	GapMs   int64    `json:"gapMs"`
}

const (
	defaultChunkCount = 3
	// maxChunkCount bounds count, so a typo cannot stream for hours.
	maxChunkCount = 100000
)

func parseChunkPlan(payload []byte) chunkPlan {
	var plan chunkPlan
	if json.Unmarshal(payload, &plan) != nil {
		plan = chunkPlan{}
	}
	if plan.Chunks == nil {
		count := plan.Count
		if count <= 0 {
			count = defaultChunkCount
		}
		count = min(count, maxChunkCount)
		for i := 1; i <= count; i++ {
			plan.Chunks = append(plan.Chunks, fmt.Sprintf("chunk %d\n", i))
		}
	}
	plan.FirstMs, plan.GapMs = max(plan.FirstMs, 0), max(plan.GapMs, 0)
	return plan
}

// chunk is the i-th chunk (0-based), or a made-up one when the plan has
// fewer: the misbehaviours need two.
func (p chunkPlan) chunk(i int) []byte {
	if i < len(p.Chunks) {
		return []byte(p.Chunks[i])
	}
	return fmt.Appendf(nil, "chunk %d\n", i+1)
}

// send streams the plan's chunks with its pauses; false once the client
// is gone.
func (p chunkPlan) send(ctx context.Context, inv *invocation, out *eventStream) bool {
	for i, c := range p.Chunks {
		wait := p.GapMs
		if i == 0 {
			wait = p.FirstMs
		}
		if !pause(ctx, wait) {
			return false
		}
		inv.log.printf("INFO", "chunk %d of %d (%d bytes)", i+1, len(p.Chunks), len(c))
		if !out.chunk([]byte(c)) {
			return false
		}
	}
	return true
}

// streamChunks streams the chunks, then completes.
func streamChunks(ctx context.Context, inv *invocation, out *eventStream) streamEnd {
	parseChunkPlan(inv.payload).send(ctx, inv, out)
	return streamEnd{}
}

// streamError streams the chunks, then fails as a handler that throws
// does: InvokeComplete with the error's type as ErrorCode and the
// runtime's error JSON as ErrorDetails.
func streamError(ctx context.Context, inv *invocation, out *eventStream) streamEnd {
	plan := parseChunkPlan(inv.payload)
	if !plan.send(ctx, inv, out) {
		return streamEnd{}
	}
	res := functionError(inv, "Unhandled", streamErrorType, fmt.Sprintf("failed after %d chunks", len(plan.Chunks)), true)
	return streamEnd{errorType: res.errorType, errorDetails: string(res.payload)}
}

// streamErrorType is stream-error's error type, what Node.js reports for
// `throw new Error(...)`.
const streamErrorType = "Error"
