package main

// AWS Signature Version 4 verification, written from the specification
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
// and checked against the AWS signing test suite (testdata/). Only the
// Authorization-header form is accepted; presigned URLs are not an Invoke
// use case.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	sigv4Algorithm  = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	scopeTerminator = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// maxClockSkew is how far X-Amz-Date may be from the server's clock,
	// as on AWS.
	maxClockSkew = 15 * time.Minute
)

// credential is the secret (and session token, for temporary credentials)
// behind an access key id.
type credential struct {
	secret string
	token  string // "" for long-term keys, which must not send a token
}

// testCredentials are the only keys this server knows: AWS's documentation
// example key, and a temporary key whose requests must carry the session
// token.
var testCredentials = map[string]credential{
	// #nosec G101 -- the AWS documentation's example keys, for tests.
	"AKIAIOSFODNN7EXAMPLE": {secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	"ASIAIOSFODNN7EXAMPLE": {secret: "sessiontestsecretsecretsecret0000000000", token: "testsessiontoken"},
}

// verifier checks SigV4 signatures for one service.
type verifier struct {
	service     string
	credentials map[string]credential
	now         func() time.Time
	// debugf, if set, receives the canonical request and string to sign
	// when a signature does not match, to debug clients with.
	debugf func(format string, args ...any)
}

// authorization is the parsed Authorization header.
type authorization struct {
	accessKey     string
	date          string // YYYYMMDD from the credential scope
	region        string
	service       string
	terminator    string
	signedHeaders []string
	signature     string
}

func (a authorization) scope() string {
	return strings.Join([]string{a.date, a.region, a.service, a.terminator}, "/")
}

// parseAuthorization reads
// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex".
func parseAuthorization(header string) (authorization, *apiError) {
	var a authorization
	if header == "" {
		return a, errIncompleteSignature("Request is missing Authentication Token")
	}
	algorithm, rest, _ := strings.Cut(header, " ")
	if algorithm != sigv4Algorithm {
		return a, errIncompleteSignature(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", algorithm))
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[key] = value
		}
	}
	var missing []string
	for _, key := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[key] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", key))
		}
	}
	if len(missing) > 0 {
		return a, errIncompleteSignature(strings.Join(missing, " ") + " Authorization=" + header)
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 {
		return a, errIncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + fields["Credential"] + "'")
	}
	a.accessKey, a.date, a.region, a.service, a.terminator = scope[0], scope[1], scope[2], scope[3], scope[4]
	a.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	a.signature = fields["Signature"]
	return a, nil
}

// regionFromAuthorization is the credential scope's region, or "" if the
// header cannot be parsed. Used when verification is off.
func regionFromAuthorization(header string) string {
	a, err := parseAuthorization(header)
	if err != nil {
		return ""
	}
	return a.region
}

// verify checks r's signature against body and returns the credential
// scope's region. Checks run in the order AWS reports them: a malformed
// header, an unknown key or token, the clock, the scope, then the
// signature itself.
func (v *verifier) verify(r *http.Request, body []byte) (string, *apiError) {
	a, apiErr := parseAuthorization(r.Header.Get("Authorization"))
	if apiErr != nil {
		return "", apiErr
	}
	cred, known := v.credentials[a.accessKey]
	if !known || r.Header.Get("X-Amz-Security-Token") != cred.token {
		return "", errUnrecognizedClient()
	}

	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return "", errIncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + r.Header.Get("Authorization"))
	}
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return "", errIncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	now := v.now().UTC()
	if signedAt.Before(now.Add(-maxClockSkew)) {
		return "", errInvalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	}
	if signedAt.After(now.Add(maxClockSkew)) {
		return "", errInvalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	}
	if a.date != signedAt.Format(scopeDateFormat) {
		return "", errInvalidSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.date, signedAt.Format(scopeDateFormat), amzDate))
	}
	if a.service != v.service {
		return "", errInvalidSignature(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", v.service))
	}
	if a.terminator != scopeTerminator {
		return "", errInvalidSignature(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, a.terminator))
	}
	if a.region == "" {
		return "", errInvalidSignature("Credential should be scoped to a valid region. ")
	}
	if !slices.Contains(a.signedHeaders, "host") {
		return "", errInvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}

	// The body's hash: a client may state it in X-Amz-Content-Sha256
	// (S3 style); if it does, it must be the truth.
	bodyHash := sha256Hex(body)
	payloadHash := bodyHash
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && claimed != unsignedPayload {
		if !strings.EqualFold(claimed, bodyHash) {
			return "", errInvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		payloadHash = claimed
	}

	creq := canonicalRequest(r, a.signedHeaders, payloadHash)
	sts := stringToSign(amzDate, a.scope(), creq)
	want := hex.EncodeToString(hmacSHA256(signingKey(cred.secret, a.date, a.region, a.service), sts))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature))) {
		if v.debugf != nil {
			v.debugf("signature mismatch\ncanonical request:\n%s\nstring to sign:\n%s", creq, sts)
		}
		return "", errInvalidSignature(signatureMismatchMessage)
	}
	return a.region, nil
}

