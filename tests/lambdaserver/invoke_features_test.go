package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// withHeaders is c with these headers added.
func withHeaders(c call, headers map[string]string) call {
	merged := map[string]string{}
	for k, v := range c.headers {
		merged[k] = v
	}
	for k, v := range headers {
		merged[k] = v
	}
	c.headers = merged
	return c
}

// logOf is the decoded X-Amz-Log-Result of a 200.
func logOf(t *testing.T, r reply) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("got %s", r)
	}
	log, err := base64.StdEncoding.DecodeString(r.header.Get("X-Amz-Log-Result"))
	if err != nil {
		t.Fatalf("X-Amz-Log-Result is not base64: %v", err)
	}
	return string(log)
}

func tenantCall(tenant string) call {
	c := signed(tenantFunction, `{}`)
	if tenant != "" {
		c.headers = map[string]string{"X-Amz-Tenant-Id": tenant}
	}
	return c
}

// Each tenant has execution environments of its own: its first call is a
// cold start, the next warm, and another tenant's first is cold again,
// on both operations.
func TestTenantIsolation(t *testing.T) {
	ts := startServer(t, config{})
	for i, step := range []struct {
		tenant string
		want   string
	}{
		{"blue", `{"tenant":"blue","cold":true,"call":1}`},
		{"blue", `{"tenant":"blue","cold":false,"call":2}`},
		{"green team", `{"tenant":"green team","cold":true,"call":1}`},
		{"blue", `{"tenant":"blue","cold":false,"call":3}`},
		{"a.b_c:d/e=f+g-h@i", `{"tenant":"a.b_c:d/e=f+g-h@i","cold":true,"call":1}`},
	} {
		c := withHeaders(tenantCall(step.tenant), map[string]string{"X-Amz-Log-Type": "Tail"})
		r := ts.invoke(t, c)
		if string(r.body) != step.want {
			t.Errorf("step %d: %s, want %s", i, r.body, step.want)
		}
		cold := strings.Contains(step.want, `"cold":true`)
		if !reportLine(r.header.Get("X-Amzn-RequestId"), cold).MatchString(logOf(t, r)) {
			t.Errorf("step %d: REPORT of a cold start %t: %q", i, cold, logOf(t, r))
		}
	}
	stream := tenantCall("violet")
	stream.stream = true
	if r := ts.invoke(t, stream); r.status != http.StatusOK || !strings.Contains(string(r.body), `"tenant":"violet"`) {
		t.Errorf("InvokeWithResponseStream with a tenant: %s", r)
	}
	snap := ts.stats(t)
	want := map[string]int64{"blue": 1, "green team": 1, "a.b_c:d/e=f+g-h@i": 1, "violet": 1}
	if fmt.Sprint(snap.TenantColdStarts) != fmt.Sprint(want) || snap.ColdStarts != 4 {
		t.Errorf("cold starts %d by tenant %v, want 4: %v", snap.ColdStarts, snap.TenantColdStarts, want)
	}
}

// Without a tenant, a function in tenant isolation mode refuses the call;
// with one, any other function does (the troubleshooting page's two
// causes of InvalidParameterValueException); a tenant outside the model's
// constraints fails validation.
func TestTenantRefusals(t *testing.T) {
	ts := startServer(t, config{})
	for _, tc := range []struct {
		name    string
		c       call
		status  int
		errType string
		message string
	}{
		{"isolated without a tenant", tenantCall(""), 400, "InvalidParameterValueException", "has tenant isolation enabled"},
		{"isolated without a tenant, streaming", func() call { c := tenantCall(""); c.stream = true; return c }(),
			400, "InvalidParameterValueException", "has tenant isolation enabled"},
		{"another function with a tenant", withHeaders(signed("echo", `{}`), map[string]string{"X-Amz-Tenant-Id": "blue"}),
			400, "InvalidParameterValueException", "does not have tenant isolation enabled"},
		{"an empty tenant", withHeaders(signed(tenantFunction, `{}`), map[string]string{"X-Amz-Tenant-Id": ""}),
			400, "ValidationException", "greater than or equal to 1"},
		{"a tenant too long", tenantCall(strings.Repeat("t", 257)), 400, "ValidationException", "less than or equal to 256"},
		{"a tenant with a forbidden character", tenantCall("a#b"), 400, "ValidationException", "regular expression pattern"},
	} {
		r := ts.invoke(t, tc.c)
		if r.status != tc.status || r.errorType() != tc.errType || !strings.Contains(r.message(t), tc.message) {
			t.Errorf("%s: %s, want %d %s %q", tc.name, r, tc.status, tc.errType, tc.message)
		}
	}
	if snap := ts.stats(t); snap.ColdStarts != 0 {
		t.Errorf("refused calls ran: %d cold starts", snap.ColdStarts)
	}
}

