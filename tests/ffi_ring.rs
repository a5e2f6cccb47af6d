//! The completion ring as Go's drain reads it (`LambdaCompletionRing`):
//! every completion read once, in the order published, past a full ring
//! (the overflow list) too; cancellation by user data, with no invocation
//! handle; and nothing live once the consumer is done and the ring
//! reclaimed. The consumer here follows the header's protocol with atomics
//! on the shared header, from its own thread, as Go does.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use xk6_lambda::ffi::*;

mod common;
use common::{assert_nothing_live, client, patient, serve, Request, OK_RESPONSE};

static TEST_LOCK: Mutex<()> = Mutex::new(());

/// The ring's header, read and written atomically as its protocol says.
struct Consumer {
    queue: *mut LambdaCompletionQueue,
    ring: *mut LambdaCompletionRing,
    head: u64,
}

impl Consumer {
    fn open(queue: *mut LambdaCompletionQueue) -> Self {
        let ring = unsafe { lambda_completion_queue_ring(queue) };
        assert!(!ring.is_null());
        Self {
            queue,
            ring,
            head: unsafe { (*ring).head },
        }
    }

    fn head(&self) -> &AtomicU64 {
        unsafe { AtomicU64::from_ptr(ptr::addr_of_mut!((*self.ring).head)) }
    }
    fn tail(&self) -> &AtomicU64 {
        unsafe { AtomicU64::from_ptr(ptr::addr_of_mut!((*self.ring).tail)) }
    }
    fn signalled(&self) -> &AtomicU32 {
        unsafe { AtomicU32::from_ptr(ptr::addr_of_mut!((*self.ring).signalled)) }
    }
    fn overflow(&self) -> &AtomicU32 {
        unsafe { AtomicU32::from_ptr(ptr::addr_of_mut!((*self.ring).overflow)) }
    }

    /// Steps 1 to 3 of the protocol: reads what is published, handing each
    /// completion to `read`; returns when the ring is empty and the flag
    /// cleared (the caller then waits).
    fn drain(&mut self, read: &mut impl FnMut(&LambdaCompletion)) {
        let capacity = unsafe { (*self.ring).capacity };
        let slots = unsafe { (*self.ring).slots };
        loop {
            let tail = self.tail().load(Ordering::SeqCst);
            while self.head != tail {
                read(unsafe { &*slots.add((self.head % capacity) as usize) });
                self.head += 1;
                self.head().store(self.head, Ordering::SeqCst);
            }
            if self.overflow().load(Ordering::SeqCst) != 0 {
                unsafe { lambda_completion_queue_refill(self.queue) };
                assert_ne!(
                    self.tail().load(Ordering::SeqCst),
                    self.head,
                    "a refill of an emptied ring moved nothing in"
                );
                continue;
            }
            self.signalled().store(0, Ordering::SeqCst);
            if self.tail().load(Ordering::SeqCst) == self.head
                && self.overflow().load(Ordering::SeqCst) == 0
            {
                return;
            }
        }
    }

    /// Reads until `done` says so, waiting for the wake-up between drains
    /// (step 4), at most `patience` in all.
    fn read_until(
        &mut self,
        patience: Duration,
        mut read: impl FnMut(&LambdaCompletion),
        done: impl Fn() -> bool,
    ) {
        let deadline = Instant::now() + patience;
        loop {
            self.drain(&mut read);
            if done() {
                return;
            }
            assert!(Instant::now() < deadline, "timed out");
            unsafe { lambda_completion_queue_wait_ready(self.queue, 100) };
        }
    }
}

/// A client of `serve(OK_RESPONSE, delay)`, and a queue read through its
/// ring.
fn open(delay: Duration) -> (*mut LambdaClient, *mut LambdaCompletionQueue, Consumer) {
    let client = client(&serve(OK_RESPONSE, delay));
    let queue = lambda_completion_queue_new();
    assert!(!queue.is_null());
    (client, queue, Consumer::open(queue))
}

