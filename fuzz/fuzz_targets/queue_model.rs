//! Single-threaded model check of `parkq::Queue` against a `VecDeque`.
//!
//! # Decoding
//!
//! Every byte is one operation: its high nibble picks the operation (see [`Op::decode`]),
//! its low nibble is a small argument. For the bulk operations (push k, pop k, the
//! iterators, push-then-pop cycles) the argument indexes [`COUNTS`], which runs up to 100
//! and includes the block size (31) and its neighbours, so a few bytes cross several
//! block boundaries (the queue's blocks hold 31 items) and reach block reclamation and
//! the one-block spare cache. Items are `Box<u16>` holding a counter that increases with
//! every push attempt, so consecutive items differ, and AddressSanitizer/LeakSanitizer
//! (cargo-fuzz's default) see a double drop or a leaked item. After the last operation
//! the queue is dropped with its items inside, consumed with `into_iter`, or partly
//! consumed with `into_iter` and the iterator dropped with the rest, chosen by the input
//! length modulo 3.
//!
//! # What is asserted
//!
//! After every operation the queue agrees with the model: the exact result of the call
//! (item popped, `Ok`, or the error `Closed` with the very item handed back, `Empty`,
//! `Timeout`), `len`, `is_empty` and `is_closed`. Bulk pops check every single result,
//! and `len` after each step. `close` returns `true` only the first time;
//! `close_and_drain` returns the model's items in order and counts them as done.
//! `task_done` succeeds while the model has more popped than done items; one call too
//! many must panic (caught with `catch_unwind`, with the panic hook silenced around it)
//! and leave the count unchanged. `join` is only called when the model says every pushed
//! item is done, so it must return at once. At the end, `into_iter` reports the exact
//! count left (`size_hint`, after every step) and yields the model's items in order.
//!
//! The target is single-threaded, so it never issues a call that would park forever: no
//! blocking `pop` (nor a blocking `iter` step) on an empty open queue. Timed pops use a
//! zero timeout or a deadline of "now", which still makes one attempt.
#![no_main]

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parkq::{Closed, PopTimeoutError, Queue, TryPopError};

type Item = Box<u16>;

/// How many items a bulk operation handles, indexed by the low nibble. The queue's
/// blocks hold 31 items: 30, 31, 32, 62 and 63 land next to the boundaries from an empty
/// queue, and 100 crosses three of them.
const COUNTS: [usize; 16] = [1, 2, 3, 5, 8, 13, 21, 30, 31, 32, 33, 47, 62, 63, 64, 100];

/// One decoded operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Push,
    /// `n` pushes in a row.
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
    /// `n` rounds of one push then one `try_pop`: the length stays put while the indices
    /// move on, so blocks are retired and the spare block is reused.
    Cycle(usize),
    Join,
    /// `task_done` for every popped item not yet done, then `join`.
    FinishAndJoin,
}

impl Op {
    fn decode(byte: u8) -> Op {
        let arg = usize::from(byte & 0x0f);
        let n = COUNTS[arg];
        match byte >> 4 {
            0 => Op::Push,
            1 | 2 => Op::PushMany(n),
            3 => Op::Pop,
            4 => Op::TryPop,
            5 => Op::PopTimeout,
            6 => Op::PopDeadline,
            7 | 8 => Op::PopMany(n),
            9 => Op::Close,
            10 => Op::CloseAndDrain,
            11 => Op::TaskDone,
            12 => Op::TryIter(n),
            13 => Op::Iter(n),
            14 => Op::Cycle(n),
            _ => {
                if arg < 8 {
                    Op::Join
                } else {
                    Op::FinishAndJoin
                }
            }
        }
    }
}

/// What the queue should hold and have counted.
struct Model {
    items: VecDeque<Item>,
    closed: bool,
    pushed: usize,
    popped: usize,
    done: usize,
}

