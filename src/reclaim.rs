//! Memory reclamation for the linked cores: the one place that frees a node other
//! threads may still be reading.
//!
//! A lock-free linked structure unlinks a node with one CAS, but a thread that loaded
//! the node's address just before may still read it. The node can be freed only once
//! every such reader is done. The facade has two operations:
//!
//! - [`Reclaimer::pin`]: a [`Guard`] that a thread holds while it reads shared nodes;
//! - [`Guard::retire`]: hands over a node that is no longer reachable from the
//!   structure; it is freed once no guard that could have seen it is held any more.
//!
//! Each structure owns a [`Reclaimer`]; nodes embed a [`Liveness`] marker and say how to
//! reach it ([`Retire`]); a reader calls [`Liveness::check`] before it reads a node.
//! Nodes are allocated with [`new_node`], and one that was never shared is freed with
//! [`free_unshared`].
//!
//! # Node memory
//!
//! Epoch reclamation frees nodes in batches, long after they were unlinked, which defeats
//! the allocator's small per-thread cache (glibc's tcache keeps 7 blocks per size): in a
//! push-1024-then-pop-1024 loop, half the time went to `malloc`/`free` slow paths. So the
//! production backend keeps the memory of reclaimed nodes in a per-thread cache of its
//! own (`spare`: up to [`SPARE_BLOCKS`] blocks per node size per thread) and
//! [`new_node`] takes from it first. A block enters the cache only when its node's
//! grace period is over (or it was never shared), so reuse cannot bring back an address
//! a pinned thread still holds: it adds no ABA case.
//!
//! # Backends
//!
//! - **Production** (`not(loom)`): crossbeam-epoch's global collector. `pin` is
//!   `crossbeam_epoch::pin`, `retire` defers the free with `defer_unchecked`;
//!   `Reclaimer` and `Liveness` are zero-sized and `check` compiles to nothing.
//! - **loom** (`cfg(loom)`): crossbeam-epoch is invisible to loom under plain
//!   `--cfg loom`, so this backend is built from loom primitives, in one of two modes
//!   chosen per model with [`loom_mode`]:
//!   - [`LoomMode::NeverFree`]: `pin` does nothing and retired nodes are kept until the
//!     structure drops. Nothing in the reclamation orders anything, so every
//!     happens-before edge a model relies on comes from the structure's own orderings:
//!     the most sensitive mode for ordering bugs (a push whose CAS lacks `Release`
//!     shows up as a data race on the node's item).
//!   - [`LoomMode::GracePeriod`]: an epoch collector in miniature. Guards register under
//!     a loom mutex; a retired node waits for every guard held when it was retired, then
//!     is *poisoned*: a write to its loom-tracked `Liveness` cell. A read of the node
//!     (`check`) that is not ordered before the poisoning is a data race loom reports;
//!     one ordered after it fails its assertion. So reading a node without a guard, or
//!     retiring a node that is still reachable, is caught. (The mutex orders pins after
//!     each other, which is why ordering bugs are the other mode's job.)
//!
//! Nodes are not freed before the structure drops in either loom mode, so a bug shows
//! up as a report, never as a real use-after-free inside the model checker.
//!
//! crossbeam's own loom build (`--cfg crossbeam_loom` with crossbeam-epoch's `loom`
//! feature) is not wired in: its `pin` contains a `fence(SeqCst)` that loom treats as a
//! global join, so it would hide exactly the missing-`Release` bugs the never-free mode
//! finds, at about a thousand times the cost (see README, *Verification*).

#[cfg(not(loom))]
pub(crate) use self::epoch::{free_unshared, new_node, Liveness, Reclaimer};
#[cfg(loom)]
pub(crate) use self::loom_backend::{free_unshared, new_node, Liveness, Reclaimer};

/// A node type the facade can retire.
pub(crate) trait Retire {
    /// The node's liveness marker. (Only the loom backend poisons it.)
    #[cfg_attr(not(loom), allow(dead_code))]
    fn liveness(&self) -> &Liveness;
}

/// Which loom backend [`Reclaimer::new`] builds (see the module doc).
#[cfg(loom)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoomMode {
    /// Never free: nothing in the reclamation orders anything.
    NeverFree,
    /// Free (poison) after a grace period: catches unguarded reads and early retires.
    GracePeriod,
}

