package main

// Streams that break, the ways a network, a proxy or a failing service
// breaks them. Each sends a good chunk first, so that a client has begun
// to hand out data when the stream fails under it.

import (
	"context"
	"net/http"
)

// streamBadPreludeCRC sends a good chunk, then one whose prelude CRC is
// wrong, then completes as if nothing happened: only a client that checks
// the CRC notices.
func streamBadPreludeCRC(_ context.Context, inv *invocation, out *eventStream) streamEnd {
	return sendDamaged(inv, out, func(msg []byte) { msg[preludeLength] ^= 0xff })
}

// streamBadMessageCRC does the same with the message CRC.
func streamBadMessageCRC(_ context.Context, inv *invocation, out *eventStream) streamEnd {
	return sendDamaged(inv, out, func(msg []byte) { msg[len(msg)-1] ^= 0xff })
}

func sendDamaged(inv *invocation, out *eventStream, damage func([]byte)) streamEnd {
	plan := parseChunkPlan(inv.payload)
	out.chunk(plan.chunk(0))
	msg := payloadChunkEvent(plan.chunk(1))
	damage(msg)
	out.chunkMessage(msg)
	return streamEnd{}
}

// streamCutFrame sends a good chunk and the first half of the next, then
// closes the connection: no end of the chunked body.
func streamCutFrame(_ context.Context, inv *invocation, out *eventStream) streamEnd {
	plan := parseChunkPlan(inv.payload)
	out.chunk(plan.chunk(0))
	msg := payloadChunkEvent(plan.chunk(1))
	out.chunkMessage(msg[:len(msg)/2])
	out.cut()
	return streamEnd{done: true}
}

// streamNoComplete streams the chunks and ends the body cleanly without
// InvokeComplete: the client cannot know the function finished.
func streamNoComplete(ctx context.Context, inv *invocation, out *eventStream) streamEnd {
	parseChunkPlan(inv.payload).send(ctx, inv, out)
	return streamEnd{done: true}
}

// streamException sends a chunk, then an exception message (a service
// error after the 200), and ends the body.
func streamException(_ context.Context, inv *invocation, out *eventStream) streamEnd {
	out.chunk(parseChunkPlan(inv.payload).chunk(0))
	out.write(exceptionMessage(streamExceptionType, errService().message))
	return streamEnd{done: true}
}

// streamExceptionType is the :exception-type stream-exception sends.
const streamExceptionType = "ServiceException"

// streamStall sends a chunk, then nothing more until the client goes away.
func streamStall(ctx context.Context, inv *invocation, out *eventStream) streamEnd {
	out.chunk(parseChunkPlan(inv.payload).chunk(0))
	<-ctx.Done()
	return streamEnd{done: true}
}

// cut closes the connection where the stream is: no more bytes, not even
// the end of the chunked body.
func (out *eventStream) cut() {
	conn, _, err := http.NewResponseController(out.w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // not HTTP/1: abort the response instead
	}
	_ = conn.Close()
}