var durableArnPattern = regexp.MustCompile(
	`^arn:aws:lambda:us-east-1:123456789012:function:durable:(\$LATEST|[0-9]+)/durable-execution/[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+$`)

func durableCall(name, payload string) call {
	c := signed(durableFunction, payload)
	if name != "" {
		c.headers = map[string]string{"X-Amz-Durable-Execution-Name": name}
	}
	return c
}

// The same name with the same payload returns the execution started
// first; another payload is a 409 DurableExecutionAlreadyStartedException
// (its message member spelled "Message", as the model has it); another
// name, or none, starts another.
func TestDurableExecutions(t *testing.T) {
	ts := startServer(t, config{})
	first := ts.invoke(t, durableCall("order-42", `{"n":1}`))
	arn := first.header.Get("X-Amz-Durable-Execution-Arn")
	if first.status != http.StatusOK || !durableArnPattern.MatchString(arn) || !strings.Contains(arn, "/order-42/") {
		t.Fatalf("first: %s", first)
	}
	if want := fmt.Sprintf(`{"durableExecutionArn":%q,"input":{"n":1}}`, arn); string(first.body) != want {
		t.Errorf("first: %s, want %s", first.body, want)
	}
	again := ts.invoke(t, durableCall("order-42", `{"n":1}`))
	if again.status != http.StatusOK || again.header.Get("X-Amz-Durable-Execution-Arn") != arn {
		t.Errorf("same name, same payload: %s, want the ARN %s", again, arn)
	}
	conflict := ts.invoke(t, durableCall("order-42", `{"n":2}`))
	if conflict.status != http.StatusConflict || conflict.errorType() != "DurableExecutionAlreadyStartedException" ||
		conflict.header.Get("X-Amz-Durable-Execution-Arn") != "" {
		t.Errorf("same name, another payload: %s", conflict)
	}
	if !strings.Contains(string(conflict.body), `"Message":"Execution order-42 has already been started`) {
		t.Errorf("conflict body: %s", conflict.body)
	}
	other := ts.invoke(t, durableCall("order-43", `{"n":2}`))
	unnamed := ts.invoke(t, durableCall("", `{"n":1}`))
	arns := map[string]bool{arn: true}
	for _, r := range []reply{other, unnamed} {
		a := r.header.Get("X-Amz-Durable-Execution-Arn")
		if r.status != http.StatusOK || !durableArnPattern.MatchString(a) || arns[a] {
			t.Errorf("a new execution: %s", r)
		}
		arns[a] = true
	}
	// A version's execution has the version in its ARN; Event gets the
	// ARN too; DryRun starts nothing.
	version := durableCall("order-44", `{}`)
	version.query = "Qualifier=live"
	if a := ts.invoke(t, version).header.Get("X-Amz-Durable-Execution-Arn"); !strings.Contains(a, ":durable:7/durable-execution/order-44/") {
		t.Errorf("alias live (version 7): %q", a)
	}
	event := withHeaders(durableCall("order-45", `{}`), map[string]string{"X-Amz-Invocation-Type": "Event"})
	if r := ts.invoke(t, event); r.status != http.StatusAccepted || r.header.Get("X-Amz-Durable-Execution-Arn") == "" {
		t.Errorf("Event: %s", r)
	}
	dry := withHeaders(durableCall("order-46", `{}`), map[string]string{"X-Amz-Invocation-Type": "DryRun"})
	if r := ts.invoke(t, dry); r.status != http.StatusNoContent || r.header.Get("X-Amz-Durable-Execution-Arn") != "" {
		t.Errorf("DryRun: %s", r)
	}
	// A reset forgets the executions: the name starts again, with any payload.
	ts.reset(t)
	if r := ts.invoke(t, durableCall("order-42", `{"n":2}`)); r.status != http.StatusOK || r.header.Get("X-Amz-Durable-Execution-Arn") == arn {
		t.Errorf("after a reset: %s", r)
	}
	// Names outside the model's constraints.
	for name, message := range map[string]string{
		strings.Repeat("n", 65): "less than or equal to 64",
		"dot.ted":               "regular expression pattern",
	} {
		if r := ts.invoke(t, durableCall(name, `{}`)); r.status != 400 || r.errorType() != "ValidationException" ||
			!strings.Contains(r.message(t), message) {
			t.Errorf("name %q: %s", name, r)
		}
	}
}

