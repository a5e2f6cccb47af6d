package main

// The Invoke operation: POST /2015-03-31/functions/{FunctionName}/invocations
// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	invokePrefix = "/2015-03-31/functions/"
	invokeSuffix = "/invocations"

	// Payload limits of the Invoke API: 6 MB for synchronous invocations
	// (and DryRun), 1 MB for asynchronous ones.
	maxSyncPayload  = 6 * 1024 * 1024 // 6,291,456
	maxAsyncPayload = 1024 * 1024     // 1,048,576
	// maxClientContext is the size limit of X-Amz-Client-Context, counted
	// on the base64 text.
	maxClientContext = 3583
	// maxBodyRead caps what the server reads of any body. Bodies up to it
	// are read in full (so a 413 is a clean answer, not a reset); a larger
	// one gets its 413 unread and the connection is closed.
	maxBodyRead = 16 << 20

	// defaultRegion is used when no credential scope names one (-no-auth).
	defaultRegion = "us-east-1"
)

// Invocation types and log types, as the API spells them.
const (
	requestResponse = "RequestResponse"
	event           = "Event"
	dryRun          = "DryRun"
	logNone         = "None"
	logTail         = "Tail"
)

// invocation is one validated Invoke request.
type invocation struct {
	requestID      string
	name           string // function name, without ARN prefix or qualifier
	qualifier      string // "" when unqualified
	version        string // the version that executes (X-Amz-Executed-Version)
	region         string
	invocationType string
	tail           bool   // X-Amz-Log-Type: Tail on a RequestResponse call
	payload        []byte // as received; "{}" when the body was empty
	clientContext  []byte // decoded X-Amz-Client-Context, nil if absent
	peer           peer   // the connection it came on (whoami)
	tenant         string // X-Amz-Tenant-Id, "" if absent
	durableName    string // X-Amz-Durable-Execution-Name (Invoke only)
	durableArn     string // the durable execution it started or found

	// Set when the function executes.
	log  *executionLog
	call int64
	cold bool
}

// operation is what tells the two invoke operations apart: Invoke, and
// InvokeWithResponseStream (stream.go). Both take the same request.
type operation struct {
	prefix, suffix string
	// invocationTypes are the X-Amz-Invocation-Type values it accepts.
	invocationTypes []string
	streaming       bool
}

var (
	invokeOperation = operation{prefix: invokePrefix, suffix: invokeSuffix,
		invocationTypes: []string{requestResponse, event, dryRun}}
	streamOperation = operation{prefix: streamPrefix, suffix: streamSuffix,
		invocationTypes: []string{requestResponse, dryRun}, streaming: true}
)

// functionName returns the FunctionName segment (still escaped) of the
// operation's path.
func (op operation) functionName(path string) (string, bool) {
	if !strings.HasPrefix(path, op.prefix) || !strings.HasSuffix(path, op.suffix) ||
		len(path) < len(op.prefix)+len(op.suffix) {
		return "", false
	}
	segment := path[len(op.prefix) : len(path)-len(op.suffix)]
	return segment, !strings.Contains(segment, "/")
}

// exists says whether the operation knows the function: the streaming
// one also runs the stream-* functions.
func (op operation) exists(name string) bool {
	if _, ok := functions[name]; ok {
		return true
	}
	_, ok := streamFunctions[name]
	return ok && op.streaming
}

// invoke handles one Invoke or InvokeWithResponseStream request. Every
// request is counted once, under the function it named, before anything
// is answered.
func (s *server) invoke(w *recorder, r *http.Request, rawFunctionName string, op operation) {
	s.stats.countInvocation()
	if op.streaming {
		s.stats.countStreamInvocation()
	}
	inv := &invocation{requestID: newRequestID(), region: defaultRegion, peer: peerOf(r)}
	w.Header()["X-Amzn-RequestId"] = []string{inv.requestID}

	functionName, err := url.PathUnescape(rawFunctionName)
	if err != nil {
		functionName = rawFunctionName
	}
	ref, refErr := parseFunctionName(functionName)
	w.function = functionName
	if refErr == nil {
		w.function = ref.name
	}
	s.stats.countFunction(w.function)
	if w.function == resetDuringUploadName {
		resetDuringUpload(w, r) // before the body is read: that is the point
		return
	}

	body, apiErr := s.readBody(r, op)
	if apiErr == nil {
		apiErr = s.validate(r, body, ref, refErr, inv, op)
	}
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}

	if run, ok := streamFunctions[inv.name]; ok {
		// Only reachable through InvokeWithResponseStream.
		if inv.invocationType == dryRun {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.executeStream(w, r, inv, run)
		return
	}
	b := functions[inv.name]
	if b.before != nil && b.before(s, w, r, inv) {
		return
	}
	switch inv.invocationType {
	case event:
		// Queued for later: this server accepts it and does not run it.
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
	case dryRun:
		w.WriteHeader(http.StatusNoContent)
	case requestResponse:
		if op.streaming {
			s.executeBuffered(w, r, inv, b)
			break
		}
		s.execute(w, r, inv, b)
	}
}

