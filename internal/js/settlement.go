package js

import (
	"fmt"
	"os"
	"sync"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// settlement is one invoke() promise between RegisterCallback and its
// settling. k6's event loop waits for every registered callback, so the
// callback must be enqueued exactly once on every path (success, refusal,
// a panic anywhere in between) or the VU waits for ever. The completion
// may come before Start has even returned.
type settlement struct {
	enqueue func(func() error) // from RegisterCallback: call once
	errors  *errorClasses
	reject  func(any) error

	mu        sync.Mutex
	settled   bool
	flight    *native.InFlight // set once Start succeeded
	stopWatch func() bool      // stops cancelling on VU stop
	done      bool             // the completion arrived
}

func newSettlement(enqueue func(func() error), errors *errorClasses, reject func(any) error) *settlement {
	return &settlement{enqueue: enqueue, errors: errors, reject: reject}
}

// settle runs f on the VU's event loop, unless the promise was settled
// already. A panic in f rejects the promise instead of failing the VU.
func (s *settlement) settle(f func()) {
	s.mu.Lock()
	first := !s.settled
	s.settled = true
	s.mu.Unlock()
	if !first {
		return
	}
	s.enqueue(func() error {
		defer func() {
			if r := recover(); r != nil {
				_ = s.reject(s.errors.plain("InternalError", fmt.Sprintf("xk6-lambda: settling the invocation failed: %v", r)))
			}
		}()
		f()
		return nil
	})
}

// handedOver records the started invocation and starts watching the VU's
// context (watch returns the function that stops watching), unless the
// completion already arrived.
func (s *settlement) handedOver(flight *native.InFlight, watch func() func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flight = flight
	if s.done {
		return
	}
	s.stopWatch = watch()
}

// completed is called, once, when the invocation's completion arrives: it
// stops the watch (or handedOver never starts it, if Start has not
// returned yet).
func (s *settlement) completed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.stopWatch != nil {
		s.stopWatch()
	}
}

// recoverUnsettled runs deferred in start and in the completion handler
// (it must be the deferred call itself, for recover to work): after a
// panic, or a return of start that
// neither settled nor handed the invocation over, it rejects the promise
// and then cancels an invocation already started, whose completion finds
// the promise settled. The panic is reported and stops here: it
// costs one rejected promise, not the k6 process.
func (s *settlement) recoverUnsettled() {
	r := recover()
	s.mu.Lock()
	flight, inFlight := s.flight, s.flight != nil && !s.done
	pending := !s.settled && s.flight == nil && !s.done
	s.mu.Unlock()
	if r == nil && !pending {
		return
	}
	message := "xk6-lambda: invoke returned without starting the invocation"
	if r != nil {
		message = fmt.Sprintf("xk6-lambda: invoke failed: %v", r)
		fmt.Fprintln(os.Stderr, message)
	}
	s.failWith(s.errors.plain("InternalError", message), flight, inFlight)
}

// fail rejects the promise with reason and cancels the call if it is in
// flight: a script's onChunk threw.
func (s *settlement) fail(reason any) {
	s.mu.Lock()
	flight, inFlight := s.flight, s.flight != nil && !s.done
	s.mu.Unlock()
	s.failWith(reason, flight, inFlight)
}

func (s *settlement) failWith(reason any, flight *native.InFlight, inFlight bool) {
	// Settled before the cancel: the cancelled completion, which may come
	// at once on the drain, must find the promise settled, or its
	// CancelledError would hide the reason.
	s.settle(func() { _ = s.reject(reason) })
	if inFlight {
		flight.Cancel()
	}
}

// Fault injection for tests: each step of start and of the completion
// calls inject, which panics where a test asks it to.
const (
	stepRegistered  = "registered"    // after RegisterCallback
	stepStarting    = "starting"      // before native Start
	stepStarted     = "started"       // after Start and the VU watch
	stepCompleted   = "completed"     // on the drain goroutine, before decoding
	stepOnEventLoop = "on event loop" // in the settling callback
)

var injectFault func(step string) // nil outside tests

func inject(step string) {
	if injectFault != nil {
		injectFault(step)
	}
}
