//! Task tracking: Python's `task_done()` and `join()`.
//!
//! `join()` waits until every item ever pushed has been marked done. Counting pushes
//! here would cost every push an atomic read-modify-write, paid even by users who never
//! call `join`. Instead each queue already knows how many items it has ever accepted and
//! handed out (its positions), and this module only counts `task_done` calls. A queue
//! that never sees `task_done` or `join` pays nothing.
//!
//! Invariant: `done <= popped <= pushed`. `task_done` checks the first half before it
//! counts, so a caller bug is reported and never corrupts the count.

use crate::park::{wait_until, Poll, WaitFor, WaitList};
use crate::shim::{AtomicUsize, Ordering};

/// The done-count of one queue and the threads parked in its `join`.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    /// How many items have been marked done: `task_done` calls plus items taken out by
    /// an immediate close.
    done: AtomicUsize,
    /// Threads parked in `join`.
    joiners: WaitList,
}

impl Tasks {
    pub(crate) fn new() -> Self {
        Tasks {
            done: AtomicUsize::new(0),
            joiners: WaitList::new(),
        }
    }

    /// Marks one popped item done. `popped` and `pushed` read the queue's counts.
    ///
    /// # Panics
    ///
    /// If more items would be marked done than have been popped.
    pub(crate) fn task_done(&self, popped: impl Fn() -> usize, pushed: impl Fn() -> usize) {
        // Acquire (here and on a failed CAS): pairs with the Release of every earlier
        // `task_done`. Each of those followed its own pop, so after this load `popped`
        // counts those pops too; a Relaxed load could see another worker's increment but
        // a stale `head` without its pop, and report a correct caller as over-calling.
        // audit: keep - needed: a Relaxed load can pair another worker's count with a
        // stale `head` (C11 allows it even with both handshake fences; ARM reorders the
        // two loads). loom 0.7.3 does not explore that read when the writer loaded `done`
        // before its CAS, as `task_done` does, so no model kills the mutant; 216 Miri
        // seeds of `join_waits_for_every_task_and_sees_the_work` did not hit it either.
        let mut done = self.done.load(Ordering::Acquire);
        loop {
            // `popped` only grows, so reading it once per try is enough.
            assert!(
                done < popped(),
                "task_done() called more times than items were popped"
            );
            // Release: pairs with the Acquire load in `join` (so the work a worker did
            // before calling `task_done` is visible to the thread that returns from
            // `join`) and with the Acquire loads above. SeqCst on top: see
            // `push_counted` (free on x86, where every RMW is a full barrier).
            // audit: keep - SeqCst is for the production build's late-counted pushes
            // (see `push_counted`); under loom the handshake's fence(SeqCst) already
            // orders that pair, so no model can tell it from Release.
            match self.done.compare_exchange_weak(
                done,
                done + 1,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(current) => done = current,
            }
        }
        self.wake_joiners_if_all_done(done + 1, pushed);
    }

    /// Marks `count` items done at once (those taken out by an immediate close).
    pub(crate) fn mark_done(&self, count: usize, pushed: impl Fn() -> usize) {
        if count == 0 {
            return;
        }
        // Release: as in `task_done`: what the draining thread did before is visible
        // to the thread that returns from `join`.
        // audit: keep - loom cannot kill Relaxed here: every pop before this runs a
        // `notify` whose fence(SeqCst) in loom builds already releases those writes. In
        // production that fence is a compiler fence, which releases nothing.
        // SeqCst: as in `task_done` (see `push_counted`).
        let done = self.done.fetch_add(count, Ordering::SeqCst) + count;
        self.wake_joiners_if_all_done(done, pushed);
    }

    /// For a queue that counts a push only after its item can be popped (the `Stack`):
    /// a pop and its `task_done` may then come before the count, and the count itself
    /// is the update that lets `join` return. Call it after counting a push.
    ///
    /// Two notifiers then depend on each other: the pusher (writes `pushed`, reads
    /// `done`) and the last `task_done` (writes `done`, reads `pushed`). At least one of
    /// them must see the other's write, or neither wakes the joiner. The parking
    /// handshake does not cover that: in production its notifier side is only a
    /// compiler fence (the waiter pays with `membarrier`). So the four accesses are
    /// `SeqCst` (the push count's `fetch_add` and the `pushed` load in the queue, the
    /// `done` CAS/`fetch_add` and the load below): in their single total order, the
    /// later of the two writes comes before the other thread's read. On x86 this costs
    /// nothing: RMWs are full barriers and `SeqCst` loads are plain loads.
    pub(crate) fn push_counted(&self, pushed: impl Fn() -> usize) {
        // `done` is read only when a joiner is registered.
        // audit: keep - SeqCst for the production pairing above; under loom the
        // handshake's fence(SeqCst) inside `notify_all_if` orders it, so no model can
        // tell it from Acquire.
        self.joiners
            .notify_all_if(|| self.done.load(Ordering::SeqCst) == pushed());
    }

    fn wake_joiners_if_all_done(&self, done: usize, pushed: impl Fn() -> usize) {
        // Only the update that makes `done` reach `pushed` can satisfy a joiner; if a
        // push came in between, a later `task_done` will be that update. The
        // register/re-check handshake (the fence inside `notify_all_if`) makes sure a
        // joiner that missed our new count is seen as registered and woken. `pushed` is
        // read only when a joiner is registered: it reads the producers' hot counter,
        // which would otherwise cost every `task_done` a cache miss.
        self.joiners.notify_all_if(|| done == pushed());
    }

    /// Parks until every pushed item has been marked done.
    pub(crate) fn join(&self, pushed: impl Fn() -> usize) {
        let all_done = wait_until(&self.joiners, None, || {
            // Read `done` first, then `pushed`: since `done <= pushed` and both only
            // grow, equal values mean they were equal at the instant `pushed` was read.
            // Acquire: pairs with the Release in `task_done` (see there).
            let done = self.done.load(Ordering::Acquire);
            if done == pushed() {
                Poll::Ready(())
            } else {
                Poll::Wait(WaitFor::Turn)
            }
        });
        debug_assert!(all_done.is_some(), "join has no deadline");
    }
}
