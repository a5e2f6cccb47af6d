package main

// Functions that make the endpoint misbehave the way networks, proxies and
// overloaded services do, so that clients can be tested on failures no
// emulator produces. They work for every invocation type.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
)

// slowHeaders waits {"ms":N} before the server sends anything at all, then
// lets the request go on as normal (answering {"sleptMs":N}).
func slowHeaders(_ *server, w *recorder, r *http.Request, inv *invocation) bool {
	if !pause(r.Context(), sleepMillis(inv.payload)) {
		w.settle(outcomeGone)
		return true
	}
	return false
}

// closeMidBody promises 100 bytes of body, sends 10 and closes the
// connection: the client must report a truncated response, not a payload.
func closeMidBody(_ *server, w *recorder, _ *http.Request, inv *invocation) bool {
	hijack(w, outcomeTruncated, func(_ net.Conn, buf *bufio.ReadWriter) {
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\n"+
			"Content-Type: application/json\r\n"+
			"Content-Length: 100\r\n"+
			"X-Amzn-RequestId: %s\r\n"+
			"X-Amz-Executed-Version: %s\r\n"+
			"\r\n"+
			`{"data":"x`, inv.requestID, inv.version)
		_ = buf.Flush()
	})
	return true
}

// resetConnection drops the connection with SO_LINGER 0, so the kernel
// sends a RST and the client sees "connection reset by peer" before any
// response.
func resetConnection(_ *server, w *recorder, _ *http.Request, _ *invocation) bool {
	hijack(w, outcomeReset, func(conn net.Conn, _ *bufio.ReadWriter) {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	})
	return true
}

// resetDuringUploadName is the function that resets while the request
// body is still coming in.
const resetDuringUploadName = "reset-during-upload"

// resetDuringUploadRead is how much of the body it reads first.
const resetDuringUploadRead = 64 << 10

// resetDuringUpload reads 64 KiB of the request body, then drops the
// connection with SO_LINGER 0 while the client is still sending: the
// client's next write fails (EPIPE or ECONNRESET), and on a thread where
// SIGPIPE is not blocked or ignored, the kernel raises it.
func resetDuringUpload(w *recorder, r *http.Request) {
	_, _ = io.CopyN(io.Discard, r.Body, resetDuringUploadRead)
	hijack(w, outcomeReset, func(conn net.Conn, _ *bufio.ReadWriter) {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	})
}

// malformedHeader answers with a header line that has no colon, which an
// HTTP/1.1 client must refuse to parse.
func malformedHeader(_ *server, w *recorder, _ *http.Request, inv *invocation) bool {
	hijack(w, outcomeMalformed, func(_ net.Conn, buf *bufio.ReadWriter) {
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\n"+
			"Content-Type: application/json\r\n"+
			"X-Amzn-RequestId: %s\r\n"+
			"this line is not a header\r\n"+
			"Content-Length: 2\r\n"+
			"\r\n"+
			"{}", inv.requestID)
		_ = buf.Flush()
	})
	return true
}

// empty200 answers 200 with no body and without X-Amz-Executed-Version,
// which the real service never does.
func empty200(_ *server, w *recorder, _ *http.Request, _ *invocation) bool {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return true
}

// hijack records outcome, takes the connection from net/http, lets write
// use it and closes it. The request body has been read in full by then.
func hijack(w *recorder, outcome string, write func(net.Conn, *bufio.ReadWriter)) {
	w.settle(outcome)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not HTTP/1 (cannot happen on this server's plain listener):
		// the closest is to abort the response.
		panic(http.ErrAbortHandler)
	}
	write(conn, buf)
	_ = conn.Close()
}
