//! Single-threaded model check of `parkq::Stack` against a `Vec`.
//!
//! # Decoding
//!
//! The first byte picks the stack: `byte % 9 == 0` an unbounded `Stack::new()`,
//! otherwise `Stack::bounded(byte % 9)`, a capacity of 1..=8 (an empty input is
//! skipped). Every later byte is one operation: its high nibble picks the operation (see
//! [`Op::decode`]), its low nibble is a small argument. For the bulk operations (push k,
//! pop k, the iterators) the argument indexes [`COUNTS`], which runs up to 200, so a few
//! bytes fill a bounded stack past its capacity or grow an unbounded one deep. Items are
//! `Box<u16>` holding a counter that increases with every push attempt, so consecutive
//! items differ, and AddressSanitizer/LeakSanitizer (cargo-fuzz's default) see a double
//! drop or a leaked item (a popped node is freed later, by crossbeam-epoch, so a node
//! freed twice or never shows up too). After the last operation the stack is dropped
//! with its items inside, consumed with `into_iter`, or partly consumed with `into_iter`
//! and the iterator dropped with the rest, chosen by the input length modulo 3.
//!
//! # What is asserted
//!
//! After every operation the stack agrees with the model: the exact result of the call
//! (item popped, newest first; `Ok`; or the error `Full`/`Closed`/`Timeout`/`Empty` with
//! the very item handed back), `len`, `is_empty`, `is_full`, `is_closed` and `capacity`.
//! An unbounded stack never reports `Full` or a push `Timeout`. Bulk pops check every
//! single result, and `len` after each step. `close` returns `true` only the first time;
//! `close_and_drain` returns the model's items newest first and counts them as done.
//! `task_done` succeeds while the model has more popped than done items; one call too
//! many must panic (caught with `catch_unwind`, with the panic hook silenced around it)
//! and leave the count unchanged. `join` is only called when the model says every pushed
//! item is done, so it must return at once. At the end, `into_iter` reports the exact
//! count left (`size_hint` and `len`, after every step) and yields the model's items
//! newest first.
//!
//! The target is single-threaded, so it never issues a call that would park forever: no
//! blocking `push` on a full open bounded stack, no blocking `pop` (nor a blocking `iter`
//! step) on an empty open stack. Timed operations use a zero timeout or a deadline of
//! "now", which still makes one attempt.
#![no_main]

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, PushTimeoutError, Stack, TryPopError, TryPushError};

type Item = Box<u16>;

/// How many items a bulk operation handles, indexed by the low nibble: every count up to
/// 9 (the largest capacity is 8), then deeper stacks.
const COUNTS: [usize; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 24, 32, 64, 100, 200];

/// One decoded operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Push,
    TryPush,
    PushTimeout,
    PushDeadline,
    /// `n` `try_push`es in a row (going on past `Full`/`Closed`).
    PushMany(usize),
    Pop,
    TryPop,
    PopTimeout,
    PopDeadline,
    /// `n` `try_pop`s in a row (going on past `Empty`/`Closed`).
    PopMany(usize),
    Close,
    CloseAndDrain,
    TaskDone,
    /// `try_iter().take(n)`.
    TryIter(usize),
    /// `iter().take(n)`, the blocking iterator.
    Iter(usize),
    Join,
    /// `task_done` for every popped item not yet done, then `join`.
    FinishAndJoin,
    /// `n` rounds of one `try_push` then one `try_pop`: the same node address is freed
    /// and reused while the length stays put.
    Cycle(usize),
}

