//! Single-threaded model check of `parkq::Ring` against a `VecDeque`.
//!
//! # Decoding
//!
//! The first byte picks the capacity: `1 + byte % 8` (an empty input is skipped). Every
//! later byte is one operation: its high nibble picks the operation (see [`Op::decode`]),
//! its low nibble is a small argument (how many items an iterator takes). Items are
//! `Box<u16>` holding a counter that increases with every push attempt, so every item is
//! distinct, and AddressSanitizer/LeakSanitizer (cargo-fuzz's default) see a double drop
//! or a leaked item. After the last operation the ring is either dropped with its items
//! inside or consumed with `into_iter`, chosen by the parity of the input length.
//!
//! # What is asserted
//!
//! After every operation the ring agrees with the model: the exact result of the call
//! (item popped, `Ok`, or the error variant `Full`/`Closed`/`Empty`/`Timeout` with the
//! very item handed back), `len`, `is_empty`, `is_full`, `is_closed` and `capacity`.
//! `close` returns `true` only the first time; `close_and_drain` returns the model's
//! items in order and counts them as done. `task_done` succeeds while the model has more
//! popped than done items; one call too many must panic (caught with `catch_unwind`,
//! with the panic hook silenced around it) and leave the count unchanged. `join` is only
//! called when the model says every pushed item is done, so it must return at once.
//! At the end, `into_iter` yields the model's items and reports their exact count.
//!
//! The target is single-threaded, so it never issues a call that would park forever: no
//! blocking `push` on a full open ring, no blocking `pop` (nor a blocking `iter` step) on
//! an empty open ring. Timed operations use a zero timeout or a deadline of "now", which
//! still makes one attempt.
#![no_main]

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PushTimeoutError, Ring, TryPopError, TryPushError};

type Item = Box<u16>;

/// One decoded operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Push,
    TryPush,
    PushTimeout,
    PushDeadline,
    Pop,
    TryPop,
    PopTimeout,
    PopDeadline,
    Close,
    CloseAndDrain,
    TaskDone,
    Join,
    /// `try_iter().take(n)`.
    TryIter(usize),
    /// `iter().take(n)`, the blocking iterator.
    Iter(usize),
}

impl Op {
    fn decode(byte: u8) -> Op {
        let arg = usize::from(byte & 0x0f);
        match byte >> 4 {
            0 => Op::Push,
            1 | 2 => Op::TryPush,
            3 => Op::PushTimeout,
            4 => Op::PushDeadline,
            5 => Op::Pop,
            6 | 7 => Op::TryPop,
            8 => Op::PopTimeout,
            9 => Op::PopDeadline,
            10 => Op::Close,
            11 => Op::CloseAndDrain,
            12 | 13 => Op::TaskDone,
            14 => {
                if arg < 12 {
                    Op::TryIter(arg)
                } else {
                    Op::Join
                }
            }
            _ => Op::Iter(arg),
        }
    }
}

/// What the ring should hold and have counted.
struct Model {
    items: VecDeque<Item>,
    cap: usize,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
}

impl Model {
    fn is_full(&self) -> bool {
        self.items.len() == self.cap
    }

    /// Takes the oldest item, counting it as popped.
    fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop_front();
        self.popped += usize::from(item.is_some());
        item
    }

    /// Accepts `item` if the ring is open and has room, as a non-blocking push does.
    fn push(&mut self, item: Item) {
        assert!(!self.closed && !self.is_full());
        self.items.push_back(item);
        self.pushed += 1;
    }
}

/// Runs `f`, expecting it to panic, with the panic hook silenced: libfuzzer-sys installs
/// a hook that aborts the process on any panic, before `catch_unwind` could catch it.
fn expect_panic(f: impl FnOnce()) {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(hook);
    assert!(result.is_err(), "expected a panic");
}

