package main

import (
	"net/http"
	"strconv"
	"sync"
)

// Outcomes recorded in byStatus for requests that got no HTTP status the
// client could read. Every other outcome is the decimal status code.
const (
	outcomeReset     = "reset"         // connection reset before any response
	outcomeTruncated = "truncated"     // 200 headers, then the body was cut short
	outcomeMalformed = "malformed"     // a response with an invalid header line
	outcomeGone      = "client-closed" // the client left before the answer
	outcomeNotHTTP   = "not-http"      // bytes that are not an HTTP response
)

// stats counts what the server was asked and what it answered, so that
// tests can prove a client sent every request exactly once. Each invoke
// request is counted in invocations and byFunction when it arrives and in
// byStatus just before its answer leaves (so a client that has its answer
// always sees it counted).
type stats struct {
	mu                sync.Mutex
	invocations       int64
	byFunction        map[string]int64
	byStatus          map[string]int64
	coldStarts        int64
	restores          int64
	tenantColdStarts  map[string]int64
	signatureFailures int64
	bytesReceived     int64
	recorded          map[string]int64
	tlsHellos         int64
	proxyConnects     int64
	proxyForwards     int64
	proxyAuthFailures int64
	streamInvocations int64
	streamChunks      int64
	urlRequests       int64
	urlAuthFailures   int64
}

// statsSnapshot is the JSON shape of GET /_test/stats.
type statsSnapshot struct {
	// Invocations is every request to the Invoke path, rejected or not.
	Invocations int64 `json:"invocations"`
	// ByFunction counts them by function name (the name part of the
	// FunctionName, without ARN prefix or qualifier; the raw text when it
	// could not be parsed).
	ByFunction map[string]int64 `json:"byFunction"`
	// ByStatus counts them by HTTP status ("200", "404", ...) or by one of
	// the outcome* strings above.
	ByStatus map[string]int64 `json:"byStatus"`
	// ColdStarts is how many executions ran in a new execution
	// environment: with an Init Duration, or a SnapStart restore.
	ColdStarts int64 `json:"coldStarts"`
	// Restores is how many of those restored a SnapStart snapshot (their
	// REPORT has a Restore Duration instead of an Init Duration).
	Restores int64 `json:"restores"`
	// TenantColdStarts counts the cold starts of the tenant-isolated
	// function by tenant: each tenant's environments are its own.
	TenantColdStarts map[string]int64 `json:"tenantColdStarts"`
	// SignatureFailures is how many requests got a 403 from SigV4
	// verification.
	SignatureFailures int64 `json:"signatureFailures"`
	// BytesReceived sums the request bodies (payloads) read.
	BytesReceived int64 `json:"bytesReceived"`
	// Recorded counts the payloads the `record` function received, by
	// payload text, so that a test can prove which invocations arrived and
	// that none arrived twice.
	Recorded map[string]int64 `json:"recorded"`
	// TLSHellos is how many TLS ClientHellos the -tls-listen and
	// -tls12-listen listeners received: one per TLS connection a client
	// began, whether or not it then accepted the certificate or a version
	// (a client that refuses either sends no request, so nothing else is
	// counted).
	TLSHellos int64 `json:"tlsHellos"`
	// ProxyConnects is how many CONNECT tunnels the -proxy-listen proxy
	// opened (authorized, and the port on 127.0.0.1 accepted the
	// connection).
	ProxyConnects int64 `json:"proxyConnects"`
	// ProxyForwards is how many absolute-form requests it forwarded.
	ProxyForwards int64 `json:"proxyForwards"`
	// ProxyAuthFailures is how many requests (CONNECT or forward) it
	// answered 407, for missing or wrong credentials (-proxy-auth): those
	// are in neither count above.
	ProxyAuthFailures int64 `json:"proxyAuthFailures"`
	// StreamInvocations is how many of the invocations came to the
	// InvokeWithResponseStream path, rejected or not.
	StreamInvocations int64 `json:"streamInvocations"`
	// StreamChunks is how many PayloadChunk events the streamed answers
	// sent (the damaged ones of the misbehaving functions included), each
	// counted just before it left.
	StreamChunks int64 `json:"streamChunks"`
	// URLRequests is every request under /lambda-url/ (function URLs),
	// which are in none of the counts above.
	URLRequests int64 `json:"urlRequests"`
	// URLAuthFailures is how many of them got a 403 from SigV4
	// verification.
	URLAuthFailures int64 `json:"urlAuthFailures"`
}