// readBody reads the whole payload, counting its bytes. The limit it
// names is the one of the invocation type asked for, if the operation
// has it.
func (s *server) readBody(r *http.Request, op operation) ([]byte, *apiError) {
	limit := maxSyncPayload
	if r.Header.Get("X-Amz-Invocation-Type") == event && slices.Contains(op.invocationTypes, event) {
		limit = maxAsyncPayload
	}
	if r.ContentLength > maxBodyRead {
		return nil, errRequestTooLarge(limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyRead+1))
	s.stats.countBytes(len(body))
	switch {
	case err != nil:
		return nil, errInvalidRequestContent("Could not read the request body: " + err.Error())
	case len(body) > maxBodyRead:
		return nil, errRequestTooLarge(limit)
	}
	return body, nil
}

// validate checks the request in the order the service does (signature,
// headers, size, function, payload) and fills in inv.
func (s *server) validate(r *http.Request, body []byte, ref functionRef, refErr *apiError, inv *invocation, op operation) *apiError {
	if s.noAuth {
		if region := regionFromAuthorization(r.Header.Get("Authorization")); region != "" {
			inv.region = region
		}
	} else {
		region, apiErr := s.verifier.verify(r, body)
		if apiErr != nil {
			s.stats.countSignatureFailure()
			return apiErr
		}
		inv.region = region
	}

	inv.invocationType = r.Header.Get("X-Amz-Invocation-Type")
	if inv.invocationType == "" {
		inv.invocationType = requestResponse
	}
	if !slices.Contains(op.invocationTypes, inv.invocationType) {
		return errInvalidParameterValue(fmt.Sprintf("Unsupported invocation type %s. Supported types are: %s.",
			inv.invocationType, strings.Join(op.invocationTypes, ", ")))
	}
	switch logType := r.Header.Get("X-Amz-Log-Type"); logType {
	case "", logNone:
	case logTail:
		// The log is only there to return when the caller waits for it.
		inv.tail = inv.invocationType == requestResponse
	default:
		return errInvalidParameterValue(fmt.Sprintf("Unsupported log type %s. Supported types are: None, Tail.", logType))
	}
	if apiErr := inv.decodeClientContext(r.Header.Get("X-Amz-Client-Context")); apiErr != nil {
		return apiErr
	}
	if apiErr := inv.readTenant(r.Header); apiErr != nil {
		return apiErr
	}
	if apiErr := inv.readDurableName(r.Header, op); apiErr != nil {
		return apiErr
	}

	limit := maxSyncPayload
	if inv.invocationType == event {
		limit = maxAsyncPayload
	}
	if len(body) > limit {
		return errRequestTooLarge(limit)
	}

	if refErr != nil {
		return refErr
	}
	qualifier, apiErr := mergeQualifier(ref.qualifier, r.URL.Query().Get("Qualifier"))
	if apiErr != nil {
		return apiErr
	}
	inv.name, inv.qualifier = ref.name, qualifier
	if !op.exists(inv.name) {
		return errFunctionNotFound(inv.region, inv.name, "")
	}
	if apiErr := checkTenancy(inv); apiErr != nil {
		return apiErr
	}
	version, ok := resolveVersion(qualifier)
	if !ok {
		return errFunctionNotFound(inv.region, inv.name, qualifier)
	}
	inv.version = version

	// Lambda takes any JSON text as payload, and an empty body as {}.
	if len(body) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		return errInvalidRequestContent("Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
	}
	inv.payload = body
	return nil
}

// decodeClientContext checks X-Amz-Client-Context: base64 of a JSON object,
// at most 3583 bytes of base64.
func (inv *invocation) decodeClientContext(header string) *apiError {
	if header == "" {
		return nil
	}
	if len(header) > maxClientContext {
		return errInvalidParameterValue(fmt.Sprintf("Client context must be at most %d bytes of base64.", maxClientContext))
	}
	decoded, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return errInvalidParameterValue("Client context must be a valid Base64-encoded JSON object.")
	}
	var object map[string]json.RawMessage
	if json.Unmarshal(decoded, &object) != nil || object == nil {
		return errInvalidRequestContent("Client context must be a valid Base64-encoded JSON object.")
	}
	inv.clientContext = decoded
	return nil
}

// execute runs a RequestResponse invocation and sends the function's
// answer: 200, with X-Amz-Function-Error when the function failed.
func (s *server) execute(w *recorder, r *http.Request, inv *invocation, b behaviour) {
	started := s.startExecution(inv)
	res := b.run(r.Context(), inv)
	if res.gone {
		w.settle(outcomeGone)
		return
	}
	log := inv.log.finish(time.Since(started), inv.cold)

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(res.payload)))
	h.Set("X-Amz-Executed-Version", inv.version)
	if res.functionError != "" {
		h.Set("X-Amz-Function-Error", res.functionError)
	}
	switch {
	case res.logResult != "":
		h.Set("X-Amz-Log-Result", res.logResult)
	case inv.tail:
		h.Set("X-Amz-Log-Result", tail(log))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.payload)
}

// startExecution counts an execution of the function (a cold start or
// not) and opens its log; it returns when the execution began.
func (s *server) startExecution(inv *invocation) time.Time {
	// A SnapStart version's environments are replaced as the cold-start
	// function's are, so that a steady load sees restores all along (one
	// restore per version would give each of its time series one sample).
	inv.call, inv.cold = s.cold.next(environmentKey(inv), inv.name == coldStartFunction || restores(inv))
	if inv.cold {
		s.stats.countColdStart(inv.tenant, restores(inv))
	}
	inv.log = newExecutionLog(inv.requestID, inv.version, inv.name == jsonLogFunction)
	inv.log.restored = inv.cold && restores(inv)
	return time.Now()
}

// newRequestID makes a random (version 4) UUID, as Lambda's request ids are.
func newRequestID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
