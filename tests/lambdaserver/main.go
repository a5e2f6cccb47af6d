// Command lambdaserver is a test server for the AWS Lambda Invoke API
// (POST /2015-03-31/functions/{FunctionName}/invocations) and its streaming
// twin InvokeWithResponseStream (POST
// /2021-11-15/functions/{FunctionName}/response-streaming-invocations),
// written from the API reference rather than from this project's client,
// for the behaviours the emulators skip: SigV4 verification, qualifiers
// and ARNs, function errors, log tails, cold starts, throttling, service
// errors, broken connections and broken streams; and Lambda function
// URLs with IAM auth. It listens on loopback only.
//
// Requests must be signed (SigV4, service "lambda", any region) with
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, or with
// ASIAIOSFODNN7EXAMPLE / sessiontestsecretsecretsecret0000000000 and
// X-Amz-Security-Token: testsessiontoken; -no-auth turns the check off.
//
// Functions (any qualifier: $LATEST, a version number, or the alias "live",
// which points to version 7; any name, partial ARN or full ARN form):
//
//	add-numbers       {"x":1,"y":2} -> 3; bad input: Handled ValidationError
//	echo              returns the payload byte for byte
//	record            as echo, and counts the payload in the stats' "recorded"
//	sleep             {"ms":N} -> {"sleptMs":N} after N ms
//	fail-handled      function error Handled (ValidationError)
//	fail-unhandled    function error Unhandled (Runtime.ExitError)
//	fail-text         function error Unhandled, payload not JSON
//	cold-start        {"cold":bool,"call":N}; cold on calls 1, 1+K, 1+2K (K = -cold-every)
//	big-log           logs ~10 KB, so the 4 KB log tail is cut
//	json-log          as echo, with its log in the JSON log format (LoggingConfig
//	                  LogFormat JSON): platform.start, the function's lines as JSON,
//	                  platform.runtimeDone and platform.report (the REPORT's figures)
//	client-context    returns the decoded X-Amz-Client-Context (or null)
//	whoami            {"remoteAddr":"127.0.0.2:40312"} (and "tlsVersion":"TLS 1.2" over TLS): the peer
//	throttle          429 TooManyRequestsException, Retry-After: 2
//	server-error      500 ServiceException
//	bad-gateway       502 InvalidRuntimeException
//	long-error-type   404 with X-Amzn-ErrorType "ResourceNotFoundException:http://internal..."
//	slow-headers      {"ms":N}: nothing is sent for N ms, then as sleep
//	close-mid-body    200, Content-Length: 100, 10 bytes, connection closed
//	reset             connection reset (RST) before any response
//	reset-during-upload  reads 64 KiB of the body, then resets (RST) the connection
//	malformed-header  a response with an invalid header line
//	empty-200         200, empty body, no X-Amz-Executed-Version
//	not-http          bytes that are not HTTP (an SSH greeting, binary), connection closed
//	no-answer         reads the request, never answers: waits until the client goes
//	proxy-502         502, text/html page, no X-Amzn-ErrorType nor X-Amzn-RequestId (a proxy's)
//	big-response      200 with a 7 MiB payload (a JSON string)
//	bad-log-result    as echo, with an X-Amz-Log-Result that is not base64 (always sent)
//	oversize          {"bytes":N,"chunked":B} (N: 64 MiB, at most 1 GiB): 200 with a JSON string
//	                  payload of N bytes (over Lambda's 6 MB), Content-Length unless chunked
//	oversize-error    {"bytes":N}: 500 ServiceException whose JSON body,
//	                  {"Type":"Service","message":"xxx..."}, is N bytes long (also streaming)
//	tenant-isolated   tenant isolation: X-Amz-Tenant-Id required, environments per tenant
//	durable           a durable function: X-Amz-Durable-Execution-Name, the execution's ARN
//	snapstart         SnapStart: a published version's new environments are restored (Restore
//	                  Duration in the REPORT), replaced as cold-start's are; $LATEST initialises
//	                  (invoke_features.go has all three)
//	anything else     404 ResourceNotFoundException
//
// The first execution of each function is a cold start (Init Duration in
// the REPORT line). From throttle down, the behaviour applies to every
// invocation type; the others run for RequestResponse only (Event answers
// 202, DryRun 204).
//
// InvokeWithResponseStream (stream.go) takes the same requests, signature,
// names and headers, but X-Amz-Invocation-Type RequestResponse or DryRun
// only (anything else, Event included: 400 InvalidParameterValueException).
// Errors before the function runs are answered as Invoke answers them.
// Otherwise: 200, Content-Type application/vnd.amazon.eventstream,
// X-Amzn-Remapped-Content-Type (the function's content type),
// X-Amz-Executed-Version, and a chunked body of event stream messages
// (eventstream.go says byte for byte what they are), each flushed as it is
// produced: PayloadChunk events, then InvokeComplete, whose JSON has
// ErrorCode and ErrorDetails for a function error and LogResult (the log's
// last 4 KB, base64) with X-Amz-Log-Type: Tail.
//
// The functions above answer there too, those from throttle down as they
// do on Invoke. The others answer once they have run: their result in one
// PayloadChunk (X-Amzn-Remapped-Content-Type application/json), or a
// function error in the InvokeComplete alone, as ErrorCode the error's type
// (ValidationError, Runtime.ExitError, Sandbox.Timedout for fail-text) and
// as ErrorDetails the payload Invoke would have returned. bad-log-result's
// LogResult is its bad value. The streaming functions, which Invoke does
// not know (404), send the headers at once and take
// {"chunks":["a","b"],"count":N,"firstMs":K,"gapMs":M}: one PayloadChunk
// per chunk, its UTF-8 bytes (without chunks, count chunks "chunk 1\n",
// "chunk 2\n", ...; count defaults to 3), the first K ms after the
// headers, the others M ms apart (K and M default to 0). Their
// X-Amzn-Remapped-Content-Type is application/octet-stream:
//
//	stream-chunks           the chunks, then InvokeComplete
//	stream-error            the chunks, then InvokeComplete with ErrorCode "Error" and as
//	                        ErrorDetails {"errorType":"Error","errorMessage":"failed after N chunks","trace":[]}
//	stream-bad-prelude-crc  the first chunk, the second with a wrong prelude CRC, InvokeComplete
//	stream-bad-message-crc  the first chunk, the second with a wrong message CRC, InvokeComplete
//	stream-cut-frame        the first chunk, half of the second, connection closed (no end
//	                        of the chunked body; counted as "truncated")
//	stream-no-complete      the chunks, then the body ends cleanly without InvokeComplete
//	stream-exception        the first chunk, then an exception message (:exception-type
//	                        ServiceException, {"message":...}), then the end of the body
//	stream-stall            the first chunk, then nothing until the client goes away
//	stream-oversize         {"bytes":N} (64 MiB, at most 1 GiB): N bytes of 'x' in 64 KiB
//	                        chunks, then InvokeComplete (over 200 MiB: over Lambda's limit)
//
// Function URLs with the AWS_IAM auth type (url.go): any method on
// /lambda-url/{name}/{path...}?{query} stands for a function URL's
// https://{url-id}.lambda-url.{region}.on.aws/{path...}?{query}. Requests
// must be signed as above (service "lambda", any region) over the whole
// path as sent, the query, the signed headers and the body's SHA-256
// (X-Amz-Content-Sha256 optional; UNSIGNED-PAYLOAD refused). Unsigned:
// 403 {"Message":"Forbidden"} (X-Amzn-ErrorType AccessDeniedException);
// a signature that fails: 403 {"message":"<why>"} (X-Amzn-ErrorType
// InvalidSignatureException, UnrecognizedClientException, ...). -no-auth
// turns the check off here too. Functions:
//
//	url-echo          200, JSON of what arrived: {"method","path" (after the name, as sent),
//	                  "rawQuery","query":{name:[values]},"headers":{lower-case name:[values]},
//	                  "body" (base64),"bodyLength"}
//	url-stream        ?chunks=N&firstMs=K&gapMs=M (3, 0, 0): 200, text/plain, a plain chunked
//	                  body (as a RESPONSE_STREAM function URL's), N lines "chunk 1\n" ...,
//	                  each flushed, the first K ms after the headers, the others M ms apart
//	url-status        ?status=NNN (200 to 599): that status, body {"status":NNN} (none for 204, 304)
//	url-headers       ?Name=value&Name=other...: 200 with a response header line per value
//	                  ("Name: value", "Name: other"), body {"headers":N} (N lines); a name
//	                  that is not a token or would change the framing (Content-Length,
//	                  Transfer-Encoding, Connection, Content-Type, Trailer, Upgrade): 400
//	url-oversize      ?bytes=N&status=S (64 MiB, 200): S with N bytes of 'x', chunked
//	anything else     404 {"Message":"Not Found"}
//
// GET /_test/stats returns the counters as JSON (see statsSnapshot);
// POST /_test/reset returns them and zeroes them; GET /_test/whoami answers
// as the whoami function does. None needs a signature.
//
// -tls-listen ADDR serves the same functions and counters over HTTPS
// (HTTP/1.1 only) with a self-signed certificate generated at start, for
// 127.0.0.1, ::1 and localhost: no client trusts it, so a client must fail
// with an unknown-authority error before sending any request. The stats'
// tlsHellos counts the TLS connections begun. Over TLS, reset and
// reset-during-upload send close_notify before the RST. -tls12-listen ADDR
// does the same with the same certificate, at most TLS 1.2, for clients
// told to insist on TLS 1.3.
//
// -proxy-listen ADDR runs an HTTP proxy (proxy.go): CONNECT tunnels and
// absolute-form http:// requests, to 127.0.0.1 on the port asked for,
// whatever the host name; with -proxy-auth user:pass it answers 407 to
// requests without those credentials. The stats count its tunnels,
// forwarded requests and 407s.
//
// -port-file is written last, once every listener listens.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	portFile := flag.String("port-file", "", "write the chosen port to this file once every listener listens")
	tlsAddr := flag.String("tls-listen", "", "also serve HTTPS on this address (loopback only), with a self-signed certificate generated at start")
	tlsPortFile := flag.String("tls-port-file", "", "write the chosen -tls-listen port to this file once listening")
	tls12Addr := flag.String("tls12-listen", "", "also serve HTTPS on this address (loopback only) as -tls-listen does, but at most TLS 1.2")
	tls12PortFile := flag.String("tls12-port-file", "", "write the chosen -tls12-listen port to this file once listening")
	proxyAddr := flag.String("proxy-listen", "", "also run an HTTP proxy (CONNECT and absolute-form requests) on this address (loopback only), which sends every host name to 127.0.0.1")
	proxyPortFile := flag.String("proxy-port-file", "", "write the chosen -proxy-listen port to this file once listening")
	proxyAuth := flag.String("proxy-auth", "", "user:pass the proxy requires (Proxy-Authorization: Basic); others get 407")
	coldEvery := flag.Int("cold-every", 4, "the cold-start function is cold on every Nth call (calls 1, 1+N, ...)")
	noAuth := flag.Bool("no-auth", false, "do not verify SigV4 signatures")
	verbose := flag.Bool("v", false, "log one line per request to stderr")
	flag.Parse()
	if *coldEvery < 1 {
		log.Fatal("-cold-every must be at least 1")
	}
	for _, f := range []struct{ name, value, needs, neededValue string }{
		{"-tls-port-file", *tlsPortFile, "-tls-listen", *tlsAddr},
		{"-tls12-port-file", *tls12PortFile, "-tls12-listen", *tls12Addr},
		{"-proxy-port-file", *proxyPortFile, "-proxy-listen", *proxyAddr},
		{"-proxy-auth", *proxyAuth, "-proxy-listen", *proxyAddr},
	} {
		if f.value != "" && f.neededValue == "" {
			log.Fatalf("%s needs %s", f.name, f.needs)
		}
	}
	if err := checkProxyAuth(*proxyAuth); err != nil {
		log.Fatal(err)
	}

	handler := newServer(config{coldEvery: *coldEvery, noAuth: *noAuth, verbose: *verbose})
	// One http.Server for the plain and TLS listeners: the same functions
	// and counters.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No HTTP/2 over TLS either (see tlsListener).
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	errs := make(chan error, 4)
	// The other listeners first: once -port-file exists, all are listening.
	var cert tls.Certificate
	if *tlsAddr != "" || *tls12Addr != "" {
		var err error
		if cert, err = selfSignedCertificate(time.Now()); err != nil {
			log.Fatal(err)
		}
	}
	for _, l := range []struct {
		flag, addr, portFile string
		maxVersion           uint16 // 0: TLS 1.3
	}{
		{"-tls-listen", *tlsAddr, *tlsPortFile, 0},
		{"-tls12-listen", *tls12Addr, *tls12PortFile, tls.VersionTLS12},
	} {
		if l.addr == "" {
			continue
		}
		listener, err := listen(l.flag, l.addr, l.portFile)
		if err != nil {
			log.Fatal(err)
		}
		highest := "TLS 1.3"
		if l.maxVersion != 0 {
			highest = tls.VersionName(l.maxVersion)
		}
		log.Printf("lambdaserver listening on %s (%s, up to %s, self-signed certificate)", listener.Addr(), l.flag, highest)
		tlsListener := handler.tlsListener(listener, cert, l.maxVersion)
		go func() { errs <- srv.Serve(tlsListener) }()
	}
	if *proxyAddr != "" {
		listener, err := listen("-proxy-listen", *proxyAddr, *proxyPortFile)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("lambdaserver proxy listening on %s (credentials required: %t)", listener.Addr(), *proxyAuth != "")
		proxySrv := &http.Server{Handler: newProxy(handler.stats, *proxyAuth), ReadHeaderTimeout: 10 * time.Second}
		go func() { errs <- proxySrv.Serve(listener) }()
	}
	listener, err := listen("-addr", *addr, *portFile)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("lambdaserver listening on %s", listener.Addr())
	go func() { errs <- srv.Serve(listener) }()
	log.Fatal(<-errs)
}

// listen opens a TCP listener on addr (loopback only) and writes the port
// it got to portFile, if one is named.
func listen(flagName, addr, portFile string) (net.Listener, error) {
	if err := checkLoopback(flagName, addr); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	port := listener.Addr().(*net.TCPAddr).Port
	if portFile != "" {
		if err := os.WriteFile(portFile, []byte(fmt.Sprint(port)), 0o600); err != nil {
			_ = listener.Close()
			return nil, err
		}
	}
	return listener, nil
}

// checkLoopback refuses listen addresses that are not loopback: this
// server accepts well-known keys and must not be reachable from elsewhere.
func checkLoopback(flagName, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: %w", flagName, addr, err)
	}
	if host == "localhost" {
		// Whatever localhost resolves to here must be loopback too.
		ips, err := net.LookupIP(host)
		if err != nil {
			return fmt.Errorf("%s %q: %w", flagName, addr, err)
		}
		for _, ip := range ips {
			if !ip.IsLoopback() {
				return fmt.Errorf("%s %q: localhost resolves to %s, which is not loopback", flagName, addr, ip)
			}
		}
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed", flagName, addr)
}
