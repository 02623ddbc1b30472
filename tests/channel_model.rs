//! Random single-thread sequences of channel operations (sends and receives of every
//! non-blocking kind, cloning and dropping handles on both ends) against a model, for
//! unbounded channels and capacities 1..=4. Items count their drops, so the model also
//! checks that each item is dropped exactly once, in the right place.
#![cfg(not(loom))]

use parkq::channel::{
    self, Receiver, RecvTimeoutError, SendTimeoutError, Sender, TryRecvError, TrySendError,
};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    TrySend,
    SendTimeout,
    /// `send` where the model says it will not wait.
    Send,
    TryRecv,
    RecvTimeout,
    /// `recv` where the model says it will not wait.
    Recv,
    CloneSender,
    DropSender,
    CloneReceiver,
    DropReceiver,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => Just(Op::TrySend),
        2 => Just(Op::SendTimeout),
        3 => Just(Op::Send),
        5 => Just(Op::TryRecv),
        2 => Just(Op::RecvTimeout),
        3 => Just(Op::Recv),
        1 => Just(Op::CloneSender),
        1 => Just(Op::DropSender),
        1 => Just(Op::CloneReceiver),
        1 => Just(Op::DropReceiver),
    ]
}

/// An item that records its drop in a shared set. (`Rc` is fine: one thread.)
#[derive(Debug)]
struct Item {
    id: u32,
    dropped: Rc<RefCell<BTreeSet<u32>>>,
}

impl Drop for Item {
    fn drop(&mut self) {
        let fresh = self.dropped.borrow_mut().insert(self.id);
        assert!(fresh, "item {} dropped twice", self.id);
    }
}

// `Item` holds an `Rc`, so it is not `Send`; the channel needs `T: Send` only to be
// shared across threads, which these tests never do.

/// What the channel should hold.
struct Model {
    items: VecDeque<u32>,
    capacity: Option<usize>,
    senders: usize,
    receivers: usize,
}

impl Model {
    fn full(&self) -> bool {
        self.capacity.is_some_and(|cap| self.items.len() >= cap)
    }
}

fn check(capacity: Option<usize>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dropped = Rc::new(RefCell::new(BTreeSet::new()));
    let (tx, rx) = match capacity {
        None => channel::unbounded(),
        Some(cap) => channel::bounded(cap),
    };
    let mut txs: Vec<Sender<Item>> = vec![tx];
    let mut rxs: Vec<Receiver<Item>> = vec![rx];
    let mut m = Model {
        items: VecDeque::new(),
        capacity,
        senders: 1,
        receivers: 1,
    };
    let mut next = 0;
    let item = |next: &mut u32| {
        *next += 1;
        Item {
            id: *next,
            dropped: dropped.clone(),
        }
    };
    let zero = Duration::ZERO;

    for op in ops {
        match op {
            Op::TrySend | Op::SendTimeout | Op::Send => {
                let Some(tx) = txs.last() else { continue };
                if matches!(op, Op::Send) && m.receivers > 0 && m.full() {
                    continue; // it would wait forever
                }
                let sent = item(&mut next);
                let id = sent.id;
                // Normalize: Ok, Full/Timeout or Disconnected, with the item handed back.
                let (outcome, back) = match op {
                    Op::TrySend => match tx.try_send(sent) {
                        Ok(()) => ("ok", None),
                        Err(TrySendError::Full(b)) => ("full", Some(b)),
                        Err(TrySendError::Disconnected(b)) => ("disconnected", Some(b)),
                    },
                    Op::SendTimeout => match tx.send_timeout(sent, zero) {
                        Ok(()) => ("ok", None),
                        Err(SendTimeoutError::Timeout(b)) => ("full", Some(b)),
                        Err(SendTimeoutError::Disconnected(b)) => ("disconnected", Some(b)),
                    },
                    _ => match tx.send(sent) {
                        Ok(()) => ("ok", None),
                        Err(e) => ("disconnected", Some(e.0)),
                    },
                };
                let expected = if m.receivers == 0 {
                    "disconnected"
                } else if m.full() {
                    "full"
                } else {
                    "ok"
                };
                prop_assert_eq!(outcome, expected);
                if let Some(back) = back {
                    prop_assert_eq!(back.id, id, "the item handed back is the one sent");
                } else {
                    m.items.push_back(id);
                }
            }
            Op::TryRecv | Op::RecvTimeout | Op::Recv => {
                let Some(rx) = rxs.last() else { continue };
                if matches!(op, Op::Recv) && m.items.is_empty() && m.senders > 0 {
                    continue; // it would wait forever
                }
                let got = match op {
                    Op::TryRecv => rx.try_recv().map_err(|e| match e {
                        TryRecvError::Empty => "empty",
                        TryRecvError::Disconnected => "disconnected",
                    }),
                    Op::RecvTimeout => rx.recv_timeout(zero).map_err(|e| match e {
                        RecvTimeoutError::Timeout => "empty",
                        RecvTimeoutError::Disconnected => "disconnected",
                    }),
                    _ => rx.recv().map_err(|_| "disconnected"),
                };
                let expected = match m.items.pop_front() {
                    Some(id) => Ok(id),
                    None if m.senders == 0 => Err("disconnected"),
                    None => Err("empty"),
                };
                prop_assert_eq!(got.map(|item| item.id), expected);
            }
            Op::CloneSender => {
                if let Some(tx) = txs.last() {
                    txs.push(tx.clone());
                    m.senders += 1;
                }
            }
            Op::DropSender => {
                if txs.pop().is_some() {
                    m.senders -= 1;
                }
            }
            Op::CloneReceiver => {
                if let Some(rx) = rxs.last() {
                    rxs.push(rx.clone());
                    m.receivers += 1;
                }
            }
            Op::DropReceiver => {
                if rxs.pop().is_some() {
                    m.receivers -= 1;
                    if m.receivers == 0 {
                        // The last receiver drops what is buffered, each item once.
                        for id in m.items.drain(..) {
                            prop_assert!(dropped.borrow().contains(&id), "item {id} not dropped");
                        }
                    }
                }
            }
        }
        // One thread: the length is exact.
        if let Some(rx) = rxs.last() {
            prop_assert_eq!(rx.len(), m.items.len());
            prop_assert_eq!(rx.is_full(), m.full());
        }
        if let Some(tx) = txs.last() {
            prop_assert_eq!(tx.is_empty(), m.items.is_empty());
            prop_assert_eq!(tx.capacity(), capacity);
        }
    }
    // Dropping every handle drops every item still inside; nothing else is left.
    let inside: Vec<u32> = m.items.iter().copied().collect();
    drop(txs);
    drop(rxs);
    for id in inside {
        prop_assert!(dropped.borrow().contains(&id), "item {id} leaked");
    }
    prop_assert_eq!(
        dropped.borrow().len() as u32,
        next,
        "every item dropped once"
    );
    Ok(())
}

proptest! {
    // No failure persistence: it needs the file system, which Miri isolates.
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn unbounded_agrees_with_model(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 150 })) {
        check(None, ops)?;
    }

    #[test]
    fn bounded_agrees_with_model(
        capacity in 1usize..=4,
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 150 }),
    ) {
        check(Some(capacity), ops)?;
    }
}
