//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Scales a test size down under Miri, where every step is ~1000x slower.
pub const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

/// Runs `f` on its own thread and fails the test if it has not finished within
/// `limit`: a hang (a lost wake-up) fails fast instead of eating CI's time.
pub fn within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(result) => {
            worker.join().unwrap();
            result
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic.
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hung for more than {limit:?}"),
    }
}

/// The watchdog limit for tests that block: generous, since only a hang should hit it.
pub const HANG: Duration = Duration::from_secs(if cfg!(miri) { 600 } else { 60 });

/// An item that counts its drops (in a shared counter) and, when `panics` is set,
/// panics in `drop`: for the drop-counting tests.
pub struct Counted {
    pub drops: Arc<AtomicUsize>,
    pub panics: bool,
}

impl Counted {
    pub fn new(drops: &Arc<AtomicUsize>) -> Self {
        Counted {
            drops: drops.clone(),
            panics: false,
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic!("Counted::drop panics on purpose");
        }
    }
}
