package js

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/netext"
	"go.k6.io/k6/v2/lib/types"
)

// networkPolicy is k6's network options of a VU, in the form the library
// takes them (NetworkPolicy in src/network/policy.rs): the Rust transport
// dials by itself, so what k6's dialer and TLS configuration would apply
// to a k6/http request is handed over and applied there.
type networkPolicy struct {
	BlacklistIPs          []string          `json:"blacklistIPs,omitempty"`
	BlockHostnames        []string          `json:"blockHostnames,omitempty"`
	Hosts                 map[string]string `json:"hosts,omitempty"`
	DNS                   dnsOptions        `json:"dns"`
	InsecureSkipTLSVerify bool              `json:"insecureSkipTLSVerify,omitempty"`
	TLSVersion            tlsVersions       `json:"tlsVersion"`
	LocalIP               string            `json:"localIP,omitempty"`
}

type dnsOptions struct {
	TTLMs  int64  `json:"ttlMs"`
	Select string `json:"select"`
	Policy string `json:"policy"`
}

type tlsVersions struct {
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
}

// policyOf reads the VU's options (script options, CLI flags and K6_*
// variables, consolidated by k6), its TLS configuration and the local
// address k6's localIPs gave it.
func policyOf(state *lib.State) (*networkPolicy, error) {
	opts := state.Options
	policy := &networkPolicy{
		BlockHostnames:        opts.BlockedHostnames.Source(),
		InsecureSkipTLSVerify: opts.InsecureSkipTLSVerify.Bool,
	}
	for _, ipnet := range opts.BlacklistIPs {
		if ipnet != nil {
			policy.BlacklistIPs = append(policy.BlacklistIPs, ipnet.String())
		}
	}
	if opts.Hosts.Valid {
		// NullHosts marshals as {"name[:port]": "ip[:port]"}.
		raw, err := json.Marshal(opts.Hosts)
		if err != nil {
			return nil, fmt.Errorf("reading the hosts option: %w", err)
		}
		if err := json.Unmarshal(raw, &policy.Hosts); err != nil {
			return nil, fmt.Errorf("reading the hosts option: %w", err)
		}
	}
	dns, err := dnsOf(opts.DNS)
	if err != nil {
		return nil, err
	}
	policy.DNS = dns
	if cfg := state.TLSConfig; cfg != nil {
		// The VU's TLS configuration is what k6/http uses: tlsVersion and
		// insecureSkipTLSVerify as k6 resolved them.
		policy.InsecureSkipTLSVerify = cfg.InsecureSkipVerify
		policy.TLSVersion = tlsVersions{Min: tlsVersionName(cfg.MinVersion), Max: tlsVersionName(cfg.MaxVersion)}
	}
	if dialer, ok := state.Dialer.(*netext.Dialer); ok {
		if addr, ok := dialer.LocalAddr.(*net.TCPAddr); ok && addr != nil && addr.IP != nil {
			policy.LocalIP = addr.IP.String()
		}
	}
	return policy, nil
}

// dnsOf reads the dns option with k6's rules (internal/js/runner.go):
// ttl "inf" is a year, "0" no caching, unset 5m, else a duration or
// milliseconds.
func dnsOf(cfg types.DNSConfig) (dnsOptions, error) {
	def := types.DefaultDNSConfig()
	ttl := cfg.TTL.String
	var d time.Duration
	switch ttl {
	case "inf":
		d = 365 * 24 * time.Hour
	case "0":
	default:
		if ttl == "" {
			ttl = def.TTL.String
		}
		parsed, err := types.ParseExtendedDuration(ttl)
		if err != nil || parsed < 0 {
			return dnsOptions{}, fmt.Errorf("invalid DNS TTL: %s", ttl)
		}
		d = parsed
	}
	sel, pol := cfg.Select, cfg.Policy
	if !sel.Valid {
		sel = def.Select
	}
	if !pol.Valid {
		pol = def.Policy
	}
	return dnsOptions{TTLMs: d.Milliseconds(), Select: sel.String(), Policy: pol.String()}, nil
}

// tlsVersionName is k6's name of a TLS version ("" for no bound).
func tlsVersionName(v uint16) string {
	switch v {
	case 0:
		return ""
	case tls.VersionSSL30: //nolint:staticcheck // k6 still names it
		return "ssl3.0"
	case tls.VersionTLS10:
		return "tls1.0"
	case tls.VersionTLS11:
		return "tls1.1"
	case tls.VersionTLS12:
		return "tls1.2"
	case tls.VersionTLS13:
		return "tls1.3"
	default:
		return fmt.Sprintf("0x%04x", v)
	}
}
