package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// tailLimit is how much of the execution log X-Amz-Log-Result carries:
// the last 4 KB, cut at a byte boundary as Lambda does (so the first line,
// usually START, is lost on long logs while REPORT always survives).
const tailLimit = 4096

// Fixed figures for the REPORT line.
const (
	memorySizeMB    = 128
	maxMemoryUsedMB = 64
	initDurationMs  = 123.45
)

// executionLog collects what one execution writes, in the shape Lambda
// gives it:
//
//	START RequestId: <id> Version: <version>
//	<function's lines>
//	END RequestId: <id>
//	REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t[Init Duration: 123.45 ms\t]
//
// (a SnapStart restore: `Restore Duration: 312.50 ms\tBilled Restore
// Duration: 180 ms\t` in place of the Init Duration)
//
// or, for a function whose log format is JSON (LoggingConfig LogFormat
// JSON), one JSON object a line: platform events for START, END (the
// runtime's platform.runtimeDone) and REPORT, and the function's lines as
// the Node.js runtime writes them in that format:
//
//	{"time":"...","type":"platform.start","record":{"requestId":"<id>","version":"<version>"}}
//	{"timestamp":"...","level":"INFO","requestId":"<id>","message":"..."}
//	{"time":"...","type":"platform.runtimeDone","record":{"requestId":"<id>","status":"success","metrics":{"durationMs":12.34,"producedBytes":0}}}
//	{"time":"...","type":"platform.report","record":{"requestId":"<id>","metrics":{"durationMs":12.34,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":64[,"initDurationMs":123.45]},"status":"success"}}
type executionLog struct {
	requestID string
	json      bool
	// restored: this cold start restored a SnapStart snapshot, and its
	// REPORT has Restore Duration and Billed Restore Duration instead of
	// Init Duration.
	restored bool
	b        strings.Builder
}

func newExecutionLog(requestID, version string, jsonFormat bool) *executionLog {
	l := &executionLog{requestID: requestID, json: jsonFormat}
	if jsonFormat {
		l.event("platform.start", map[string]any{"requestId": requestID, "version": version})
	} else {
		fmt.Fprintf(&l.b, "START RequestId: %s Version: %s\n", requestID, version)
	}
	return l
}

// logTime is a log line's time, as Lambda writes it.
func logTime() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// printf logs a line the way the Node.js runtime's console.log does:
// timestamp, request id, level, message (in the text or JSON format).
func (l *executionLog) printf(level, format string, args ...any) {
	message := fmt.Sprintf(format, args...)
	if l.json {
		l.line(struct {
			Timestamp string `json:"timestamp"`
			Level     string `json:"level"`
			RequestID string `json:"requestId"`
			Message   string `json:"message"`
		}{logTime(), level, l.requestID, message})
		return
	}
	fmt.Fprintf(&l.b, "%s\t%s\t%s\t%s\n", logTime(), l.requestID, level, message)
}

// event logs a platform event of the JSON format.
func (l *executionLog) event(kind string, record map[string]any) {
	l.line(struct {
		Time   string         `json:"time"`
		Type   string         `json:"type"`
		Record map[string]any `json:"record"`
	}{logTime(), kind, record})
}

// line logs one JSON object as a line.
func (l *executionLog) line(v any) {
	data, _ := json.Marshal(v) // strings, numbers and maps of them: cannot fail
	l.b.Write(data)
	l.b.WriteByte('\n')
}

// raw logs text as it is, as the runtime itself does for its own messages.
func (l *executionLog) raw(text string) {
	l.b.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		l.b.WriteByte('\n')
	}
}

// finish appends END and REPORT and returns the whole log. The REPORT
// fields are tab-separated and the line ends with a tab, as on Lambda.
// The duration is rounded to 0.01 ms, as the line shows it, and the
// billed duration is that rounded up to the millisecond, at least 1 ms.
func (l *executionLog) finish(duration time.Duration, cold bool) string {
	ms := math.Round(float64(duration.Microseconds())/10) / 100
	billed := int64(math.Ceil(ms))
	if billed < 1 {
		billed = 1
	}
	if l.json {
		return l.finishJSON(ms, billed, cold)
	}
	fmt.Fprintf(&l.b, "END RequestId: %s\n", l.requestID)
	fmt.Fprintf(&l.b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		l.requestID, ms, billed, memorySizeMB, maxMemoryUsedMB)
	switch {
	case cold && l.restored:
		fmt.Fprintf(&l.b, "Restore Duration: %.2f ms\tBilled Restore Duration: %d ms\t",
			restoreDurationMs, billedRestoreDurationMs)
	case cold:
		fmt.Fprintf(&l.b, "Init Duration: %.2f ms\t", initDurationMs)
	}
	l.b.WriteByte('\n')
	return l.b.String()
}

// finishJSON is finish in the JSON format: platform.runtimeDone, then
// platform.report with the REPORT line's figures as numbers.
func (l *executionLog) finishJSON(ms float64, billed int64, cold bool) string {
	l.event("platform.runtimeDone", map[string]any{
		"requestId": l.requestID, "status": "success",
		"metrics": map[string]any{"durationMs": ms, "producedBytes": 0},
	})
	metrics := map[string]any{
		"durationMs": ms, "billedDurationMs": billed,
		"memorySizeMB": memorySizeMB, "maxMemoryUsedMB": maxMemoryUsedMB,
	}
	switch {
	case cold && l.restored:
		metrics["restoreDurationMs"] = restoreDurationMs
		metrics["billedRestoreDurationMs"] = billedRestoreDurationMs
	case cold:
		metrics["initDurationMs"] = initDurationMs
	}
	l.event("platform.report", map[string]any{"requestId": l.requestID, "metrics": metrics, "status": "success"})
	return l.b.String()
}

// tail is the value of X-Amz-Log-Result for a log.
func tail(log string) string {
	if len(log) > tailLimit {
		log = log[len(log)-tailLimit:]
	}
	return base64.StdEncoding.EncodeToString([]byte(log))
}