#[cfg(loom)]
std::thread_local! {
    // A std thread-local: loom runs every model thread on the test's OS thread, so a
    // mode set before `loom::model` applies to the whole model, and it orders nothing.
    static MODE: std::cell::Cell<LoomMode> = const { std::cell::Cell::new(LoomMode::GracePeriod) };
}

/// Sets the mode of the reclaimers created from now on, on this (test) thread.
#[cfg(loom)]
pub fn loom_mode(mode: LoomMode) {
    MODE.with(|m| m.set(mode));
}

#[cfg(not(loom))]
mod epoch {
    use std::marker::PhantomData;

    use super::{spare, Retire};

    /// The production reclaimer: crossbeam-epoch's global collector; zero-sized.
    #[derive(Debug, Default)]
    pub(crate) struct Reclaimer;

    impl Reclaimer {
        pub(crate) fn new() -> Self {
            Reclaimer
        }

        /// Pins the current thread: nodes it reads stay allocated while the guard lives.
        #[inline]
        pub(crate) fn pin(&self) -> Guard<'_> {
            Guard(crossbeam_epoch::pin(), PhantomData)
        }
    }

    /// A new node on the heap: a block from this thread's spare cache, or a new
    /// allocation.
    #[inline]
    pub(crate) fn new_node<N>(node: N) -> *mut N {
        match spare::take::<N>() {
            Some(block) => {
                // SAFETY: `block` is an unused, exclusively owned allocation with `N`'s
                // layout (see `spare`).
                unsafe { block.write(node) };
                block
            }
            None => Box::into_raw(Box::new(node)),
        }
    }

    /// Frees a node that was never shared (no other thread ever saw its address).
    ///
    /// # Safety
    ///
    /// `node` came from [`new_node`], was never published, and is freed once; its
    /// contents are dropped here.
    pub(crate) unsafe fn free_unshared<N>(node: *mut N) {
        // SAFETY: the caller's contract.
        unsafe { spare::put(node) }
    }

    /// Proof that the current thread is pinned. (The lifetime ties it to its
    /// reclaimer, as the loom backend's guard is.)
    pub(crate) struct Guard<'a>(crossbeam_epoch::Guard, PhantomData<&'a Reclaimer>);

    impl Guard<'_> {
        /// Frees `node` once every thread that may still read it has unpinned.
        ///
        /// # Safety
        ///
        /// `node` came from [`new_node`], is no longer reachable from the structure (no
        /// thread can load it anew), is retired once, and dropping it drops nothing
        /// another thread owns (items already moved out).
        #[inline]
        pub(crate) unsafe fn retire<N: Retire>(&self, node: *mut N) {
            let node = SendPtr(node);
            // SAFETY: the caller's contract; crossbeam-epoch runs the closure only after
            // every guard that was live at this point has been dropped, so no thread
            // can still read the node. The closure may run on another thread: `N`'s
            // items are already moved out, so freeing it there moves nothing.
            unsafe {
                self.0.defer_unchecked(move || {
                    let node = node;
                    spare::put(node.0);
                });
            }
        }
    }

    /// A node pointer that may be freed on another thread (see `retire`).
    struct SendPtr<N>(*mut N);
    // SAFETY: the pointee is an empty node (its item was moved out); only its memory is
    // released on the other thread.
    unsafe impl<N> Send for SendPtr<N> {}

    /// A node's liveness marker: zero-sized, checked only in loom builds.
    #[derive(Debug, Default)]
    pub(crate) struct Liveness;

    impl Liveness {
        pub(crate) fn new() -> Self {
            Liveness
        }

        /// In loom builds, asserts the node has not been reclaimed; here nothing.
        #[inline(always)]
        pub(crate) fn check(&self) {}
    }
}

/// How many node blocks of one size a thread keeps for reuse (see *Node memory*): enough
/// for a 1024-item burst's worth of reclaimed nodes, at most a few tens of KiB.
#[cfg(not(loom))]
pub(crate) const SPARE_BLOCKS: usize = 1024;

/// The per-thread cache of reclaimed node memory (production only).
#[cfg(not(loom))]
mod spare {
    use std::alloc::{dealloc, Layout};
    use std::cell::RefCell;
    use std::ptr::{self, NonNull};

    use super::SPARE_BLOCKS;

    /// Unused blocks of one layout.
    struct Blocks {
        layout: Layout,
        blocks: Vec<NonNull<u8>>,
    }