impl Model {
    /// Takes the oldest item, counting it as popped.
    fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop_front();
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

fn check_state(queue: &Queue<Item>, m: &Model) {
    assert_eq!(queue.len(), m.items.len(), "len");
    assert_eq!(queue.is_empty(), m.items.is_empty(), "is_empty");
    assert_eq!(queue.is_closed(), m.closed, "is_closed");
}

/// One `push`, checked against the model.
fn push(queue: &Queue<Item>, m: &mut Model, item: Item) {
    let got = queue.push(item.clone());
    if m.closed {
        assert_eq!(got, Err(Closed(item)), "push on a closed queue");
    } else {
        assert_eq!(got, Ok(()), "push on an open queue");
        m.items.push_back(item);
        m.pushed += 1;
    }
}

/// One `try_pop`, checked against the model.
fn try_pop(queue: &Queue<Item>, m: &mut Model) {
    let want = m.try_pop();
    assert_eq!(queue.try_pop(), want, "try_pop");
}

fuzz_target!(|data: &[u8]| {
    let queue: Queue<Item> = Queue::new();
    let mut m = Model {
        items: VecDeque::new(),
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

    for &byte in data {
        match Op::decode(byte) {
            Op::Push => push(&queue, &mut m, fresh()),
            Op::PushMany(n) => {
                for _ in 0..n {
                    push(&queue, &mut m, fresh());
                }
            }
            Op::Pop => {
                // Blocking: on an empty open queue it would park forever.
                if !m.closed && m.items.is_empty() {
                    continue;
                }
                assert_eq!(queue.pop(), m.pop(), "pop");
            }
            Op::TryPop => try_pop(&queue, &mut m),
            op @ (Op::PopTimeout | Op::PopDeadline) => {
                let want = match m.pop() {
                    Some(item) => Ok(item),
                    None if m.closed => Err(PopTimeoutError::Closed),
                    None => Err(PopTimeoutError::Timeout),
                };
                let got = if matches!(op, Op::PopTimeout) {
                    queue.pop_timeout(Duration::ZERO)
                } else {
                    queue.pop_deadline(Instant::now())
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::PopMany(n) => {
                for _ in 0..n {
                    try_pop(&queue, &mut m);
                    assert_eq!(queue.len(), m.items.len(), "len within a bulk pop");
                }
            }
            Op::Close => {
                assert_eq!(queue.close(), !m.closed, "close returns true only once");
                m.closed = true;
            }
            Op::CloseAndDrain => {
                let want: Vec<Item> = m.items.drain(..).collect();
                m.popped += want.len();
                m.done += want.len();
                m.closed = true;
                assert_eq!(queue.close_and_drain(), want, "close_and_drain");
            }
            Op::TaskDone => {
                if m.done < m.popped {
                    queue.task_done();
                    m.done += 1;
                } else {
                    // One call too many: a panic, and the count stays as it was (the
                    // `Join` and later `TaskDone` operations check that).
                    expect_panic(|| queue.task_done());
                }
            }
            Op::TryIter(n) => {
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = queue.try_iter().take(n).collect();
                assert_eq!(got, want, "try_iter");
            }
            Op::Iter(n) => {
                // Each step is a blocking pop: only take what is there, unless closed.
                let n = if m.closed { n } else { n.min(m.items.len()) };
                let want: Vec<Item> = (0..n).map_while(|_| m.pop()).collect();
                let got: Vec<Item> = queue.iter().take(n).collect();
                assert_eq!(got, want, "iter");
            }
            Op::Cycle(n) => {
                for _ in 0..n {
                    push(&queue, &mut m, fresh());
                    try_pop(&queue, &mut m);
                }
            }
            Op::Join => {
                // Only when it returns at once; otherwise it would park forever.
                if m.done == m.pushed {
                    queue.join();
                }
            }
            Op::FinishAndJoin => {
                for _ in m.done..m.popped {
                    queue.task_done();
                }
                m.done = m.popped;
                if m.items.is_empty() {
                    // Everything pushed was popped and is now done.
                    assert_eq!(m.done, m.pushed);
                    queue.join();
                }
            }
        }
        check_state(&queue, &m);
    }

    match data.len() % 3 {
        0 => {
            // Dropping the queue drops the items inside (LeakSanitizer checks none leaks)
            // and frees every block.
            drop(queue);
        }
        1 => {
            let mut iter = queue.into_iter();
            while let Some(item) = iter.next() {
                assert_eq!(Some(item), m.items.pop_front(), "into_iter");
                let left = m.items.len();
                assert_eq!(iter.size_hint(), (left, Some(left)), "into_iter size_hint");
            }
            assert!(m.items.is_empty(), "into_iter ended early");
            assert!(iter.next().is_none(), "into_iter is fused");
        }
        _ => {
            // Take half, then drop the iterator with the rest inside.
            let mut iter = queue.into_iter();
            assert_eq!(iter.len(), m.items.len(), "into_iter len");
            let half = m.items.len() / 2;
            let got: Vec<Item> = iter.by_ref().take(half).collect();
            let want: Vec<Item> = m.items.drain(..half).collect();
            assert_eq!(got, want, "into_iter");
            assert_eq!(iter.len(), m.items.len(), "into_iter len");
            drop(iter);
        }
    }
});