fn check_state(ring: &Ring<Item>, m: &Model) {
    assert_eq!(ring.len(), m.items.len(), "len");
    assert_eq!(ring.is_empty(), m.items.is_empty(), "is_empty");
    assert_eq!(ring.is_full(), m.is_full(), "is_full");
    assert_eq!(ring.is_closed(), m.closed, "is_closed");
    assert_eq!(ring.capacity(), m.cap, "capacity");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    let cap = 1 + usize::from(first % 8);
    let ring: Ring<Item> = Ring::new(cap);
    let mut m = Model {
        items: VecDeque::new(),
        cap,
        closed: false,
        pushed: 0,
        popped: 0,
        done: 0,
    };
    let mut next: u16 = 0;
    let mut fresh = || {
        next = next.wrapping_add(1);
        Box::new(next)
    };

    for &byte in ops {
        match Op::decode(byte) {
            Op::Push => {
                // Blocking: on a full open ring it would park forever.
                if !m.closed && m.is_full() {
                    continue;
                }
                let item = fresh();
                let got = ring.push(item.clone());
                if m.closed {
                    assert_eq!(got, Err(Closed(item)));
                } else {
                    assert_eq!(got, Ok(()));
                    m.push(item);
                }
            }
            Op::TryPush => {
                let item = fresh();
                let got = ring.try_push(item.clone());
                if m.closed {
                    assert_eq!(got, Err(TryPushError::Closed(item)));
                } else if m.is_full() {
                    assert_eq!(got, Err(TryPushError::Full(item)));
                } else {
                    assert_eq!(got, Ok(()));
                    m.push(item);
                }
            }
            op @ (Op::PushTimeout | Op::PushDeadline) => {
                let item = fresh();
                let got = if matches!(op, Op::PushTimeout) {
                    ring.push_timeout(item.clone(), Duration::ZERO)
                } else {
                    ring.push_deadline(item.clone(), Instant::now())
                };
                if m.closed {
                    assert_eq!(got, Err(PushTimeoutError::Closed(item)));
                } else if m.is_full() {
                    assert_eq!(got, Err(PushTimeoutError::Timeout(item)));
                } else {
                    assert_eq!(got, Ok(()));
                    m.push(item);
                }
            }
            Op::Pop => {
                // Blocking: on an empty open ring it would park forever.
                if !m.closed && m.items.is_empty() {
                    continue;
                }
                assert_eq!(ring.pop(), m.pop());
            }
            Op::TryPop => {
                let want = match m.pop() {
                    Some(item) => Ok(item),
                    None if m.closed => Err(TryPopError::Closed),
                    None => Err(TryPopError::Empty),
                };
                assert_eq!(ring.try_pop(), want);
            }
            op @ (Op::PopTimeout | Op::PopDeadline) => {
                let want = match m.pop() {
                    Some(item) => Ok(item),
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                let got = if matches!(op, Op::PopTimeout) {
                    ring.pop_timeout(Duration::ZERO)
                } else {
                    ring.pop_deadline(Instant::now())
                };
                assert_eq!(got, want);
            }
            Op::Close => {
                assert_eq!(ring.close(), !m.closed, "close returns true only once");
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let want: Vec<Item> = m.items.drain(..).collect();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                assert_eq!(ring.close_and_drain(), want);
            }
            Op::TaskDone => {
                if m.done < m.popped {
                    ring.task_done();
                    m.done += 1;
                } else {
                    // One call too many: a panic, and the count stays as it was (the
                    // `Join` and later `TaskDone` operations check that).
                    expect_panic(|| ring.task_done());
                }
            }
            Op::Join => {
                // Only when it returns at once; otherwise it would park forever.
                if m.done == m.pushed {
                    ring.join();
                }
            }
            Op::TryIter(n) => {
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = ring.try_iter().take(n).collect();
                assert_eq!(got, want);
            }
            Op::Iter(n) => {
                // Each step is a blocking pop: only take what is there, unless closed.
                let n = if m.closed { n } else { n.min(m.items.len()) };
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = ring.iter().take(n).collect();
                assert_eq!(got, want);
            }
        }
        check_state(&ring, &m);
    }

    if data.len().is_multiple_of(2) {
        // Dropping the ring drops the items inside (LeakSanitizer checks none leaks).
        drop(ring);
    } else {
        let iter = ring.into_iter();
        assert_eq!(iter.size_hint(), (m.items.len(), Some(m.items.len())));
        let rest: Vec<Item> = iter.collect();
        assert_eq!(rest, Vec::from(m.items));
    }
});
