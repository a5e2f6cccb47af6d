package js

import (
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
)

// A signed request carries the access key ID, a signature and, with
// temporary credentials, the session token. Over plain http:// to a host
// that is not loopback, they cross the network readable: k6 logs a
// warning, once per host for the process (issue 20, item 5). Loopback
// (localhost, 127.0.0.0/8, ::1) is a local emulator's and stays quiet.
//
// What is checked: the endpoint the library will use, as far as Go can
// tell (AWSConfig's endpoint, else AWS_ENDPOINT_URL_LAMBDA, else
// AWS_ENDPOINT_URL; an endpoint_url in an AWS profile is not seen here),
// when the client is made at its first call; and each invokeUrl URL.

// warner is what k6's logger offers that this needs.
type warner interface {
	Warnf(format string, args ...any)
}

// maxPlainHTTPHosts bounds the hosts remembered: a script that names ever
// more hosts gets no more warnings, and no ever-growing set.
const maxPlainHTTPHosts = 100

// plainHTTPWarned is the set of hosts warned about, process-wide.
var plainHTTPWarned = struct {
	sync.Mutex
	hosts map[string]struct{}
}{hosts: map[string]struct{}{}}

// warnPlainHTTP warns, once per host for the process, when rawURL is
// http:// to a host that is not loopback. what says what the URL is.
func warnPlainHTTP(logger warner, rawURL, what string) {
	host := plainHTTPHost(rawURL)
	if host == "" || logger == nil {
		return
	}
	plainHTTPWarned.Lock()
	_, seen := plainHTTPWarned.hosts[host]
	full := len(plainHTTPWarned.hosts) >= maxPlainHTTPHosts
	if !seen && !full {
		plainHTTPWarned.hosts[host] = struct{}{}
	}
	plainHTTPWarned.Unlock()
	if seen || full {
		return
	}
	logger.Warnf("xk6-lambda: the %s http://%s is not loopback: requests to it are signed with your AWS "+
		"credentials and sent unencrypted (the access key ID, the signature and any session token can be "+
		"read on the way); use https://", what, host)
}

// plainHTTPHost is rawURL's host when its scheme is http and the host is
// not loopback; "" otherwise (https://, a bare host, which means https://,
// or anything unparsable).
func plainHTTPHost(rawURL string) string {
	rawURL = strings.TrimSpace(rawURL)
	if len(rawURL) < len("http://") || !strings.EqualFold(rawURL[:len("http://")], "http://") {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || isLoopback(host) {
		return ""
	}
	return host
}

// isLoopback: localhost (and its subdomains, RFC 6761), or a loopback
// address (IPv4-mapped ones included: Go reads ::ffff:127.0.0.1 as IPv4).
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// configuredEndpoint is the endpoint the library will take, as far as Go
// can tell: the script's, else AWS_ENDPOINT_URL_LAMBDA, else
// AWS_ENDPOINT_URL.
func configuredEndpoint(cfg *clientConfig) string {
	if cfg.Endpoint != nil && strings.TrimSpace(*cfg.Endpoint) != "" {
		return *cfg.Endpoint
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_LAMBDA"); endpoint != "" {
		return endpoint
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}
