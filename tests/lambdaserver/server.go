package main

import (
	"log"
	"net/http"
	"strings"
	"time"
)

// config is what the command line sets.
type config struct {
	coldEvery int
	noAuth    bool
	verbose   bool
	// now is the clock SigV4 dates are checked against (tests move it).
	now func() time.Time
}

// server routes requests itself rather than through http.ServeMux, which
// would clean and redirect paths and decode the FunctionName before the
// signature is checked over the bytes the client sent.
type server struct {
	noAuth   bool
	verbose  bool
	verifier *verifier
	stats    *stats
	cold     *coldStarts
	durable  *durableExecutions
}

func newServer(cfg config) *server {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	s := &server{
		noAuth:  cfg.noAuth,
		verbose: cfg.verbose,
		stats:   newStats(),
		cold:    newColdStarts(cfg.coldEvery),
		durable: newDurableExecutions(),
		verifier: &verifier{
			service:     "lambda",
			credentials: testCredentials,
			now:         cfg.now,
		},
	}
	if cfg.verbose {
		s.verifier.debugf = log.Printf
	}
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	rec := &recorder{ResponseWriter: w, stats: s.stats}
	path := requestPath(r)
	switch {
	case path == "/_test/stats" && r.Method == http.MethodGet:
		s.serveStats(rec, r)
	case path == "/_test/reset" && r.Method == http.MethodPost:
		s.serveReset(rec, r)
	case path == "/_test/whoami" && r.Method == http.MethodGet:
		s.serveWhoami(rec, r)
	case strings.HasPrefix(path, urlPrefix):
		s.serveURL(rec, r, path)
	default:
		op, name, ok := invokeOperationOf(path)
		if !ok || r.Method != http.MethodPost {
			rec.Header()["X-Amzn-RequestId"] = []string{newRequestID()}
			writeAPIError(rec, errUnknownOperation())
			break
		}
		rec.counted = true
		s.invoke(rec, r, name, op)
		rec.settle(outcomeGone) // no-op if the request was answered
	}
	if s.verbose {
		// #nosec G706 -- the test server's own -v log on a terminal.
		log.Printf("%s %s -> %s (function %q, %d bytes in, %s)",
			r.Method, r.RequestURI, rec.outcome, rec.function, r.ContentLength, time.Since(started).Round(time.Microsecond))
	}
}

// invokeOperationOf tells which invoke operation a path is, and its
// FunctionName segment (still escaped).
func invokeOperationOf(path string) (operation, string, bool) {
	for _, op := range []operation{invokeOperation, streamOperation} {
		if name, ok := op.functionName(path); ok {
			return op, name, true
		}
	}
	return operation{}, "", false
}

// recorder notes how a request was answered. For invoke requests it
// counts the outcome in byStatus the moment it is decided, before any byte
// of the answer leaves, so a client never sees an answer the counters miss.
type recorder struct {
	http.ResponseWriter
	stats    *stats
	counted  bool   // an invoke request: its outcome goes into the stats
	outcome  string // "" until decided
	function string // for the -v log
}

// settle records the outcome of the request, once.
func (w *recorder) settle(outcome string) {
	if w.outcome != "" {
		return
	}
	w.outcome = outcome
	if w.counted {
		w.stats.countOutcome(outcome)
	}
}

func (w *recorder) WriteHeader(status int) {
	w.settle(statusOutcome(status))
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.outcome == "" {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to hijack it).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