/// Frees what `open` made, the completions read reclaimed first (they are
/// the ring's until then); nothing is live after.
fn close(client: *mut LambdaClient, queue: *mut LambdaCompletionQueue) {
    unsafe {
        lambda_completion_queue_refill(queue);
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
    assert_nothing_live();
}

fn start_without_handle(
    client: *mut LambdaClient,
    request: &Request,
    queue: *mut LambdaCompletionQueue,
    user_data: usize,
) {
    let raw = request.raw();
    let status = unsafe {
        lambda_client_invoke_queued(
            client,
            raw.ptr(),
            queue,
            user_data,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert_eq!(status, LambdaStatus::Ok);
}

/// Starts a call per id, 100 at a time, each hundred completed before the
/// next starts: at most 100 connections at once on the test server (one
/// thread each, which valgrind counts), however many completions wait.
fn start_in_batches(
    client: *mut LambdaClient,
    request: &Request,
    queue: *mut LambdaCompletionQueue,
    ids: std::ops::Range<usize>,
) {
    let deadline = Instant::now() + patient(Duration::from_secs(30));
    for id in ids {
        start_without_handle(client, request, queue, id);
        if id % 100 == 99 {
            while counts().in_flight > 0 {
                assert!(Instant::now() < deadline, "still in flight");
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

fn counts() -> LambdaLiveCounts {
    let mut counts = LambdaLiveCounts::default();
    assert_eq!(unsafe { lambda_live_counts(&mut counts) }, LambdaStatus::Ok);
    counts
}

/// 1,500 invocations complete before the consumer reads any: 1,024 fill
/// the ring, the rest wait in the overflow list. Then more, while it
/// reads. Each is read once, and nothing stays live.
#[test]
fn every_completion_is_read_once_past_a_full_ring() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (client, queue, mut consumer) = open(Duration::ZERO);
    let request = Request::new("add-numbers");
    start_in_batches(client, &request, queue, 0..1500);
    assert_eq!(
        consumer.overflow().load(Ordering::SeqCst),
        1,
        "a full ring overflows"
    );
    assert_eq!(counts().invocations, 0, "no handle was asked for");
    let mut seen = vec![0u32; 2000];
    let read = Cell::new(0);
    // Nothing else publishes now: the overflowed 476 come through refill.
    consumer.drain(&mut |completion| {
        seen[completion.user_data] += 1;
        read.set(read.get() + 1);
    });
    assert_eq!(read.get(), 1500, "the full ring, then the overflow list");

    let producer = thread::spawn({
        let (client, queue) = (client as usize, queue as usize);
        move || {
            let request = Request::new("add-numbers");
            start_in_batches(
                client as *mut LambdaClient,
                &request,
                queue as *mut LambdaCompletionQueue,
                1500..2000,
            );
        }
    });
    consumer.read_until(
        patient(Duration::from_secs(30)),
        |completion| {
            assert_eq!(completion.result.status_code, 200);
            let payload = unsafe {
                std::slice::from_raw_parts(
                    completion.result.payload.ptr,
                    completion.result.payload.len,
                )
            };
            assert_eq!(payload, b"3");
            seen[completion.user_data] += 1;
            read.set(read.get() + 1);
        },
        || read.get() == 2000,
    );
    producer.join().unwrap();
    consumer.drain(&mut |_| read.set(read.get() + 1));
    assert_eq!(read.get(), 2000, "nothing more after the last");
    assert!(seen.iter().all(|&n| n == 1), "each completion exactly once");

    close(client, queue);
}

/// A queued call started without a handle is cancelled through its queue,
/// by its user data; a cancel of a completed call, or of user data never
/// started, changes nothing.
#[test]
fn a_call_without_a_handle_is_cancelled_by_its_user_data() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (client, queue, mut consumer) = open(patient(Duration::from_secs(5)));
    start_without_handle(client, &Request::new("add-numbers"), queue, 41);
    start_without_handle(client, &Request::new("add-numbers"), queue, 42);
    thread::sleep(Duration::from_millis(100));
    unsafe { lambda_completion_queue_cancel(queue, 42) };
    unsafe { lambda_completion_queue_cancel(queue, 99) }; // never started
    let started = Instant::now();
    let mut outcomes = Vec::new();
    consumer.read_until(
        patient(Duration::from_secs(2)),
        |completion| {
            let error = completion.result.error_json;
            let json = unsafe { std::slice::from_raw_parts(error.ptr, error.len) };
            outcomes.push((
                completion.user_data,
                String::from_utf8_lossy(json).into_owned(),
            ));
        },
        || counts().in_flight <= 1,
    );
    assert!(started.elapsed() < patient(Duration::from_secs(2)));
    assert_eq!(outcomes.len(), 1, "only the cancelled call: {outcomes:?}");
    assert_eq!(outcomes[0].0, 42);
    assert!(
        outcomes[0].1.contains(r#""kind":"cancelled""#),
        "{}",
        outcomes[0].1
    );
    unsafe { lambda_completion_queue_cancel(queue, 42) }; // completed: a no-op
    unsafe { lambda_completion_queue_cancel(queue, 41) };
    consumer.read_until(
        patient(Duration::from_secs(2)),
        |_| {},
        || counts().in_flight == 0,
    );
    consumer.drain(&mut |_| {});
    close(client, queue);
}

/// Once its ring is open, take and wait take nothing from a queue (it has
/// one consumer); the completion stays in the ring for it.
#[test]
fn take_takes_nothing_from_a_queue_whose_ring_is_open() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (client, queue, mut consumer) = open(Duration::ZERO);
    let wake = unsafe { lambda_completion_queue_wake_fd(queue) };
    assert!(wake >= 0);
    consumer.drain(&mut |_| panic!("nothing was started"));
    start_without_handle(client, &Request::new("add-numbers"), queue, 5);
    assert!(readable(wake), "a publication signals the wake descriptor");
    let mut batch = [LambdaCompletion::EMPTY];
    assert_eq!(
        unsafe { lambda_completion_queue_take(queue, batch.as_mut_ptr(), 1, 0) },
        0
    );
    let mut read = Vec::new();
    consumer.drain(&mut |completion| read.push(completion.user_data));
    assert_eq!(read, [5]);
    // Reset (step 4); the drain cleared the flag, so the next publication
    // signals again.
    let mut counter = 0u64;
    assert_eq!(
        unsafe { libc::read(wake, ptr::addr_of_mut!(counter).cast(), 8) },
        8
    );
    assert!(!readable_within(wake, 0));
    start_without_handle(client, &Request::new("add-numbers"), queue, 6);
    assert!(readable(wake), "a publication after a drain signals again");
    consumer.drain(&mut |completion| read.push(completion.user_data));
    assert_eq!(read, [5, 6]);
    unsafe { libc::close(wake) };
    close(client, queue);
}

/// Whether `fd` becomes readable within the patience of the tests.
fn readable(fd: i32) -> bool {
    readable_within(fd, patient(Duration::from_secs(5)).as_millis() as i32)
}

fn readable_within(fd: i32, timeout_ms: i32) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    unsafe { libc::poll(&mut poll, 1, timeout_ms) == 1 }
}
