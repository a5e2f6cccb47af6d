//! The completion queue's wake-up: a Linux eventfd that is readable while
//! completions wait to be taken.
//!
//! Why an eventfd rather than a condition variable: a caller can hand the
//! descriptor to its own event loop. Go registers it with its network
//! poller, so the goroutine that drains completions parks like one waiting
//! on a socket, and the poller thread that is already awake picks the
//! wake-up up; a condition variable needs an OS thread blocked in C for
//! each waiter, woken and rescheduled for every batch.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// A non-blocking, close-on-exec eventfd.
pub(super) struct WakeFd(OwnedFd);

impl WakeFd {
    pub(super) fn new() -> io::Result<Self> {
        // SAFETY: eventfd takes no pointers; a non-negative result is a new
        // descriptor that nothing else owns.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just created and is owned here only.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Makes the descriptor readable (adds 1 to its counter).
    pub(super) fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a local. It cannot block (non-blocking)
        // and only fails when the counter would overflow (2^64 - 2 pending
        // signals, unreachable), when the descriptor is readable anyway.
        unsafe {
            libc::write(
                self.0.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            );
        }
    }

    /// Resets the counter: the descriptor is no longer readable until the
    /// next `signal`.
    pub(super) fn clear(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into a local. EAGAIN (nothing was
        // signalled) is the expected failure and changes nothing.
        unsafe {
            libc::read(
                self.0.as_raw_fd(),
                (&mut count as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            );
        }
    }

    /// Waits until the descriptor is readable or `timeout` has passed;
    /// returns whether it is readable. Interrupted waits resume.
    pub(super) fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut poll = libc::pollfd {
                fd: self.0.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = libc::c_int::try_from(left.as_millis()).unwrap_or(libc::c_int::MAX);
            // SAFETY: one pollfd, a local, for the duration of the call.
            let ready = unsafe { libc::poll(&mut poll, 1, ms) };
            if ready > 0 {
                return true;
            }
            let interrupted =
                ready < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted;
            if !interrupted || left.is_zero() {
                return false;
            }
        }
    }

    /// A new descriptor for the same eventfd, owned by the caller.
    pub(super) fn duplicate(&self) -> io::Result<RawFd> {
        // SAFETY: F_DUPFD_CLOEXEC on a descriptor owned here; the result is
        // a new descriptor handed over to the caller.
        let fd = unsafe { libc::fcntl(self.0.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_after_a_signal_until_cleared() {
        let wake = WakeFd::new().unwrap();
        assert!(!wake.wait(Duration::ZERO));
        wake.signal();
        wake.signal();
        assert!(wake.wait(Duration::ZERO));
        wake.clear();
        assert!(!wake.wait(Duration::from_millis(10)));
    }

    #[test]
    fn a_duplicate_sees_the_same_signals() {
        let wake = WakeFd::new().unwrap();
        let dup = wake.duplicate().unwrap();
        // SAFETY: dup is a new descriptor owned by this test.
        let dup = WakeFd(unsafe { OwnedFd::from_raw_fd(dup) });
        wake.signal();
        assert!(dup.wait(Duration::ZERO));
        dup.clear();
        assert!(!wake.wait(Duration::ZERO));
    }

    #[test]
    fn a_signal_from_another_thread_ends_a_wait() {
        let wake = std::sync::Arc::new(WakeFd::new().unwrap());
        let signaller = std::sync::Arc::clone(&wake);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            signaller.signal();
        });
        assert!(wake.wait(Duration::from_secs(10)));
        thread.join().unwrap();
    }
}
