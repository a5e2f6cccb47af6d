package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// reportLine matches a whole REPORT line: tab-separated fields, a tab at
// the end, Init Duration only on cold starts.
func reportLine(requestID string, cold bool) *regexp.Regexp {
	init := ""
	if cold {
		init = `Init Duration: \d+\.\d\d ms\t`
	}
	return regexp.MustCompile(`(^|\n)REPORT RequestId: ` + regexp.QuoteMeta(requestID) +
		`\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t` + init + `\n$`)
}

// tailOf invokes with X-Amz-Log-Type: Tail and returns the decoded log.
func tailOf(t *testing.T, ts *testServer, c call) (reply, string) {
	t.Helper()
	c.headers = map[string]string{"X-Amz-Log-Type": "Tail"}
	r := ts.invoke(t, c)
	if r.status != http.StatusOK {
		t.Fatalf("got %s", r)
	}
	log, err := base64.StdEncoding.DecodeString(r.header.Get("X-Amz-Log-Result"))
	if err != nil {
		t.Fatalf("X-Amz-Log-Result is not base64: %v", err)
	}
	if len(log) > 4096 {
		t.Fatalf("log tail is %d bytes, more than 4 KB", len(log))
	}
	return r, string(log)
}

func TestLogTail(t *testing.T) {
	ts := startServer(t, config{})

	t.Run("whole log, cold", func(t *testing.T) {
		r, log := tailOf(t, ts, signed("add-numbers", `{"x":1,"y":2}`))
		id := r.header.Get("X-Amzn-RequestId")
		if !strings.HasPrefix(log, "START RequestId: "+id+" Version: $LATEST\n") {
			t.Errorf("no START line: %q", log)
		}
		if !regexp.MustCompile(`\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + id + "\tINFO\tadding 1 \\+ 2\n").MatchString(log) {
			t.Errorf("no function log line: %q", log)
		}
		if !strings.Contains(log, "\nEND RequestId: "+id+"\nREPORT ") {
			t.Errorf("no END line before REPORT: %q", log)
		}
		if !reportLine(id, true).MatchString(log) {
			t.Errorf("first call: REPORT line with Init Duration expected: %q", log)
		}
	})

	t.Run("warm", func(t *testing.T) {
		r, log := tailOf(t, ts, signed("add-numbers", `{"x":1,"y":2}`))
		if !reportLine(r.header.Get("X-Amzn-RequestId"), false).MatchString(log) {
			t.Errorf("second call: REPORT line without Init Duration expected: %q", log)
		}
	})

	t.Run("version of an alias", func(t *testing.T) {
		_, log := tailOf(t, ts, signed("echo%3Alive", `{}`))
		if !strings.Contains(log, " Version: 7\n") {
			t.Errorf("%q", log)
		}
	})

	t.Run("cut to the last 4 KB", func(t *testing.T) {
		r, log := tailOf(t, ts, signed("big-log", `{}`))
		id := r.header.Get("X-Amzn-RequestId")
		if len(log) != 4096 {
			t.Errorf("tail is %d bytes, want exactly 4096", len(log))
		}
		if strings.Contains(log, "START RequestId") || strings.Contains(log, "line 001 ") {
			t.Errorf("the beginning of the log survived the cut")
		}
		if !strings.Contains(log, "line 100 of 100") || !reportLine(id, true).MatchString(log) {
			t.Errorf("the end of the log was lost: %q", log[len(log)-300:])
		}
	})

	t.Run("function errors have logs too", func(t *testing.T) {
		r, log := tailOf(t, ts, signed("fail-unhandled", `{}`))
		id := r.header.Get("X-Amzn-RequestId")
		if !strings.Contains(log, "Error: Runtime exited with error: exit status 1\nRuntime.ExitError\nEND") ||
			!reportLine(id, true).MatchString(log) {
			t.Errorf("%q", log)
		}
	})
}

func TestColdStarts(t *testing.T) {
	ts := startServer(t, config{coldEvery: 3})
	for call := 1; call <= 7; call++ {
		cold := call == 1 || call == 4 || call == 7
		r, log := tailOf(t, ts, signed("cold-start", `{}`))
		if want := fmt.Sprintf(`{"cold":%t,"call":%d}`, cold, call); string(r.body) != want {
			t.Errorf("call %d: %s, want %s", call, r.body, want)
		}
		if !reportLine(r.header.Get("X-Amzn-RequestId"), cold).MatchString(log) {
			t.Errorf("call %d (cold %t): %q", call, cold, log)
		}
	}
	// Other functions are cold once; Event and DryRun do not execute.
	for _, invocationType := range []string{"Event", "DryRun", "RequestResponse", "RequestResponse"} {
		c := signed("echo", `{}`)
		c.headers = map[string]string{"X-Amz-Invocation-Type": invocationType}
		ts.invoke(t, c)
	}
	if snap := ts.stats(t); snap.ColdStarts != 4 {
		t.Errorf("cold starts %d, want 4 (3 cold-start, 1 echo)", snap.ColdStarts)
	}
	// A reset makes every function cold again.
	ts.reset(t)
	if r := ts.invoke(t, signed("cold-start", `{}`)); string(r.body) != `{"cold":true,"call":1}` {
		t.Errorf("after reset: %s", r.body)
	}
}

func TestTailOnlyForRequestResponse(t *testing.T) {
	ts := startServer(t, config{})
	for _, invocationType := range []string{"Event", "DryRun"} {
		c := signed("echo", `{}`)
		c.headers = map[string]string{"X-Amz-Invocation-Type": invocationType, "X-Amz-Log-Type": "Tail"}
		if r := ts.invoke(t, c); r.header.Get("X-Amz-Log-Result") != "" {
			t.Errorf("%s: X-Amz-Log-Result present", invocationType)
		}
	}
}