    /// This thread's blocks, by layout (a handful of node types at most).
    struct Cache(Vec<Blocks>);

    impl Drop for Cache {
        fn drop(&mut self) {
            for class in &self.0 {
                for block in &class.blocks {
                    // SAFETY: each block was allocated by the global allocator with
                    // `layout` (a `Box` of the node type) and is owned by the cache.
                    unsafe { dealloc(block.as_ptr(), class.layout) };
                }
            }
        }
    }

    std::thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new(Cache(Vec::new())) };
    }

    /// A cached block with `N`'s layout, if this thread has one.
    #[inline]
    pub(super) fn take<N>() -> Option<*mut N> {
        let layout = Layout::new::<N>();
        if layout.size() == 0 {
            return None;
        }
        // `try_with`/`try_borrow_mut`: during thread exit the cache may be gone, and
        // a failure here only means a fresh allocation.
        CACHE
            .try_with(|cache| {
                let mut cache = cache.try_borrow_mut().ok()?;
                let class = cache.0.iter_mut().find(|c| c.layout == layout)?;
                class.blocks.pop().map(|block| block.as_ptr().cast::<N>())
            })
            .ok()
            .flatten()
    }

    /// Drops `node`'s contents and keeps its memory in this thread's cache, or frees it
    /// if the cache is full (or gone, during thread exit).
    ///
    /// # Safety
    ///
    /// `node` came from `new_node::<N>` (a `Box<N>` or a cached block of `N`'s layout),
    /// no other thread can reach it, and it is put here once.
    pub(super) unsafe fn put<N>(node: *mut N) {
        // SAFETY: the caller's contract: we own the node.
        unsafe { ptr::drop_in_place(node) };
        let layout = Layout::new::<N>();
        let Some(block) = NonNull::new(node.cast::<u8>()) else {
            return;
        };
        let kept = layout.size() != 0
            && CACHE
                .try_with(|cache| {
                    let Ok(mut cache) = cache.try_borrow_mut() else {
                        return false;
                    };
                    let at = match cache.0.iter().position(|c| c.layout == layout) {
                        Some(at) => at,
                        None => {
                            cache.0.push(Blocks {
                                layout,
                                blocks: Vec::new(),
                            });
                            cache.0.len() - 1
                        }
                    };
                    let class = &mut cache.0[at];
                    if class.blocks.len() >= SPARE_BLOCKS {
                        return false;
                    }
                    class.blocks.push(block);
                    true
                })
                .unwrap_or(false);
        if !kept && layout.size() != 0 {
            // SAFETY: allocated by the global allocator with `N`'s layout; its
            // contents were dropped above.
            unsafe { dealloc(block.as_ptr(), layout) };
        }
    }
}

#[cfg(loom)]
mod loom_backend {
    use super::{LoomMode, Retire, MODE};
    use loom::cell::UnsafeCell;
    use loom::sync::Mutex;

    /// A node's liveness: `true` once the node has been reclaimed (poisoned).
    #[derive(Debug)]
    pub(crate) struct Liveness(UnsafeCell<bool>);

    impl Liveness {
        pub(crate) fn new() -> Self {
            Liveness(UnsafeCell::new(false))
        }

        /// Asserts that the node has not been reclaimed. A loom-tracked read: racing
        /// the poisoning write is reported as a data race.
        pub(crate) fn check(&self) {
            // SAFETY: loom checks this access; the pointer is valid (nodes are not
            // freed before the structure drops in loom builds).
            let dead = self.0.with(|dead| unsafe { *dead });
            assert!(!dead, "read a node after it was reclaimed");
        }

        fn poison(&self) {
            // SAFETY: as in `check`; the write is what a racing reader trips over.
            self.0.with_mut(|dead| unsafe { *dead = true });
        }
    }

    /// A new node on the heap (no cache under loom: a reused block would hide a
    /// use-after-free from the liveness cell).
    pub(crate) fn new_node<N>(node: N) -> *mut N {
        Box::into_raw(Box::new(node))
    }

    /// Frees a node that was never shared.
    ///
    /// # Safety
    ///
    /// As the production `free_unshared`.
    pub(crate) unsafe fn free_unshared<N>(node: *mut N) {
        // SAFETY: the caller's contract.
        drop(unsafe { Box::from_raw(node) });
    }

