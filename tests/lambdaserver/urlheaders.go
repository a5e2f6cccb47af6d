package main

// url-headers: a function URL that answers with the response headers it is
// asked for, so that clients can be tested on repeated headers (which they
// join, or keep apart) and header names in any case.

import (
	"net/http"
	"net/url"
	"strings"
)

// urlHeaders answers 200 with one response header line per query
// parameter value, in the query's order within a name:
// ?X-One=a&X-One=b&x-two=c sends "X-One: a", "X-One: b" and "X-Two: c"
// (Go writes names in canonical case), and as body the number of lines
// sent, {"headers":3}. A name that is not an HTTP token, or one that
// would change the framing of the answer (Content-Length,
// Transfer-Encoding, Connection, Content-Type, Trailer, Upgrade), is a 400.
func urlHeaders(w http.ResponseWriter, r *http.Request, _ urlRequest) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "the query cannot be parsed: " + err.Error()})
		return
	}
	lines := 0
	for name, values := range query {
		if !isToken(name) || framingHeaders[http.CanonicalHeaderKey(name)] {
			writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "cannot send the header " + name})
			return
		}
		for _, value := range values {
			if strings.ContainsAny(value, "\r\n\x00") {
				writeJSON(w, http.StatusBadRequest, urlMessage{LowerMessage: "a header value cannot hold CR, LF or NUL"})
				return
			}
			w.Header().Add(name, value)
			lines++
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Headers int `json:"headers"`
	}{lines})
}

// framingHeaders are the response headers url-headers does not send:
// they would change how the answer is framed, or are writeJSON's own.
var framingHeaders = map[string]bool{
	"Content-Length":    true,
	"Transfer-Encoding": true,
	"Connection":        true,
	"Content-Type":      true,
	"Trailer":           true,
	"Upgrade":           true,
}

// isToken says whether s is an HTTP token (RFC 9110, 5.6.2), what a
// header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
