package js

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/netext"
	"go.k6.io/k6/v2/lib/types"
	"gopkg.in/guregu/null.v3"
)

func TestPolicyOfReadsTheVUsNetworkOptions(t *testing.T) {
	t.Parallel()
	blocked, err := types.NewNullHostnameTrie([]string{"*.lambda.test"})
	require.NoError(t, err)
	hosts, err := types.NewNullHosts(map[string]types.Host{
		"fn.test":    {IP: net.ParseIP("127.0.0.1")},
		"fn.test:80": {IP: net.ParseIP("127.0.0.2"), Port: 9000},
	})
	require.NoError(t, err)
	_, blacklisted, err := net.ParseCIDR("127.0.0.0/8")
	require.NoError(t, err)
	state := &lib.State{
		Options: lib.Options{
			BlacklistIPs:     []*lib.IPNet{{IPNet: *blacklisted}},
			BlockedHostnames: blocked,
			Hosts:            hosts,
			DNS: types.DNSConfig{
				TTL:    null.StringFrom("1m"),
				Select: types.NullDNSSelect{DNSSelect: types.DNSroundRobin, Valid: true},
				Policy: types.NullDNSPolicy{DNSPolicy: types.DNSonlyIPv6, Valid: true},
			},
		},
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true},
		Dialer:    &netext.Dialer{Dialer: net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}},
	}
	policy, err := policyOf(state)
	require.NoError(t, err)
	got, err := json.Marshal(policy)
	require.NoError(t, err)
	assert.JSONEq(t, `{"blacklistIPs":["127.0.0.0/8"],"blockHostnames":["*.lambda.test"],
		"hosts":{"fn.test":"127.0.0.1","fn.test:80":"127.0.0.2:9000"},
		"dns":{"ttlMs":60000,"select":"roundRobin","policy":"onlyIPv6"},
		"insecureSkipTLSVerify":true,"tlsVersion":{"min":"tls1.3"},"localIP":"127.0.0.2"}`, string(got))
}

func TestPolicyOfDefaultsAreK6s(t *testing.T) {
	t.Parallel()
	for ttl, ms := range map[string]int64{"": 300000, "0": 0, "inf": 365 * 24 * 3600 * 1000, "1500": 1500} {
		policy, err := policyOf(&lib.State{Options: lib.Options{DNS: types.DNSConfig{TTL: null.StringFrom(ttl)}}})
		require.NoError(t, err, ttl)
		assert.Equal(t, dnsOptions{TTLMs: ms, Select: "random", Policy: "preferIPv4"}, policy.DNS, ttl)
	}
	_, err := policyOf(&lib.State{Options: lib.Options{DNS: types.DNSConfig{TTL: null.StringFrom("soon")}}})
	assert.ErrorContains(t, err, "invalid DNS TTL")
}

// blacklistIPs holds for invoke as for k6/http: refused with k6's code
// before anything is sent, and no sample counts it as an invocation.
func TestABlacklistedEndpointIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	_, loopback, err := net.ParseCIDR("127.0.0.0/8")
	require.NoError(t, err)
	rt := newRuntimeWith(t, func(state *lib.State) {
		state.Options.BlacklistIPs = []*lib.IPNet{{IPNet: *loopback}}
	})
	got := run(t, rt, srv.URL, `
		try { await client.invoke('add-numbers', '{}'); result = 'resolved'; }
		catch (e) { result = { dns: e instanceof DNSError, network: e instanceof NetworkError, code: e.code,
			says: e.message.includes('blacklisted') && e.message.includes('127.0.0.0/8') }; }`)
	assert.JSONEq(t, `{"dns":true,"network":true,"code":1110,"says":true}`, got)
	assert.Zero(t, received.Load(), "the server received the invocation")
	assert.Empty(t, samplesOf(drainSamples(rt), "lambda_invocations"))
}
