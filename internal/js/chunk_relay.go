package js

import (
	"sync"

	"github.com/grafana/sobek"
)

// chunkRelay carries a streamed call's chunks from the completion drain to
// the script's onChunk, on the VU's event loop, in order, all before the
// promise settles.
//
// k6's event loop runs a callback only through a registration made on the
// loop (RegisterCallback), used exactly once. So the relay holds one
// registration at a time: the drain queues the chunks that arrive and, if
// none is queued yet, spends the registration on a run that delivers every
// chunk queued by the time it runs; that run, on the loop, registers the
// next one. A burst of chunks costs one trip to the loop, not one each.
// The outcome's settling is queued after the last run (see
// streamReceiver.Done), so onChunk never runs after the promise settled.
type chunkRelay struct {
	register func() func(func() error) // the VU's RegisterCallback
	rt       *sobek.Runtime
	onChunk  sobek.Callable
	s        *settlement

	mu      sync.Mutex
	pending [][]byte
	// next is the registration the next run will use; nil while a run is
	// queued (it makes the next one), and once the relay is closed.
	next   func(func() error)
	closed bool
	// thrown is what onChunk threw, if it did: the promise rejects with it.
	thrown any
}

// newChunkRelay makes a relay and its first registration: call it on the
// event loop.
func newChunkRelay(register func() func(func() error), rt *sobek.Runtime, onChunk sobek.Callable, s *settlement) *chunkRelay {
	return &chunkRelay{register: register, rt: rt, onChunk: onChunk, s: s, next: register()}
}

// add queues a chunk (on the drain) and, unless a run is queued already,
// queues one.
func (r *chunkRelay) add(chunk []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.pending = append(r.pending, chunk)
	if r.next != nil {
		enqueue := r.next
		r.next = nil
		enqueue(r.run)
	}
}

// close says no chunk follows. A queued run still delivers what it finds;
// an unused registration is given back (an empty callback), or the event
// loop would wait for it for ever.
func (r *chunkRelay) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.next != nil {
		enqueue := r.next
		r.next = nil
		enqueue(func() error { return nil })
	}
}

// run delivers the queued chunks to onChunk, on the event loop. If onChunk
// throws, the call is cancelled and its promise rejects with what was
// thrown (the outcome may have arrived already: its settling, queued
// after this run, asks failure() first); the chunks after it are not
// delivered.
func (r *chunkRelay) run() error {
	r.mu.Lock()
	chunks := r.pending
	r.pending = nil
	if !r.closed {
		r.next = r.register()
	}
	r.mu.Unlock()
	for _, chunk := range chunks {
		if _, err := r.onChunk(sobek.Undefined(), r.rt.ToValue(r.rt.NewArrayBuffer(chunk))); err != nil {
			thrown := thrownValue(err)
			r.mu.Lock()
			r.thrown = thrown
			r.mu.Unlock()
			r.close()
			r.s.fail(thrown)
			return nil
		}
	}
	return nil
}

// failure is what onChunk threw, or nil.
func (r *chunkRelay) failure() any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.thrown
}

// thrownValue is what a JS function threw (the exception's value), or the
// Go error for anything else.
func thrownValue(err error) any {
	if exception, ok := err.(*sobek.Exception); ok { //nolint:errorlint // sobek returns it unwrapped
		return exception.Value()
	}
	return err
}
