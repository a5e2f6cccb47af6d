package main

import (
	"encoding/base64"
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
type executionLog struct {
	requestID string
	b         strings.Builder
}

func newExecutionLog(requestID, version string) *executionLog {
	l := &executionLog{requestID: requestID}
	fmt.Fprintf(&l.b, "START RequestId: %s Version: %s\n", requestID, version)
	return l
}

// printf logs a line the way the Node.js runtime's console.log does:
// timestamp, request id, level, message.
func (l *executionLog) printf(level, format string, args ...any) {
	fmt.Fprintf(&l.b, "%s\t%s\t%s\t%s\n",
		time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), l.requestID, level, fmt.Sprintf(format, args...))
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
func (l *executionLog) finish(duration time.Duration, cold bool) string {
	ms := float64(duration.Microseconds()) / 1000
	billed := int64(math.Ceil(ms))
	if billed < 1 {
		billed = 1
	}
	fmt.Fprintf(&l.b, "END RequestId: %s\n", l.requestID)
	fmt.Fprintf(&l.b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		l.requestID, ms, billed, memorySizeMB, maxMemoryUsedMB)
	if cold {
		fmt.Fprintf(&l.b, "Init Duration: %.2f ms\t", initDurationMs)
	}
	l.b.WriteByte('\n')
	return l.b.String()
}

// tail is the value of X-Amz-Log-Result for a log.
func tail(log string) string {
	if len(log) > tailLimit {
		log = log[len(log)-tailLimit:]
	}
	return base64.StdEncoding.EncodeToString([]byte(log))
}
