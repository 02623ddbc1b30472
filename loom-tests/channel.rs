//! loom models of `parkq::channel`: the rendezvous hand-off (its offer state machine on
//! top of `Queue`), disconnection from either end while the other is blocked, and the
//! handle counts that decide who disconnects.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom_channel`. Each model
//! names its preemption bound; `LOOM_MAX_PREEMPTIONS` in the environment overrides it.
//! Items are loom `Arc`s where it matters: loom reports one that is leaked, and a double
//! drop panics.
#![cfg(loom)]

mod common;

use common::{model, LONG};
use loom::sync::Arc;
use loom::thread;
use parkq::channel::{self, RecvError, RecvTimeoutError, SendError, TrySendError};

/// A blocking send meets a blocking receive: the item crosses once, and both return.
#[test]
fn rendezvous_hand_off() {
    model(Some(3), || {
        let (tx, rx) = channel::bounded(0);
        let sender = thread::spawn(move || tx.send(Arc::new(7)));
        assert_eq!(*rx.recv().unwrap(), 7);
        assert!(sender.join().unwrap().is_ok());
    });
}

/// A timed send against a timed receive, either of which may time out at any point: the
/// item is received if and only if the send reports success, and a timed-out send gets
/// its item back (loom reports it leaked otherwise).
#[test]
fn rendezvous_timeouts_never_lose_or_duplicate() {
    model(Some(3), || {
        let (tx, rx) = channel::bounded(0);
        let sender = thread::spawn(move || tx.send_timeout(Arc::new(1), LONG).is_ok());
        let received = match rx.recv_timeout(LONG) {
            Ok(item) => {
                assert_eq!(*item, 1);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                // The sender timed out and dropped its end before we looked.
                false
            }
        };
        let sent = sender.join().unwrap();
        if received {
            assert!(sent, "received an item whose send failed");
        } else if sent {
            // Sent means taken by a receiver: only ours exists, and it took nothing.
            panic!("send succeeded but nothing was received");
        }
    });
}

/// `try_send` against a receiver that is (or is about to be) waiting: it either hands
/// the item to that receiver or reports `Full`; never both, never neither.
#[test]
fn rendezvous_try_send_with_a_waiting_receiver() {
    model(Some(3), || {
        let (tx, rx) = channel::bounded(0);
        let receiver = thread::spawn(move || rx.recv().map(|item: Arc<u8>| *item));
        let sent = match tx.try_send(Arc::new(5)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => false,
            Err(TrySendError::Disconnected(_)) => panic!("the receiver is alive"),
        };
        drop(tx); // a receiver that got nothing wakes, disconnected
        let received = receiver.join().unwrap();
        assert_eq!(received, if sent { Ok(5) } else { Err(RecvError) });
    });
}

/// The last receiver goes while a sender is blocked in a rendezvous send: the sender
/// wakes with its item, unless the receiver took it first.
#[test]
fn rendezvous_receiver_gone_while_sender_blocked() {
    model(Some(3), || {
        let (tx, rx) = channel::bounded(0);
        let sender = thread::spawn(move || tx.send(Arc::new(3)));
        drop(rx);
        match sender.join().unwrap() {
            Err(SendError(item)) => assert_eq!(*item, 3),
            Ok(()) => panic!("nobody received"),
        }
    });
}

/// The last sender goes while a receiver is blocked: it wakes disconnected, after
/// taking what was sent before, on every flavor.
#[test]
fn sender_gone_while_receiver_blocked() {
    for capacity in [None, Some(1), Some(0)] {
        model(Some(3), move || {
            let (tx, rx) = match capacity {
                None => channel::unbounded(),
                Some(cap) => channel::bounded(cap),
            };
            let receiver = thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(item) = rx.recv() {
                    got.push(item);
                }
                got
            });
            tx.send(1).unwrap();
            drop(tx);
            assert_eq!(receiver.join().unwrap(), [1]);
        });
    }
}

/// The last receiver goes while a sender is blocked on a full buffer, with an item
/// buffered: every item is either returned to the sender or dropped by the receiver's
/// drop, exactly once (loom reports a leak; a double drop panics).
#[test]
fn receiver_gone_while_bounded_sender_blocked() {
    model(Some(3), || {
        let (tx, rx) = channel::bounded(1);
        tx.send(Arc::new(1)).unwrap();
        let sender = thread::spawn(move || tx.send(Arc::new(2)));
        drop(rx);
        if let Err(SendError(item)) = sender.join().unwrap() {
            assert_eq!(*item, 2);
        }
    });
}

/// Two senders' last drops race: exactly one of them disconnects, after both sends, so
/// the receiver gets both items and then `RecvError`, on both buffered flavors.
#[test]
fn racing_sender_drops_disconnect_once() {
    for capacity in [None, Some(2)] {
        model(Some(3), move || {
            let (tx, rx) = match capacity {
                None => channel::unbounded(),
                Some(cap) => channel::bounded(cap),
            };
            let tx2 = tx.clone();
            let other = thread::spawn(move || {
                tx2.send(2).unwrap();
            });
            tx.send(1).unwrap();
            drop(tx);
            other.join().unwrap();
            let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap()];
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
            assert_eq!(rx.recv(), Err(RecvError));
        });
    }
}
