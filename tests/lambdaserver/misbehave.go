package main

// Functions that make the endpoint misbehave the way networks, proxies and
// overloaded services do, so that clients can be tested on failures no
// emulator produces. They work for every invocation type.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
		if tcp := tcpConn(conn); tcp != nil {
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
		if tcp := tcpConn(conn); tcp != nil {
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

// notHTTPBytes is what not-http answers: an SSH server's greeting and
// binary bytes, as when an endpoint points at the wrong port.
const notHTTPBytes = "SSH-2.0-lambdaserver_not_http\r\n\x00\x00\x01\x0c\x0a\x14\xff\xfe\x80\x00"

// notHTTP answers with bytes that are not HTTP at all, then closes the
// connection: the client must report a response it cannot parse.
func notHTTP(_ *server, w *recorder, _ *http.Request, _ *invocation) bool {
	hijack(w, outcomeNotHTTP, func(_ net.Conn, buf *bufio.ReadWriter) {
		_, _ = buf.WriteString(notHTTPBytes)
		_ = buf.Flush()
	})
	return true
}

// noAnswer reads the whole request and never answers: it waits until the
// client goes away (its timeout fired), which is counted as client-closed.
func noAnswer(_ *server, w *recorder, r *http.Request, _ *invocation) bool {
	<-r.Context().Done()
	w.settle(outcomeGone)
	return true
}

// proxy502Body is the kind of page a reverse proxy sends when the service
// behind it fails.
const proxy502Body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n" +
	"<body>\r\n<h1>502 Bad Gateway</h1>\r\n<p>The upstream server sent no valid answer.</p>\r\n" +
	"<hr>lambdaserver proxy\r\n</body>\r\n</html>\r\n"

// proxy502 answers as a proxy in front of Lambda does when the service
// behind it fails: 502 with an HTML page, without X-Amzn-ErrorType or
// X-Amzn-RequestId (the service never saw the request).
func proxy502(_ *server, w *recorder, _ *http.Request, _ *invocation) bool {
	h := w.Header()
	delete(h, "X-Amzn-RequestId")
	h.Set("Server", "lambdaserver-proxy")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(proxy502Body)))
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, proxy502Body)
	return true
}

// bigResponseSize is the size of big-response's payload: 7 MiB, over the
// 6 MB a real function may return, as an emulator or a proxy may send.
const bigResponseSize = 7 << 20

// bigResponsePayload is a JSON string of exactly bigResponseSize bytes,
// built once.
var bigResponsePayload = sync.OnceValue(func() []byte {
	return []byte(`"` + strings.Repeat("x", bigResponseSize-2) + `"`)
})

// bigResponse answers 200 with a 7 MiB payload.
func bigResponse(_ context.Context, inv *invocation) result {
	inv.log.printf("INFO", "returning %d bytes", bigResponseSize)
	return result{payload: bigResponsePayload()}
}

// badLogResultValue is bad-log-result's X-Amz-Log-Result: plain text, not
// base64.
const badLogResultValue = "this log is not base64!"

// badLogResult echoes the payload with an X-Amz-Log-Result that is not
// base64, whatever log type was asked for.
func badLogResult(ctx context.Context, inv *invocation) result {
	res := echo(ctx, inv)
	res.logResult = badLogResultValue
	return res
}

// hijack records outcome, takes the connection from net/http, lets write
// use it and closes it. The request body has been read in full by then.
func hijack(w *recorder, outcome string, write func(net.Conn, *bufio.ReadWriter)) {
	w.settle(outcome)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not HTTP/1 (cannot happen: both listeners speak HTTP/1.1
		// only): the closest is to abort the response.
		panic(http.ErrAbortHandler)
	}
	write(conn, buf)
	_ = conn.Close()
}
