package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
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

// jsonLogLine is one line of a JSON-format log: a platform event or a
// function's line.
type jsonLogLine struct {
	Time      string `json:"time"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Level     string `json:"level"`
	RequestID string `json:"requestId"`
	Message   string `json:"message"`
	Record    struct {
		RequestID string                 `json:"requestId"`
		Version   string                 `json:"version"`
		Status    string                 `json:"status"`
		Metrics   map[string]json.Number `json:"metrics"`
	} `json:"record"`
}

// json-log writes its log in the JSON format: every line a JSON object,
// the REPORT's figures in a platform.report event, Init Duration on the
// cold start only.
func TestJSONLogTail(t *testing.T) {
	ts := startServer(t, config{})
	for _, cold := range []bool{true, false} {
		r, log := tailOf(t, ts, signed("json-log", `{"a":1}`))
		id := r.header.Get("X-Amzn-RequestId")
		if string(r.body) != `{"a":1}` {
			t.Errorf("json-log echoes: %s", r.body)
		}
		if strings.Contains(log, "REPORT RequestId") || strings.Contains(log, "START RequestId") {
			t.Errorf("a text START or REPORT line in a JSON log: %q", log)
		}
		lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("cold %t: want 4 lines (start, function, runtimeDone, report), got %q", cold, log)
		}
		parsed := make([]jsonLogLine, len(lines))
		for i, line := range lines {
			decoder := json.NewDecoder(strings.NewReader(line))
			decoder.UseNumber()
			if err := decoder.Decode(&parsed[i]); err != nil {
				t.Fatalf("line %d is not JSON: %q: %v", i+1, line, err)
			}
		}
		start, function, done, report := parsed[0], parsed[1], parsed[2], parsed[3]
		if start.Type != "platform.start" || start.Record.RequestID != id || start.Record.Version != "$LATEST" ||
			!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(start.Time) {
			t.Errorf("platform.start: %q", lines[0])
		}
		if function.Level != "INFO" || function.RequestID != id || function.Message != "echoing 7 bytes" || function.Timestamp == "" {
			t.Errorf("the function's line: %q", lines[1])
		}
		if done.Type != "platform.runtimeDone" || done.Record.Status != "success" {
			t.Errorf("platform.runtimeDone: %q", lines[2])
		}
		m := report.Record.Metrics
		if report.Type != "platform.report" || report.Record.RequestID != id || report.Record.Status != "success" ||
			m["memorySizeMB"] != "128" || m["maxMemoryUsedMB"] != "64" {
			t.Errorf("platform.report: %q", lines[3])
		}
		duration, errDuration := m["durationMs"].Float64()
		billed, errBilled := m["billedDurationMs"].Int64()
		if errDuration != nil || errBilled != nil || float64(billed) != math.Max(1, math.Ceil(duration)) {
			t.Errorf("billedDurationMs %q is not durationMs %q rounded up to the ms: %q", m["billedDurationMs"], m["durationMs"], lines[3])
		}
		if init, ok := m["initDurationMs"]; ok != cold || (cold && init != "123.45") {
			t.Errorf("cold %t: initDurationMs %q", cold, init)
		}
	}
}
