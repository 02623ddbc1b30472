//! Memory given back: a counting global allocator (this test binary only) shows that
//! after a burst the queue holds at most its current block and one spare, and that
//! steady-state traffic allocates nothing.
//!
//! Everything runs in one `#[test]`, single-threaded, so no other test's allocations
//! pollute the counts.
#![cfg(not(loom))]

mod common;

use common::scaled;
use parkq::Queue;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting live bytes and allocation calls.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System` unchanged; the counters have no effect on the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::SeqCst);
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> usize {
    LIVE_BYTES.load(Ordering::SeqCst)
}

fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

#[test]
fn memory_is_given_back_and_steady_state_does_not_allocate() {
    // One block: what `new` allocates (its only allocation).
    let before = live();
    let queue: Queue<u64> = Queue::new();
    let block = live() - before;
    assert!(block >= 31 * 8, "a block holds 31 slots: {block} bytes");

    // A burst: every item in the queue at once, then all popped.
    let burst = scaled(10_000_000, 2_000) as u64;
    for i in 0..burst {
        queue.push(i).unwrap();
    }
    let peak = live() - before;
    assert!(peak as u64 >= burst * 8, "the burst is held: {peak} bytes");
    for i in 0..burst {
        assert_eq!(queue.pop(), Some(i));
    }
    let after_burst = live() - before;
    assert!(
        after_burst <= 2 * block,
        "after the burst the queue holds {after_burst} bytes, more than the current block \
         and one spare ({} bytes)",
        2 * block
    );

    // Steady state, one item in flight: after one round of blocks, no allocation.
    for i in 0..100 {
        queue.push(i).unwrap();
        queue.pop().unwrap();
    }
    let allocations_before = allocations();
    for i in 0..scaled(1_000_000, 1_000) as u64 {
        queue.push(i).unwrap();
        assert_eq!(queue.pop(), Some(i));
    }
    assert_eq!(
        allocations() - allocations_before,
        0,
        "steady state allocated"
    );

    // A few items in flight, still within two blocks' worth of turnover.
    let allocations_before = allocations();
    for i in 0..scaled(100_000, 500) as u64 {
        queue.push(i).unwrap();
        if i % 3 == 2 {
            for _ in 0..3 {
                queue.pop().unwrap();
            }
        }
    }
    assert_eq!(
        allocations() - allocations_before,
        0,
        "small batches allocated"
    );

    drop(queue);
    assert_eq!(live(), before, "dropping the queue frees every block");
}
