//! The completion ring: where a queue publishes its completions, in memory
//! the consumer reads without calling into the library.
//!
//! Why: every call from Go into C is a system-call entry for Go's scheduler,
//! and the first one after Go sat idle wakes Go's monitor thread (sysmon),
//! which then polls every 20 µs for a while. A drain that took its
//! completions with a call woke it for nearly every completion at a fixed
//! arrival rate: 3.9 of an invocation's 7.4 context switches at 2,000/s
//! (tests/bench/RESULTS.md, findings 15 and 16). Reading the ring makes no
//! call at all: Go waits for the wake descriptor in its network poller,
//! reads the slots with atomic loads, and moves `head` on.
//!
//! Who owns what: the library owns every slot's data. The consumer borrows
//! a slot from the moment `tail` covers it until it moves `head` past it;
//! the library frees the data of the slots behind `head` the next time it
//! publishes, refills or is asked to (`lambda_completion_queue_reclaim`).
//! Completions that find the ring full wait in an overflow list, in order,
//! and `overflow` tells the consumer to pull them in
//! (`lambda_completion_queue_refill`).

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::ptr::addr_of_mut;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::queue::LambdaCompletion;
use super::result::LambdaCompletionData;

/// Slots in a ring: more than the completions a saturated k6 run has
/// waiting at once (1,000 VUs), so the overflow list stays a rare path.
pub(super) const RING_SLOTS: u64 = 1024;

/// A completion queue's ring as its consumer sees it
/// (`lambda_completion_queue_ring`). Slot `i` is `slots[i % capacity]`.
///
/// Every access to `head`, `tail`, `signalled` and `overflow` is an atomic
/// load or store of the field's size, sequentially consistent (Go's
/// sync/atomic; in C, `__atomic_load_n`/`__atomic_store_n` with
/// `__ATOMIC_SEQ_CST`, as tests/c/smoke.c does).
/// `capacity` and `slots` never change.
///
/// The consumer's loop:
/// 1. while `head` != `tail`: read slot `head`, copy out what it needs,
///    then store `head + 1` (the slot's data may be freed from then on);
/// 2. if `overflow` is 1, call `lambda_completion_queue_refill`, go to 1;
/// 3. store 0 to `signalled`, then look at `tail` and `overflow` once more:
///    if either moved, go to 1;
/// 4. wait until the wake descriptor is readable, reset it (read its
///    8-byte counter), go to 1.
///
/// A queue has one consumer: the ring, or `lambda_completion_queue_take`
/// and `_wait`, not both.
#[repr(C)]
pub struct LambdaCompletionRing {
    /// The next slot the consumer reads. Written by the consumer only.
    pub head: u64,
    /// One past the last slot published. Written by the library only.
    pub tail: u64,
    /// How many slots `slots` has.
    pub capacity: u64,
    /// The slots, `capacity` of them, valid as long as the queue.
    pub slots: *const LambdaCompletion,
    /// 1 once the wake descriptor was signalled for a publication the
    /// consumer may not have seen: later publications do not signal again
    /// until the consumer stores 0 (step 3).
    pub signalled: u32,
    /// 1 while completions wait in the overflow list for a full ring.
    pub overflow: u32,
}

/// The library's side of a ring: the shared header and slots, and the
/// producer's state behind a lock (publishers are the runtime's threads).
pub(super) struct Ring {
    header: Box<UnsafeCell<LambdaCompletionRing>>,
    slots: Box<[UnsafeCell<LambdaCompletion>]>,
    producer: Mutex<Producer>,
}

struct Producer {
    /// Completions published while the ring was full, oldest first.
    overflow: VecDeque<(usize, Box<LambdaCompletionData>)>,
    /// Slots before this one had their data freed (or moved out by take).
    reclaimed: u64,
}

// SAFETY: the header's counters are only touched atomically (see
// `LambdaCompletionRing`); a slot is written only under the producer lock,
// only while it lies outside [head, tail) (nobody reads it), and read by
// the consumer only inside that range, after its publication (a
// sequentially consistent store of `tail`) and before its release (one of
// `head`).
unsafe impl Send for Ring {}
unsafe impl Sync for Ring {}

impl Ring {
    pub(super) fn new() -> Self {
        let slots: Box<[UnsafeCell<LambdaCompletion>]> = (0..RING_SLOTS)
            .map(|_| UnsafeCell::new(LambdaCompletion::EMPTY))
            .collect();
        let header = Box::new(UnsafeCell::new(LambdaCompletionRing {
            head: 0,
            tail: 0,
            capacity: RING_SLOTS,
            // UnsafeCell<T> has T's layout.
            slots: slots.as_ptr().cast(),
            signalled: 0,
            overflow: 0,
        }));
        Self {
            header,
            slots,
            producer: Mutex::new(Producer {
                overflow: VecDeque::new(),
                reclaimed: 0,
            }),
        }
    }

    /// The header, for the consumer.
    pub(super) fn header(&self) -> *mut LambdaCompletionRing {
        self.header.get()
    }

    fn head(&self) -> &AtomicU64 {
        // SAFETY: the field lives as long as self, is aligned for u64, and
        // is only ever accessed atomically.
        unsafe { AtomicU64::from_ptr(addr_of_mut!((*self.header.get()).head)) }
    }

