package js

import (
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/types"
)

func TestPlainHTTPHosts(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"http://lambda.example:9000/p":   "lambda.example",
		"HTTP://Lambda.Example":          "lambda.example",
		"http://10.0.0.7:9000":           "10.0.0.7",
		"http://[2001:db8::1]:9000":      "2001:db8::1",
		"http://user:pw@lambda.example":  "lambda.example",
		"https://lambda.example":         "",
		"lambda.example":                 "",
		"http://127.0.0.1:9000":          "",
		"http://127.1.2.3":               "",
		"http://[::1]:9000":              "",
		"http://[::ffff:127.0.0.1]:9000": "",
		"http://localhost:9000":          "",
		"http://fn.localhost:9000":       "",
		"http://":                        "",
		"":                               "",
		"http://%zz":                     "",
	} {
		assert.Equal(t, want, plainHTTPHost(url), url)
	}
	// As the library reads an endpoint: trimmed.
	assert.Equal(t, "lambda.example", plainHTTPHost(" http://lambda.example "))
}

// recorder collects warnings.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) Warnf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, fmt.Sprintf(format, args...))
}

func TestPlainHTTPIsWarnedOncePerHost(t *testing.T) {
	t.Parallel()
	var r recorder
	warnPlainHTTP(&r, "http://once.plaintext.test:9000", "endpoint")
	warnPlainHTTP(&r, "http://once.plaintext.test:9001/other", "function URL")
	warnPlainHTTP(&r, "https://once.plaintext.test", "endpoint")
	warnPlainHTTP(&r, "http://127.0.0.1:9000", "endpoint")
	require.Len(t, r.seen, 1)
	assert.Contains(t, r.seen[0], "the endpoint http://once.plaintext.test is not loopback")
	assert.Contains(t, r.seen[0], "use https://")
	warnPlainHTTP(&r, "http://twice.plaintext.test", "function URL")
	assert.Len(t, r.seen, 2)
	warnPlainHTTP(nil, "http://nil-logger.plaintext.test", "endpoint") // no logger: nothing
}

// Through the module: a client whose endpoint is http:// to a name that
// is not loopback (k6's hosts maps it to the fake server) warns once in
// k6's log, however many calls it makes. A loopback endpoint says nothing.
func TestCredentialsOverPlainHTTPAreWarnedInK6sLog(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	logger, hook := logtest.NewNullLogger()
	hosts, err := types.NewNullHosts(map[string]types.Host{"plaintext-endpoint.test": {IP: net.ParseIP("127.0.0.1")}})
	require.NoError(t, err)
	runtime := func() *modulestest.Runtime {
		return newRuntimeWith(t, func(state *lib.State) {
			state.Logger = logger
			state.Options.Hosts = hosts
		})
	}
	got := run(t, runtime(), srv.URL, `
		await client.invoke('add-numbers', '{}');
		await client.invoke('add-numbers', '{}');
		result = 'ok';`)
	assert.Equal(t, `"ok"`, got)
	assert.Empty(t, hook.AllEntries(), "a loopback endpoint")

	plain := "http://plaintext-endpoint.test:" + srv.URL[len("http://127.0.0.1:"):]
	got = run(t, runtime(), plain, `
		for (let i = 0; i < 3; i++) await client.invoke('add-numbers', '{}');
		result = 'ok';`)
	assert.Equal(t, `"ok"`, got)
	entries := hook.AllEntries()
	require.Len(t, entries, 1)
	assert.Equal(t, logrus.WarnLevel, entries[0].Level)
	assert.Contains(t, entries[0].Message, "the endpoint http://plaintext-endpoint.test is not loopback")
}