    /// A retired node, type-erased.
    struct Retired {
        node: *mut (),
        /// Poisons the node's `Liveness`.
        poison: unsafe fn(*mut ()),
        /// Frees the node.
        free: unsafe fn(*mut ()),
        /// Guards that were held when the node was retired and are still held.
        waiting_for: Vec<u64>,
        /// Poisoned already.
        poisoned: bool,
    }

    /// The grace-period mode's bookkeeping.
    #[derive(Default)]
    struct Epochs {
        /// The next guard's id.
        next_guard: u64,
        /// Guards held now.
        held: Vec<u64>,
        retired: Vec<Retired>,
    }

    /// The loom reclaimer (see the module doc for the two modes).
    pub(crate) struct Reclaimer {
        mode: LoomMode,
        /// Grace-period mode: guards and retired nodes, under a loom mutex.
        epochs: Mutex<Epochs>,
        /// Never-free mode: retired nodes, under a std mutex that loom does not see
        /// (all loom threads run on one OS thread, so it never blocks).
        kept: std::sync::Mutex<Vec<Retired>>,
    }

    impl std::fmt::Debug for Reclaimer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Reclaimer")
                .field("mode", &self.mode)
                .finish()
        }
    }

    impl Reclaimer {
        pub(crate) fn new() -> Self {
            Reclaimer {
                mode: MODE.with(|m| m.get()),
                epochs: Mutex::new(Epochs::default()),
                kept: std::sync::Mutex::new(Vec::new()),
            }
        }

        pub(crate) fn pin(&self) -> Guard<'_> {
            let id = match self.mode {
                LoomMode::NeverFree => None,
                LoomMode::GracePeriod => {
                    let mut epochs = self.epochs.lock().unwrap();
                    let id = epochs.next_guard;
                    epochs.next_guard += 1;
                    epochs.held.push(id);
                    Some(id)
                }
            };
            Guard {
                reclaimer: self,
                id,
            }
        }
    }

    impl Drop for Reclaimer {
        fn drop(&mut self) {
            let epochs = std::mem::take(&mut *self.epochs.lock().unwrap());
            let kept = std::mem::take(&mut *self.kept.lock().unwrap());
            for retired in epochs.retired.into_iter().chain(kept) {
                // SAFETY: the structure is being dropped: no thread holds a guard or
                // can reach a retired node; each was retired once.
                unsafe { (retired.free)(retired.node) };
            }
        }
    }

    /// A pinned thread's guard.
    pub(crate) struct Guard<'a> {
        reclaimer: &'a Reclaimer,
        /// Grace-period mode: this guard's id.
        id: Option<u64>,
    }

    impl Guard<'_> {
        /// Retires `node` (see the production backend for the contract).
        ///
        /// # Safety
        ///
        /// As the production `Guard::retire`.
        pub(crate) unsafe fn retire<N: Retire>(&self, node: *mut N) {
            unsafe fn poison<N: Retire>(node: *mut ()) {
                // SAFETY: `node` is a retired `N`, not freed before the structure drops.
                unsafe { (*node.cast::<N>()).liveness().poison() }
            }
            unsafe fn free<N>(node: *mut ()) {
                // SAFETY: `node` came from `Box::into_raw` (retire's contract).
                drop(unsafe { Box::from_raw(node.cast::<N>()) });
            }
            let mut retired = Retired {
                node: node.cast(),
                poison: poison::<N>,
                free: free::<N>,
                waiting_for: vec![],
                poisoned: false,
            };
            match self.id {
                None => self.reclaimer.kept.lock().unwrap().push(retired),
                Some(_) => {
                    let mut epochs = self.reclaimer.epochs.lock().unwrap();
                    retired.waiting_for = epochs.held.clone();
                    epochs.retired.push(retired);
                }
            }
        }
    }

    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            let Some(id) = self.id else { return };
            let mut epochs = self.reclaimer.epochs.lock().unwrap();
            epochs.held.retain(|&held| held != id);
            for retired in &mut epochs.retired {
                retired.waiting_for.retain(|&held| held != id);
                if retired.waiting_for.is_empty() && !retired.poisoned {
                    retired.poisoned = true;
                    // SAFETY: `node` is a retired node, still allocated.
                    unsafe { (retired.poison)(retired.node) };
                }
            }
        }
    }
}