// canonicalRequest builds the SigV4 canonical request:
//
//	Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(requestPath(r)))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// requestPath is the path exactly as it came on the wire (still
// percent-encoded). The signature covers those bytes, not Go's decoded or
// re-encoded version of them.
func requestPath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		return path
	}
	return r.URL.EscapedPath() // absolute-form request target, or a test
}

// canonicalURI normalizes the wire path (RFC 3986 dot-segment removal;
// empty segments dropped, as the AWS SDKs do) and URI-encodes it once more.
// Since the wire path is already encoded, a ':' sent as "%3A" becomes
// "%253A": the "encode twice" rule that applies to every service but S3.
func canonicalURI(path string) string {
	return uriEncode(normalizePath(path), false)
}

func normalizePath(path string) string {
	if path == "" {
		return "/"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if !strings.Contains(path, ".") && !strings.Contains(path, "//") {
		return path
	}
	var kept []string
	for _, segment := range strings.Split(path, "/") {
		switch segment {
		case "", ".":
		case "..":
			if len(kept) > 0 {
				kept = kept[:len(kept)-1]
			}
		default:
			kept = append(kept, segment)
		}
	}
	out := "/" + strings.Join(kept, "/")
	for _, end := range []string{"/", "/.", "/.."} {
		if strings.HasSuffix(path, end) && !strings.HasSuffix(out, "/") {
			out += "/"
			break
		}
	}
	return out
}

// canonicalQuery decodes every name and value (form-style, so '+' is a
// space, as the AWS SDKs parse it), encodes them the SigV4 way and sorts
// the pairs by name, then value.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	var pairs []string
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		key, value, _ := strings.Cut(part, "=")
		pairs = append(pairs, uriEncode(queryUnescape(key), true)+"="+uriEncode(queryUnescape(value), true))
	}
	slices.SortFunc(pairs, func(x, y string) int {
		xk, xv, _ := strings.Cut(x, "=")
		yk, yv, _ := strings.Cut(y, "=")
		if c := strings.Compare(xk, yk); c != 0 {
			return c
		}
		return strings.Compare(xv, yv)
	})
	return strings.Join(pairs, "&")
}

// queryUnescape decodes leniently: an invalid escape stays as it is.
func queryUnescape(s string) string {
	if out, err := url.QueryUnescape(s); err == nil {
		return out
	}
	return s
}

// canonicalHeaderValue is every value of the named header, each trimmed
// and with runs of spaces collapsed, joined by commas. Go keeps Host and
// Transfer-Encoding (and, for chunked bodies, Content-Length) out of
// r.Header, so those come from the request's fields.
func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "transfer-encoding":
		values = r.TransferEncoding
	default:
		values = r.Header.Values(textproto.CanonicalMIMEHeaderKey(name))
		if len(values) == 0 && name == "content-length" && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = collapseSpaces(v)
	}
	return strings.Join(out, ",")
}

func collapseSpaces(v string) string {
	v = strings.Trim(v, " \t")
	for strings.Contains(v, "  ") {
		v = strings.ReplaceAll(v, "  ", " ")
	}
	return v
}

// uriEncode percent-encodes every byte except the unreserved characters
// A-Z a-z 0-9 - . _ ~ (and '/' unless encodeSlash), with upper-case hex,
// as SigV4 requires.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func stringToSign(amzDate, scope, canonicalRequest string) string {
	return sigv4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex([]byte(canonicalRequest))
}

func signingKey(secret, date, region, service string) []byte {
	key := hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	return hmacSHA256(key, scopeTerminator)
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