func newStats() *stats {
	return &stats{byFunction: map[string]int64{}, byStatus: map[string]int64{}, recorded: map[string]int64{},
		tenantColdStarts: map[string]int64{}}
}

func (s *stats) add(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *stats) countInvocation()       { s.add(func() { s.invocations++ }) }
func (s *stats) countFunction(n string) { s.add(func() { s.byFunction[n]++ }) }
func (s *stats) countOutcome(o string)  { s.add(func() { s.byStatus[o]++ }) }
func (s *stats) countSignatureFailure() { s.add(func() { s.signatureFailures++ }) }
func (s *stats) countBytes(n int)       { s.add(func() { s.bytesReceived += int64(n) }) }
func (s *stats) record(payload string)  { s.add(func() { s.recorded[payload]++ }) }
func (s *stats) countTLSHello()         { s.add(func() { s.tlsHellos++ }) }
func (s *stats) countProxyConnect()     { s.add(func() { s.proxyConnects++ }) }
func (s *stats) countProxyForward()     { s.add(func() { s.proxyForwards++ }) }
func (s *stats) countProxyAuthFailure() { s.add(func() { s.proxyAuthFailures++ }) }
func (s *stats) countStreamInvocation() { s.add(func() { s.streamInvocations++ }) }
func (s *stats) countStreamChunk()      { s.add(func() { s.streamChunks++ }) }
func (s *stats) countURLRequest()       { s.add(func() { s.urlRequests++ }) }
func (s *stats) countURLAuthFailure()   { s.add(func() { s.urlAuthFailures++ }) }
func statusOutcome(status int) string   { return strconv.Itoa(status) }

// countColdStart counts a new execution environment: a tenant's (tenant
// not ""), a SnapStart restore's, or another.
func (s *stats) countColdStart(tenant string, restored bool) {
	s.add(func() {
		s.coldStarts++
		if restored {
			s.restores++
		}
		if tenant != "" {
			s.tenantColdStarts[tenant]++
		}
	})
}
func (s *stats) snapshot() statsSnapshot { return s.take(false) }

// take copies the counters and, with reset, zeroes them in the same step,
// so that nothing counted between the two is lost.
func (s *stats) take(reset bool) statsSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := statsSnapshot{
		Invocations:       s.invocations,
		ByFunction:        s.byFunction,
		ByStatus:          s.byStatus,
		ColdStarts:        s.coldStarts,
		Restores:          s.restores,
		TenantColdStarts:  s.tenantColdStarts,
		SignatureFailures: s.signatureFailures,
		BytesReceived:     s.bytesReceived,
		Recorded:          s.recorded,
		TLSHellos:         s.tlsHellos,
		ProxyConnects:     s.proxyConnects,
		ProxyForwards:     s.proxyForwards,
		ProxyAuthFailures: s.proxyAuthFailures,
		StreamInvocations: s.streamInvocations,
		StreamChunks:      s.streamChunks,
		URLRequests:       s.urlRequests,
		URLAuthFailures:   s.urlAuthFailures,
	}
	if reset {
		s.invocations, s.coldStarts, s.signatureFailures, s.bytesReceived, s.tlsHellos = 0, 0, 0, 0, 0
		s.restores, s.tenantColdStarts = 0, map[string]int64{}
		s.proxyConnects, s.proxyForwards, s.proxyAuthFailures = 0, 0, 0
		s.streamInvocations, s.streamChunks, s.urlRequests, s.urlAuthFailures = 0, 0, 0, 0
		s.byFunction, s.byStatus, s.recorded = map[string]int64{}, map[string]int64{}, map[string]int64{}
		return snap
	}
	snap.ByFunction = copyCounts(s.byFunction)
	snap.ByStatus = copyCounts(s.byStatus)
	snap.Recorded = copyCounts(s.recorded)
	snap.TenantColdStarts = copyCounts(s.tenantColdStarts)
	return snap
}

func copyCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// serveStats answers GET /_test/stats.
func (s *server) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.stats.snapshot())
}

// serveReset answers POST /_test/reset: it zeroes the counters and the
// cold-start state (so the next call of every function is cold again) and
// returns the counters as they were just before.
func (s *server) serveReset(w http.ResponseWriter, _ *http.Request) {
	s.cold.reset()
	s.durable.reset()
	writeJSON(w, http.StatusOK, s.stats.take(true))
}
