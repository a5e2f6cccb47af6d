package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The canonical URI of an Invoke path is the wire path encoded again: the
// ':' that clients send as %3A appears as %253A.
func TestCanonicalURIDoubleEncodes(t *testing.T) {
	for path, want := range map[string]string{
		"/2015-03-31/functions/echo/invocations":             "/2015-03-31/functions/echo/invocations",
		"/2015-03-31/functions/echo%3Alive/invocations":      "/2015-03-31/functions/echo%253Alive/invocations",
		"/2015-03-31/functions/echo%3A%24LATEST/invocations": "/2015-03-31/functions/echo%253A%2524LATEST/invocations",
		// An unencoded ':' is encoded once (the AWS SDKs never send one).
		"/2015-03-31/functions/echo:live/invocations": "/2015-03-31/functions/echo%3Alive/invocations",
		"/a/./b/../c//d": "/a/c/d",
		"":               "/",
	} {
		if got := canonicalURI(path); got != want {
			t.Errorf("canonicalURI(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                        "",
		"Qualifier=live":          "Qualifier=live",
		"b=2&a=1&a=0":             "a=0&a=1&b=2",
		"Qualifier=%24LATEST":     "Qualifier=%24LATEST",
		"q=a+b&r=%7e&s=%e2%9c%93": "q=a%20b&r=~&s=%E2%9C%93",
		"novalue&empty=&&x=1":     "empty=&novalue=&x=1",
	} {
		if got := canonicalQuery(raw); got != want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}

// Signed end to end with the test's own signer: the payload is not ASCII,
// the FunctionName carries a qualifier (so the path has %3A) or is an ARN,
// and a query parameter is signed too.
func TestSignedInvocationsVerify(t *testing.T) {
	ts := startServer(t, config{})
	payload := `{"greeting":"héllo wörld ✓ 世界","n":1}`
	cases := []struct {
		name    string
		c       call
		version string
	}{
		{"plain name", signed("echo", payload), "$LATEST"},
		{"name:alias", signed("echo%3Alive", payload), "7"},
		{"name:$LATEST", signed("echo%3A%24LATEST", payload), "$LATEST"},
		{"Qualifier parameter", call{function: "echo", query: "Qualifier=12", body: []byte(payload), signer: &mainKeys}, "12"},
		{"full ARN", signed("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho", payload), "$LATEST"},
		{"full ARN with alias", signed("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho%3Alive", payload), "7"},
		{"partial ARN", signed("123456789012%3Afunction%3Aecho%3A3", payload), "3"},
		{"session credentials", call{function: "echo%3Alive", body: []byte(payload), signer: &sessionKeys}, "7"},
		{"empty payload", signed("echo", ""), "$LATEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.invoke(t, tc.c)
			if r.status != http.StatusOK {
				t.Fatalf("got %s", r)
			}
			want := string(tc.c.body)
			if want == "" {
				want = "{}" // Lambda hands an empty payload over as {}
			}
			if string(r.body) != want {
				t.Errorf("echo: got %q, want %q", r.body, want)
			}
			if got := r.header.Get("X-Amz-Executed-Version"); got != tc.version {
				t.Errorf("X-Amz-Executed-Version %q, want %q", got, tc.version)
			}
		})
	}
	if snap := ts.stats(t); snap.SignatureFailures != 0 {
		t.Errorf("signature failures: %d", snap.SignatureFailures)
	}
}

func TestSignatureFailures(t *testing.T) {
	ts := startServer(t, config{})
	const payload = `{"x":"é"}`
	wrongSecret := mainKeys
	wrongSecret.secret = "not the secret"
	unknownKey := mainKeys
	unknownKey.accessKey = "AKIAUNKNOWNKEY000000"
	old := mainKeys
	old.at = time.Now().Add(-16 * time.Minute)
	future := mainKeys
	future.at = time.Now().Add(16 * time.Minute)
	wrongService := mainKeys
	wrongService.service = "s3"
	noToken := sessionKeys
	noToken.token = ""
	wrongToken := sessionKeys
	wrongToken.token = "stale"
	tokenForLongTermKey := mainKeys
	tokenForLongTermKey.token = "testsessiontoken"

	cases := []struct {
		name, errorType, message string
		c                        call
	}{
		{"unsigned", "IncompleteSignatureException", "", call{function: "echo", body: []byte(payload)}},
		{"wrong secret", "InvalidSignatureException", signatureMismatchMessage, call{function: "echo", body: []byte(payload), signer: &wrongSecret}},
		{"unknown key", "UnrecognizedClientException", "The security token included in the request is invalid.", call{function: "echo", body: []byte(payload), signer: &unknownKey}},
		{"expired", "InvalidSignatureException", "Signature expired: ", call{function: "echo", body: []byte(payload), signer: &old}},
		{"from the future", "InvalidSignatureException", "Signature not yet current: ", call{function: "echo", body: []byte(payload), signer: &future}},
		{"wrong service", "InvalidSignatureException", "Credential should be scoped to correct service: 'lambda'.", call{function: "echo", body: []byte(payload), signer: &wrongService}},
		{"session key without token", "UnrecognizedClientException", "", call{function: "echo", body: []byte(payload), signer: &noToken}},
		{"session key, wrong token", "UnrecognizedClientException", "", call{function: "echo", body: []byte(payload), signer: &wrongToken}},
		{"long-term key with a token", "UnrecognizedClientException", "", call{function: "echo", body: []byte(payload), signer: &tokenForLongTermKey}},
		{"payload changed after signing", "InvalidSignatureException", signatureMismatchMessage, call{
			function: "echo", body: []byte(payload), signer: &mainKeys,
			tamper: func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"x":"è"}`)) },
		}},
		{"qualifier changed after signing", "InvalidSignatureException", signatureMismatchMessage, call{
			function: "echo%3Alive", body: []byte(payload), signer: &mainKeys,
			tamper: func(r *http.Request) {
				r.URL.Path = strings.Replace(r.URL.Path, "live", "7", 1)
				r.URL.RawPath = strings.Replace(r.URL.RawPath, "live", "7", 1)
			},
		}},
		{"signed header changed", "InvalidSignatureException", signatureMismatchMessage, call{
			function: "echo", body: []byte(payload), signer: &mainKeys, headers: map[string]string{"X-Amz-Log-Type": "None"},
			tamper: func(r *http.Request) { r.Header.Set("X-Amz-Log-Type", "Tail") },
		}},
		{"one hex digit of the signature", "InvalidSignatureException", signatureMismatchMessage, call{
			function: "echo", body: []byte(payload), signer: &mainKeys,
			tamper: func(r *http.Request) {
				a := r.Header.Get("Authorization")
				last := "0"
				if strings.HasSuffix(a, "0") {
					last = "1"
				}
				r.Header.Set("Authorization", a[:len(a)-1]+last)
			},
		}},
		{"wrong x-amz-content-sha256", "InvalidSignatureException", "x-amz-content-sha256", call{
			function: "echo", body: []byte(payload), signer: &mainKeys,
			headers: map[string]string{"X-Amz-Content-Sha256": strings.Repeat("0", 64)},
		}},
		{"host not signed", "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader'", call{
			function: "echo", body: []byte(payload), signer: &mainKeys,
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			},
		}},
		{"no Signature", "IncompleteSignatureException", "Authorization header requires 'Signature' parameter.", call{
			function: "echo", body: []byte(payload), signer: &mainKeys,
			tamper: func(r *http.Request) {
				a, _, _ := strings.Cut(r.Header.Get("Authorization"), ", Signature=")
				r.Header.Set("Authorization", a)
			},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.invoke(t, tc.c)
			if r.status != http.StatusForbidden || r.errorType() != tc.errorType {
				t.Fatalf("want 403 %s, got %s", tc.errorType, r)
			}
			if !strings.Contains(r.message(t), tc.message) {
				t.Errorf("message %q does not contain %q", r.message(t), tc.message)
			}
			if r.header.Get("X-Amzn-RequestId") == "" {
				t.Error("no X-Amzn-RequestId")
			}
		})
	}
	// A correct x-amz-content-sha256 is accepted.
	c := signed("echo", payload)
	c.headers = map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte(payload))}
	if r := ts.invoke(t, c); r.status != http.StatusOK {
		t.Fatalf("correct x-amz-content-sha256: %s", r)
	}
	snap := ts.stats(t)
	if snap.SignatureFailures != int64(len(cases)) || snap.ByStatus["403"] != int64(len(cases)) {
		t.Errorf("signature failures %d, 403s %d, want %d", snap.SignatureFailures, snap.ByStatus["403"], len(cases))
	}
}

func TestNoAuth(t *testing.T) {
	ts := startServer(t, config{noAuth: true})
	r := ts.invoke(t, call{function: "nope", body: []byte(`{}`)})
	if r.status != http.StatusNotFound || !strings.Contains(r.message(t), "arn:aws:lambda:us-east-1:123456789012:function:nope") {
		t.Fatalf("unsigned with -no-auth: %s", r)
	}
	// The region still comes from a credential scope when there is one,
	// even a wrongly signed one.
	wrong := sessionKeys
	wrong.secret = "x"
	r = ts.invoke(t, call{function: "nope", body: []byte(`{}`), signer: &wrong})
	if r.status != http.StatusNotFound || !strings.Contains(r.message(t), "arn:aws:lambda:eu-west-3:") {
		t.Fatalf("signed with -no-auth: %s", r)
	}
}