impl Op {
    fn decode(byte: u8) -> Op {
        let arg = usize::from(byte & 0x0f);
        let n = COUNTS[arg];
        match byte >> 4 {
            0 => Op::Push,
            1 => Op::TryPush,
            2 => Op::PushTimeout,
            3 => Op::PushDeadline,
            4 => Op::PushMany(n),
            5 => Op::Pop,
            6 => Op::TryPop,
            7 => Op::PopTimeout,
            8 => Op::PopDeadline,
            9 => Op::PopMany(n),
            10 => Op::Close,
            11 => Op::CloseAndDrain,
            12 => Op::TaskDone,
            13 => Op::TryIter(n),
            14 => Op::Iter(n),
            _ => match arg {
                0..=3 => Op::Join,
                4..=7 => Op::FinishAndJoin,
                _ => Op::Cycle(COUNTS[arg - 8]),
            },
        }
    }
}

/// What the stack should hold and have counted. The top is the end of `items`.
struct Model {
    items: Vec<Item>,
    cap: Option<usize>,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
}

impl Model {
    fn is_full(&self) -> bool {
        self.cap.is_some_and(|cap| self.items.len() >= cap)
    }

    /// Takes the newest item, counting it as popped.
    fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop();
        self.popped += usize::from(item.is_some());
        item
    }

    /// What `try_pop` should return, applied to the model.
    fn try_pop(&mut self) -> Result<Item, TryPopError> {
        match self.pop() {
            Some(item) => Ok(item),
            None if self.closed => Err(TryPopError::Closed),
            None => Err(TryPopError::Empty),
        }
    }

    /// Accepts `item` if the stack is open and has room, as a non-blocking push does.
    fn push(&mut self, item: Item) {
        assert!(!self.closed && !self.is_full());
        self.items.push(item);
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

fn check_state(stack: &Stack<Item>, m: &Model) {
    assert_eq!(stack.len(), m.items.len(), "len");
    assert_eq!(stack.is_empty(), m.items.is_empty(), "is_empty");
    assert_eq!(stack.is_full(), m.is_full(), "is_full");
    assert_eq!(stack.is_closed(), m.closed, "is_closed");
    assert_eq!(stack.capacity(), m.cap, "capacity");
}

/// One `try_push`, checked against the model.
fn try_push(stack: &Stack<Item>, m: &mut Model, item: Item) {
    let got = stack.try_push(item.clone());
    if m.closed {
        assert_eq!(got, Err(TryPushError::Closed(item)), "try_push when closed");
    } else if m.is_full() {
        assert_eq!(got, Err(TryPushError::Full(item)), "try_push when full");
    } else {
        assert_eq!(got, Ok(()), "try_push with room");
        m.push(item);
    }
}

/// One `try_pop`, checked against the model.
fn try_pop(stack: &Stack<Item>, m: &mut Model) {
    let want = m.try_pop();
    assert_eq!(stack.try_pop(), want, "try_pop");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    let cap = match first % 9 {
        0 => None,
        cap => Some(usize::from(cap)),
    };
    let stack: Stack<Item> = cap.map_or_else(Stack::new, Stack::bounded);
    let mut m = Model {
        items: Vec::new(),
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
                // Blocking: on a full open stack it would park forever.
                if !m.closed && m.is_full() {
                    continue;
                }
                let item = fresh();
                let got = stack.push(item.clone());
                if m.closed {
                    assert_eq!(got, Err(Closed(item)), "push when closed");
                } else {
                    assert_eq!(got, Ok(()), "push with room");
                    m.push(item);
                }
            }
            Op::TryPush => try_push(&stack, &mut m, fresh()),
            op @ (Op::PushTimeout | Op::PushDeadline) => {
                let item = fresh();
                let got = if matches!(op, Op::PushTimeout) {
                    stack.push_timeout(item.clone(), Duration::ZERO)
                } else {
                    stack.push_deadline(item.clone(), Instant::now())
                };
                if m.closed {
                    assert_eq!(got, Err(PushTimeoutError::Closed(item)), "{op:?}");
                } else if m.is_full() {
                    assert_eq!(got, Err(PushTimeoutError::Timeout(item)), "{op:?}");
                } else {
                    assert_eq!(got, Ok(()), "{op:?}");
                    m.push(item);
                }
            }
            Op::PushMany(n) => {
                for _ in 0..n {
                    try_push(&stack, &mut m, fresh());
                    assert_eq!(stack.len(), m.items.len(), "len within a bulk push");
                }
            }
            Op::Pop => {
                // Blocking: on an empty open stack it would park forever.
                if !m.closed && m.items.is_empty() {
                    continue;
                }
                assert_eq!(stack.pop(), m.pop(), "pop");
            }
            Op::TryPop => try_pop(&stack, &mut m),
            op @ (Op::PopTimeout | Op::PopDeadline) => {
                let want = match m.pop() {
                    Some(item) => Ok(item),
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                let got = if matches!(op, Op::PopTimeout) {
                    stack.pop_timeout(Duration::ZERO)
                } else {
                    stack.pop_deadline(Instant::now())
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::PopMany(n) => {
                for _ in 0..n {
                    try_pop(&stack, &mut m);
                    assert_eq!(stack.len(), m.items.len(), "len within a bulk pop");
                }
            }
            Op::Close => {
                assert_eq!(stack.close(), !m.closed, "close returns true only once");
                m.closed = true;
            }
            Op::CloseAndDrain => {
                // Newest first.
                let want: Vec<Item> = m.items.drain(..).rev().collect();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                assert_eq!(stack.close_and_drain(), want, "close_and_drain");
            }
            Op::TaskDone => {
                if m.done < m.popped {
                    stack.task_done();
                    m.done += 1;
                } else {
                    // One call too many: a panic, and the count stays as it was (the
                    // `Join` and later `TaskDone` operations check that).
                    expect_panic(|| stack.task_done());
                }
            }
            Op::TryIter(n) => {
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = stack.try_iter().take(n).collect();
                assert_eq!(got, want, "try_iter");
            }
            Op::Iter(n) => {
                // Each step is a blocking pop: only take what is there, unless closed.
                let n = if m.closed { n } else { n.min(m.items.len()) };
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = stack.iter().take(n).collect();
                assert_eq!(got, want, "iter");
            }
            Op::Join => {
                // Only when it returns at once; otherwise it would park forever.
                if m.done == m.pushed {
                    stack.join();
                }
            }
            Op::FinishAndJoin => {
                for _ in m.done..m.popped {
                    stack.task_done();
                }
                m.done = m.popped;
                if m.items.is_empty() {
                    // Everything pushed was popped and is now done.
                    assert_eq!(m.done, m.pushed);
                    stack.join();
                }
            }
            Op::Cycle(n) => {
                for _ in 0..n {
                    try_push(&stack, &mut m, fresh());
                    try_pop(&stack, &mut m);
                }
            }
        }
        check_state(&stack, &m);
    }

    match data.len() % 3 {
        0 => {
            // Dropping the stack drops the items inside (LeakSanitizer checks none leaks)
            // and frees every node.
            drop(stack);
        }
        1 => {
            let mut iter = stack.into_iter();
            let left = m.items.len();
            assert_eq!(iter.size_hint(), (left, Some(left)), "into_iter size_hint");
            while let Some(item) = iter.next() {
                assert_eq!(Some(item), m.items.pop(), "into_iter");
                let left = m.items.len();
                assert_eq!(iter.size_hint(), (left, Some(left)), "into_iter size_hint");
                assert_eq!(iter.len(), left, "into_iter len");
            }
            assert!(m.items.is_empty(), "into_iter ended early");
            assert!(iter.next().is_none(), "into_iter is fused");
        }
        _ => {
            // Take half, then drop the iterator with the rest inside.
            let mut iter = stack.into_iter();
            assert_eq!(iter.len(), m.items.len(), "into_iter len");
            let half = m.items.len() / 2;
            let got: Vec<Item> = iter.by_ref().take(half).collect();
            let keep = m.items.len() - half;
            let want: Vec<Item> = m.items.drain(keep..).rev().collect();
            assert_eq!(got, want, "into_iter");
            assert_eq!(iter.len(), m.items.len(), "into_iter len");
            drop(iter);
        }
    }
});