// restoreReport matches the REPORT of a SnapStart restore: Restore
// Duration and Billed Restore Duration where a cold start has its Init
// Duration.
func restoreReport(requestID string) *regexp.Regexp {
	return regexp.MustCompile(`(^|\n)REPORT RequestId: ` + regexp.QuoteMeta(requestID) +
		`\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t` +
		`Restore Duration: 312\.50 ms\tBilled Restore Duration: 180 ms\t\n$`)
}

// A published version of the SnapStart function restores its first
// environment (REPORT with the restore's figures, no Init Duration), then
// runs warm; $LATEST has no SnapStart and initialises.
func TestSnapStartRestore(t *testing.T) {
	ts := startServer(t, config{coldEvery: 100})
	version := withHeaders(signed(snapStartFunction, `{}`), map[string]string{"X-Amz-Log-Type": "Tail"})
	version.query = "Qualifier=live"
	r := ts.invoke(t, version)
	if log := logOf(t, r); !restoreReport(r.header.Get("X-Amzn-RequestId")).MatchString(log) || strings.Contains(log, "Init Duration") {
		t.Errorf("restored cold start: %q", log)
	}
	r = ts.invoke(t, version)
	if log := logOf(t, r); !reportLine(r.header.Get("X-Amzn-RequestId"), false).MatchString(log) {
		t.Errorf("warm: %q", log)
	}
	ts.reset(t)
	latest := withHeaders(signed(snapStartFunction, `{}`), map[string]string{"X-Amz-Log-Type": "Tail"})
	r = ts.invoke(t, latest)
	if log := logOf(t, r); !reportLine(r.header.Get("X-Amzn-RequestId"), true).MatchString(log) {
		t.Errorf("$LATEST cold start: %q", log)
	}
	r = ts.invoke(t, version)
	_ = logOf(t, r)
	if snap := ts.stats(t); snap.ColdStarts != 2 || snap.Restores != 1 {
		t.Errorf("cold starts %d, restores %d: want 2 and 1", snap.ColdStarts, snap.Restores)
	}
}

// The JSON log format has the restore's figures as platform.report
// metrics.
func TestSnapStartJSONReport(t *testing.T) {
	l := newExecutionLog("id-1", "7", true)
	l.restored = true
	log := l.finish(0, true)
	for _, want := range []string{`"restoreDurationMs":312.5`, `"billedRestoreDurationMs":180`} {
		if !strings.Contains(log, want) || strings.Contains(log, "initDurationMs") {
			t.Errorf("want %s and no initDurationMs: %s", want, log)
		}
	}
}
