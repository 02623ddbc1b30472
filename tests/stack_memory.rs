//! Node memory is reused: a counting global allocator (this test binary only) shows
//! that steady push/pop traffic takes nodes from the per-thread spare cache instead of
//! the allocator (see `src/reclaim.rs`, *Node memory*).
//!
//! Everything runs in one `#[test]`, single-threaded, so no other test's allocations
//! pollute the counts.
#![cfg(not(loom))]

mod common;

use common::scaled;
use parkq::Stack;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting allocation calls.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System` unchanged; the counter has no effect on the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_traffic_reuses_node_memory() {
    let stack: Stack<u64> = Stack::new();
    let batch = 256;
    let round = |stack: &Stack<u64>| {
        for i in 0..batch {
            stack.push(i).unwrap();
        }
        for _ in 0..batch {
            stack.try_pop().unwrap();
        }
    };
    // Warm up: fills the spare cache as the first nodes' grace periods end.
    for _ in 0..scaled(200, 4) {
        round(&stack);
    }
    let rounds = scaled(2_000, 4);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..rounds {
        round(&stack);
    }
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
    let pushes = rounds * batch as usize;
    // One allocation per push without the cache. What is left is the epoch
    // collector's own bookkeeping (a bag per 64 retired nodes) and the few nodes whose
    // grace period has not ended yet when their memory is wanted again.
    assert!(
        allocations * 8 < pushes,
        "{allocations} allocations for {pushes} pushes: node memory is not reused"
    );
}
