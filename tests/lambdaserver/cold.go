package main

import "sync"

// coldStarts decides which executions are cold starts. The first execution
// in every set of environments is cold (there is none yet); recycled sets
// (the cold-start function's, a SnapStart version's) are also cold on every
// coldEvery-th call after that (calls 1, 1+N, 1+2N, ...), as if their
// environment were replaced.
type coldStarts struct {
	mu    sync.Mutex
	every int64
	calls map[string]int64
}

// coldStartFunction is the function whose environment keeps being
// recycled.
const coldStartFunction = "cold-start"

func newColdStarts(every int) *coldStarts {
	if every < 1 {
		every = 1
	}
	return &coldStarts{every: int64(every), calls: map[string]int64{}}
}

// next counts an execution in the environments named key and returns its
// 1-based call number and whether it is a cold start.
func (c *coldStarts) next(key string, recycled bool) (call int64, cold bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[key]++
	call = c.calls[key]
	cold = call == 1 || (recycled && (call-1)%c.every == 0)
	return call, cold
}

// reset forgets every environment: the next call of each function is cold.
func (c *coldStarts) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int64{}
}
