package js

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// TestMain runs the tests, then checks that they left nothing behind in the
// library: every invocation they started (fault injection, cancellation and
// refusals included) completed, and its handle, completion and error
// strings were freed. Client handles are not checked: the test runtimes
// stay reachable (sampleChannels) until the process ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := waitForNothingInFlight(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "leak check after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func waitForNothingInFlight(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		counts, err := native.ReadLiveCounts()
		if err != nil {
			return err
		}
		if counts.InFlight == 0 && counts.Completions == 0 && counts.Invocations == 0 && counts.Strings == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still live after %v: %+v", limit, counts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLiveCountsIsAnObjectOfCounts(t *testing.T) {
	t.Parallel()
	srv := fakeLambda(t)
	got := run(t, newRuntime(t), srv.URL, `
		await client.invoke('add-numbers', '{}');
		const c = liveCounts();
		result = Object.keys(c).map((k) => [k, Number.isInteger(c[k]) && c[k] >= 0]);
		result.push(['clients >= 1', c.clients >= 1], ['queues', c.queues === 1]);`)
	assert.JSONEq(t, `[["clients",true],["queues",true],["invocations",true],["inFlight",true],
		["completions",true],["strings",true],["clients >= 1",true],["queues",true]]`, got)
	_, err := newInitRuntime(t).VU.Runtime().RunString(`liveCounts()`)
	require.NoError(t, err, "liveCounts() works in the init context too")
}
