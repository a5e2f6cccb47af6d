package main

// Lambda function URLs with the AWS_IAM auth type
// (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html,
// https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
// /lambda-url/{name}/{path...} on this server's listeners stands for
// https://{url-id}.lambda-url.{region}.on.aws/{path...}: any method, any
// path and query, any body.
//
// Every request must be signed with SigV4 for the service "lambda" (any
// region) over what it is on the wire, as for the API: the method, the
// whole path (prefix included), the query, the headers it lists as
// signed, and the SHA-256 of its body. X-Amz-Content-Sha256 is optional;
// when sent, it must be that hash: Lambda takes no UNSIGNED-PAYLOAD
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html).
// A request without a signature gets 403 {"Message":"Forbidden"}; one
// whose signature fails gets 403 with the reason, {"message":"The request
// signature we calculated does not match ..."}, as function URLs answer.

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const urlPrefix = "/lambda-url/"

// urlRequest is one request to a function URL.
type urlRequest struct {
	path string // after /lambda-url/{name}, as on the wire; "/" when empty
	body []byte
}

// urlFunctions are the functions behind URLs. Any other name is a 404.
var urlFunctions = map[string]func(w http.ResponseWriter, r *http.Request, req urlRequest){
	"url-echo":    urlEcho,
	"url-stream":  urlStream,
	"url-status":  urlStatus,
	"url-headers": urlHeaders,
	// Bodies over Lambda's limits (oversize.go).
	"url-oversize": urlOversize,
}

// urlMessage is the JSON body of the answers function URLs give on their
// own (not the function's): {"Message":...}.
type urlMessage struct {
	Message      string `json:"Message,omitempty"`
	LowerMessage string `json:"message,omitempty"`
}

// serveURL answers a request under /lambda-url/.
func (s *server) serveURL(w *recorder, r *http.Request, path string) {
	s.stats.countURLRequest()
	w.Header()["X-Amzn-RequestId"] = []string{newRequestID()}
	name, rest, _ := strings.Cut(strings.TrimPrefix(path, urlPrefix), "/")
	w.function = name
	run, ok := urlFunctions[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, urlMessage{Message: "Not Found"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyRead+1))
	switch {
	case err != nil:
		writeJSON(w, http.StatusBadRequest, urlMessage{Message: "Could not read the request body"})
		return
	case len(body) > maxSyncPayload:
		// Function URLs take the synchronous Invoke payload limit.
		writeJSON(w, http.StatusRequestEntityTooLarge, urlMessage{Message: "Request Entity Too Large"})
		return
	}
	if !s.noAuth {
		if _, apiErr := s.verifier.verify(r, body); apiErr != nil {
			s.stats.countURLAuthFailure()
			if r.Header.Get("Authorization") == "" {
				w.Header()["X-Amzn-ErrorType"] = []string{"AccessDeniedException"}
				writeJSON(w, http.StatusForbidden, urlMessage{Message: "Forbidden"})
				return
			}
			w.Header()["X-Amzn-ErrorType"] = []string{apiErr.errorType}
			writeJSON(w, http.StatusForbidden, urlMessage{LowerMessage: apiErr.message})
			return
		}
	}
	run(w, r, urlRequest{path: "/" + rest, body: body})
}

// urlEchoed is url-echo's answer: the request as the function got it.
type urlEchoed struct {
	Method string `json:"method"`
	// Path is the part after /lambda-url/{name}, as sent (escaped).
	Path     string              `json:"path"`
	RawQuery string              `json:"rawQuery"`
	Query    map[string][]string `json:"query"`
	// Headers have lower-case names (as in a function URL's event), Host
	// and Transfer-Encoding included.
	Headers map[string][]string `json:"headers"`
	// Body is the body's base64; BodyLength its length in bytes.
	Body       string `json:"body"`
	BodyLength int    `json:"bodyLength"`
}

// urlEcho answers 200 with what it received, for client tests to check.
func urlEcho(w http.ResponseWriter, r *http.Request, req urlRequest) {
	echoed := urlEchoed{
		Method:     r.Method,
		Path:       req.path,
		RawQuery:   r.URL.RawQuery,
		Query:      map[string][]string{},
		Headers:    map[string][]string{"host": {r.Host}},
		Body:       base64.StdEncoding.EncodeToString(req.body),
		BodyLength: len(req.body),
	}
	if query, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		echoed.Query = query
	}
	for name, values := range r.Header {
		echoed.Headers[strings.ToLower(name)] = values
	}
	if len(r.TransferEncoding) > 0 {
		echoed.Headers["transfer-encoding"] = r.TransferEncoding
	}
	writeJSON(w, http.StatusOK, echoed)
}

// urlStream streams its body as a function URL in RESPONSE_STREAM mode
// does: a plain chunked body (no event stream framing), each chunk
// flushed as it is written. Query: chunks=N (3), firstMs=K (0), gapMs=M
// (0): N chunks "chunk 1\n", "chunk 2\n", ..., the first K ms after the
// headers, the others M ms apart.
func urlStream(w http.ResponseWriter, r *http.Request, _ urlRequest) {
	query := r.URL.Query()
	var n [3]int64
	for i, p := range []struct {
		name string
		def  int64
	}{{"chunks", defaultChunkCount}, {"firstMs", 0}, {"gapMs", 0}} {
		n[i] = p.def
		if v := query.Get(p.name); v != "" {
			parsed, err := strconv.ParseInt(v, 10, 64)
			if err != nil || parsed < 0 {
				writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: p.name + " must be a number, 0 or more"})
				return
			}
			n[i] = parsed
		}
	}
	chunks, firstMs, gapMs := min(n[0], maxChunkCount), n[1], n[2]
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	for i := int64(1); i <= chunks; i++ {
		wait := gapMs
		if i == 1 {
			wait = firstMs
		}
		if !pause(r.Context(), wait) {
			return
		}
		if _, err := fmt.Fprintf(w, "chunk %d\n", i); err != nil || rc.Flush() != nil {
			return
		}
	}
}

// urlStatus answers status=NNN (200 to 599) with a small JSON body, none
// for 204 and 304.
func urlStatus(w http.ResponseWriter, r *http.Request, _ urlRequest) {
	status, err := strconv.Atoi(r.URL.Query().Get("status"))
	if err != nil || status < 200 || status > 599 {
		writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "status must be a number from 200 to 599"})
		return
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, struct {
		Status int `json:"status"`
	}{status})
}