    fn tail(&self) -> &AtomicU64 {
        // SAFETY: as `head`.
        unsafe { AtomicU64::from_ptr(addr_of_mut!((*self.header.get()).tail)) }
    }

    pub(super) fn signalled(&self) -> &AtomicU32 {
        // SAFETY: as `head`.
        unsafe { AtomicU32::from_ptr(addr_of_mut!((*self.header.get()).signalled)) }
    }

    fn overflow(&self) -> &AtomicU32 {
        // SAFETY: as `head`.
        unsafe { AtomicU32::from_ptr(addr_of_mut!((*self.header.get()).overflow)) }
    }

    fn slot(&self, index: u64) -> *mut LambdaCompletion {
        self.slots[(index % RING_SLOTS) as usize].get()
    }

    fn lock(&self) -> MutexGuard<'_, Producer> {
        self.producer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes one completion (after those waiting in the overflow list).
    /// The caller signals the wake descriptor afterwards, unless
    /// `signalled` was already set.
    pub(super) fn publish(&self, user_data: usize, data: Box<LambdaCompletionData>) {
        let mut producer = self.lock();
        producer.overflow.push_back((user_data, data));
        self.catch_up(&mut producer);
    }

    /// Frees what the consumer is done with and moves waiting completions
    /// into the slots that frees.
    pub(super) fn refill(&self) {
        self.catch_up(&mut self.lock());
    }

    /// Reclaims the slots behind `head`, then flushes the overflow list
    /// into them: what every producer-side entry does under the lock.
    fn catch_up(&self, producer: &mut Producer) {
        self.reclaim(producer);
        self.flush(producer);
    }

    /// Whether anything waits for the consumer.
    pub(super) fn ready(&self) -> bool {
        self.head().load(Ordering::SeqCst) != self.tail().load(Ordering::SeqCst)
            || self.overflow().load(Ordering::SeqCst) != 0
    }

    /// Frees the data of the slots behind `head`.
    fn reclaim(&self, producer: &mut Producer) {
        let head = self.head().load(Ordering::SeqCst);
        while producer.reclaimed < head {
            // SAFETY: the slot is behind head: the consumer is done with it,
            // and only the lock holder touches it until it is published again.
            unsafe { free_data(self.slot(producer.reclaimed)) };
            producer.reclaimed += 1;
        }
    }

    /// Moves overflowed completions into free slots, in order, then
    /// publishes them with one store of `tail`.
    fn flush(&self, producer: &mut Producer) {
        let mut tail = self.tail().load(Ordering::SeqCst);
        while tail - producer.reclaimed < RING_SLOTS {
            let Some((user_data, data)) = producer.overflow.pop_front() else {
                break;
            };
            // SAFETY: tail - capacity < reclaimed, so the slot was freed and
            // is outside [head, tail): nobody reads it.
            unsafe {
                self.slot(tail)
                    .write(LambdaCompletion::handed_over(user_data, data))
            };
            tail += 1;
        }
        self.tail().store(tail, Ordering::SeqCst);
        let waiting = u32::from(!producer.overflow.is_empty());
        self.overflow().store(waiting, Ordering::SeqCst);
    }

    /// The locking consumer of `lambda_completion_queue_take`: moves up to
    /// `capacity` completions, and the ownership of their data, into `out`.
    ///
    /// # Safety
    /// `out` is valid for `capacity` writes; the ring has no other consumer.
    pub(super) unsafe fn take(&self, out: *mut LambdaCompletion, capacity: usize) -> usize {
        let mut producer = self.lock();
        // Cleared before looking: a publication this take misses signals.
        self.signalled().store(0, Ordering::SeqCst);
        self.catch_up(&mut producer);
        let head = self.head().load(Ordering::SeqCst);
        let waiting = self.tail().load(Ordering::SeqCst) - head;
        let n = usize::try_from(waiting).map_or(capacity, |w| w.min(capacity));
        for i in 0..n {
            let slot = self.slot(head + i as u64);
            out.add(i).write(slot.read());
            // The caller frees it now (lambda_completions_free), not reclaim.
            (*slot).data = std::ptr::null_mut();
        }
        self.head().store(head + n as u64, Ordering::SeqCst);
        // The taken slots are free now (their data is the caller's).
        self.catch_up(&mut producer);
        n
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // Nobody reads any more: every slot still holding data is freed.
        let reclaimed = self
            .producer
            .get_mut()
            .map_or_else(|p| p.into_inner().reclaimed, |p| p.reclaimed);
        let tail = self.header.get_mut().tail;
        for index in reclaimed..tail {
            // SAFETY: exclusive access; each slot is freed once (free_data
            // clears it).
            unsafe { free_data(self.slot(index)) };
        }
    }
}

/// Frees a slot's data, if it still has any, and clears it.
///
/// # Safety
/// Nobody else touches the slot meanwhile.
unsafe fn free_data(slot: *mut LambdaCompletion) {
    let data = std::mem::replace(&mut (*slot).data, std::ptr::null_mut());
    if !data.is_null() {
        drop(Box::from_raw(data));
    }
}
