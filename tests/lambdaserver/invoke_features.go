package main

// Features of today's Invoke API, as its reference and the developer guide
// describe them (the request headers and error shapes are those of the
// service model, botocore's lambda/2015-03-31/service-2.json):
//
//   - tenant isolation (X-Amz-Tenant-Id, "Invoking Lambda functions with
//     tenant isolation" and "Troubleshooting tenant isolation"): a function
//     in that mode keeps execution environments per tenant, so each new
//     tenant is a cold start; a call to it without a tenant, and a call
//     with one to any other function, is a 400 InvalidParameterValueException;
//   - durable functions (X-Amz-Durable-Execution-Name, the response's
//     X-Amz-Durable-Execution-Arn): the same name with the same payload
//     returns the execution started first, another payload is a 409
//     DurableExecutionAlreadyStartedException;
//   - SnapStart ("Monitoring for Lambda SnapStart"): a published version's
//     new execution environment is restored from a snapshot, and its
//     REPORT has Restore Duration and Billed Restore Duration instead of
//     Init Duration; $LATEST has no SnapStart, and initialises as usual.

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
)

// The functions of this file.
const (
	tenantFunction    = "tenant-isolated"
	durableFunction   = "durable"
	snapStartFunction = "snapstart"
)

// The REPORT figures of a SnapStart restore (logs.go writes them).
const (
	restoreDurationMs       = 312.50
	billedRestoreDurationMs = 180
)

// Constraints of the service model.
const (
	maxTenantID             = 256
	maxDurableExecutionName = 64
)

var (
	tenantIDPattern             = regexp.MustCompile(`^[a-zA-Z0-9._:/=+\-@ ]+$`)
	durableExecutionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// readTenant reads X-Amz-Tenant-Id into inv.tenant, refusing a value
// outside the model's constraints as the service's validation does.
func (inv *invocation) readTenant(h http.Header) *apiError {
	values, present := h["X-Amz-Tenant-Id"]
	if !present {
		return nil
	}
	tenant := values[0]
	switch {
	case tenant == "":
		return errValidation(tenant, "tenantId", "Member must have length greater than or equal to 1")
	case len(tenant) > maxTenantID:
		return errValidation(tenant, "tenantId", fmt.Sprintf("Member must have length less than or equal to %d", maxTenantID))
	case !tenantIDPattern.MatchString(tenant):
		return errValidation(tenant, "tenantId", `Member must satisfy regular expression pattern: [a-zA-Z0-9\._:\/=+\-@ ]+`)
	}
	inv.tenant = tenant
	return nil
}

// readDurableName reads X-Amz-Durable-Execution-Name (Invoke only: the
// streaming operation has no such member, and ignores the header).
func (inv *invocation) readDurableName(h http.Header, op operation) *apiError {
	values, present := h["X-Amz-Durable-Execution-Name"]
	if !present || op.streaming {
		return nil
	}
	name := values[0]
	switch {
	case name == "":
		return errValidation(name, "durableExecutionName", "Member must have length greater than or equal to 1")
	case len(name) > maxDurableExecutionName:
		return errValidation(name, "durableExecutionName",
			fmt.Sprintf("Member must have length less than or equal to %d", maxDurableExecutionName))
	case !durableExecutionNamePattern.MatchString(name):
		return errValidation(name, "durableExecutionName", "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+")
	}
	inv.durableName = name
	return nil
}

// checkTenancy refuses a call without a tenant to a function in tenant
// isolation mode, and a call with one to any other function.
func checkTenancy(inv *invocation) *apiError {
	isolated := inv.name == tenantFunction
	switch {
	case isolated && inv.tenant == "":
		return errInvalidParameterValue("The function " + inv.name +
			" has tenant isolation enabled: invoke it with a tenant ID (X-Amz-Tenant-Id).")
	case !isolated && inv.tenant != "":
		return errInvalidParameterValue("The function " + inv.name +
			" does not have tenant isolation enabled: invoke it without a tenant ID.")
	}
	return nil
}

// environmentKey names the execution environments an invocation may run
// in: the function's, or for tenant isolation the tenant's own. The
// SnapStart function's versions have theirs each (as every version has on
// Lambda; the other functions of this server keep one set, which the
// cold-start tests count on), so that $LATEST's Init and a version's
// restore are both seen.
func environmentKey(inv *invocation) string {
	switch {
	case inv.tenant != "":
		return inv.name + "\x00tenant:" + inv.tenant
	case inv.name == snapStartFunction:
		return inv.name + ":" + inv.version
	default:
		return inv.name
	}
}

// restores says whether a cold start of this invocation restores a
// SnapStart snapshot: the snapstart function's published versions.
func restores(inv *invocation) bool {
	return inv.name == snapStartFunction && inv.version != "$LATEST"
}

// reportTenant says which tenant ran, in which call of its own
// environments, and whether it was a cold start.
func reportTenant(_ context.Context, inv *invocation) result {
	inv.log.printf("INFO", "tenant %s, call %d, cold: %t", inv.tenant, inv.call, inv.cold)
	return result{payload: fmt.Appendf(nil, `{"tenant":%q,"cold":%t,"call":%d}`, inv.tenant, inv.cold, inv.call)}
}

// durableExecution is an execution a name started.
type durableExecution struct {
	arn     string
	payload string
}

// durableExecutions are the executions of the durable function by name.
type durableExecutions struct {
	mu      sync.Mutex
	byName  map[string]durableExecution
	started int64 // for the ARNs of unnamed executions
}

func newDurableExecutions() *durableExecutions {
	return &durableExecutions{byName: map[string]durableExecution{}}
}

// start returns the execution of name for payload: the one started
// before when it had the same payload (conflict false), none when it had
// another (conflict true), a new one otherwise. An empty name starts a
// new execution under a generated name, as Lambda does.
func (d *durableExecutions) start(region, version, name string, payload []byte) (arn string, conflict bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.started++
	if name == "" {
		name = fmt.Sprintf("generated-%d", d.started)
	} else if previous, ok := d.byName[name]; ok {
		if previous.payload != string(payload) {
			return previous.arn, true
		}
		return previous.arn, false
	}
	arn = fmt.Sprintf("%s:%s/durable-execution/%s/%s", functionARN(region, durableFunction), version, name,
		newRequestID())
	d.byName[name] = durableExecution{arn: arn, payload: string(payload)}
	return arn, false
}

// reset forgets every execution.
func (d *durableExecutions) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byName = map[string]durableExecution{}
}

// startDurable starts (or finds) the execution before the function runs:
// its ARN goes out as X-Amz-Durable-Execution-Arn, for Event too; a name
// already started with another payload is refused. DryRun starts nothing.
func startDurable(s *server, w *recorder, _ *http.Request, inv *invocation) bool {
	if inv.invocationType == dryRun {
		return false
	}
	arn, conflict := s.durable.start(inv.region, inv.version, inv.durableName, inv.payload)
	if conflict {
		e := userError(http.StatusConflict, "DurableExecutionAlreadyStartedException",
			fmt.Sprintf("Execution %s has already been started with a different input: %s", inv.durableName, arn))
		e.capitalMessage = true // the model's member is "Message"
		writeAPIError(w, e)
		return true
	}
	w.Header().Set("X-Amz-Durable-Execution-Arn", arn)
	inv.durableArn = arn
	return false
}

// durableResult is the execution's result: its ARN and its input.
func durableResult(_ context.Context, inv *invocation) result {
	inv.log.printf("INFO", "durable execution %s", inv.durableArn)
	return result{payload: fmt.Appendf(nil, `{"durableExecutionArn":%q,"input":%s}`, inv.durableArn, inv.payload)}
}
