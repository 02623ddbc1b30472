//! `parkq::channel` against the behaviour `std::sync::mpsc` documents and tests: a port
//! of typical std usage (smoke, disconnection both ways, timeouts, iterators, rendezvous
//! hand-off, many senders, drop of unreceived messages). Each behaviour runs on every
//! flavor it applies to. The code uses `parkq::channel as mpsc`, so it is also the proof
//! that std-style code compiles with only its `use` line changed.
#![cfg(not(loom))]

mod common;

use common::{scaled, within, HANG};
use parkq::channel as mpsc;
use parkq::channel::{
    Receiver, RecvError, RecvTimeoutError, SendError, SendTimeoutError, Sender, SyncSender,
    TryRecvError, TrySendError,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

type Make<T> = fn() -> (Sender<T>, Receiver<T>);

/// Every flavor, by name: unbounded, buffered (1 and 16), rendezvous.
fn flavors<T>() -> [(&'static str, Make<T>); 4] {
    [
        ("channel()", mpsc::channel),
        ("sync_channel(1)", || mpsc::sync_channel(1)),
        ("sync_channel(16)", || mpsc::sync_channel(16)),
        ("sync_channel(0)", || mpsc::sync_channel(0)),
    ]
}

/// The flavors with a buffer of at least one item.
fn buffered<T>() -> [(&'static str, Make<T>); 3] {
    let [a, b, c, _] = flavors();
    [a, b, c]
}

/// Counts its drops in a shared counter.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

#[test]
fn both_ends_are_send_sync_and_clone() {
    assert_send_sync_clone::<Sender<Box<u8>>>();
    assert_send_sync_clone::<Receiver<Box<u8>>>();
    // Not `Sync` items are fine: only one thread touches each item at a time.
    assert_send_sync_clone::<Receiver<std::cell::Cell<u8>>>();
    assert_send_sync_clone::<SyncSender<std::cell::Cell<u8>>>();
}

#[test]
fn std_style_code_compiles_with_only_the_use_line_changed() {
    // Written exactly as against std::sync::mpsc.
    fn producer(tx: mpsc::Sender<i32>, sync_tx: mpsc::SyncSender<i32>) {
        tx.send(1).unwrap();
        sync_tx.send(2).unwrap();
    }
    let (tx, rx) = mpsc::channel::<i32>();
    let (sync_tx, sync_rx) = mpsc::sync_channel::<i32>(1);
    producer(tx, sync_tx);
    let got: Vec<i32> = rx.iter().chain(sync_rx.try_iter()).collect();
    assert_eq!(got, [1, 2]);
    match rx.try_recv() {
        Err(mpsc::TryRecvError::Disconnected) => {}
        other => panic!("expected Disconnected, got {other:?}"),
    }
}

#[test]
fn error_texts_are_std_texts() {
    use std::sync::mpsc as std_mpsc;
    assert_eq!(SendError(1).to_string(), std_mpsc::SendError(1).to_string());
    assert_eq!(RecvError.to_string(), std_mpsc::RecvError.to_string());
    assert_eq!(
        TrySendError::Full(1).to_string(),
        std_mpsc::TrySendError::Full(1).to_string()
    );
    assert_eq!(
        TrySendError::Disconnected(1).to_string(),
        std_mpsc::TrySendError::Disconnected(1).to_string()
    );
    assert_eq!(
        TryRecvError::Empty.to_string(),
        std_mpsc::TryRecvError::Empty.to_string()
    );
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        std_mpsc::TryRecvError::Disconnected.to_string()
    );
    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        std_mpsc::RecvTimeoutError::Timeout.to_string()
    );
    assert_eq!(
        RecvTimeoutError::Disconnected.to_string(),
        std_mpsc::RecvTimeoutError::Disconnected.to_string()
    );
    // std's SendTimeoutError is unstable; its texts are in std's mpmc module.
    assert_eq!(
        SendTimeoutError::Timeout(1).to_string(),
        "timed out waiting on send operation"
    );
    assert_eq!(
        SendTimeoutError::Disconnected(1).to_string(),
        "sending on a disconnected channel"
    );
    // Debug needs no `T: Debug`, as std's.
    struct Opaque;
    assert_eq!(format!("{:?}", SendError(Opaque)), "SendError { .. }");
    assert_eq!(format!("{:?}", TrySendError::Full(Opaque)), "Full(..)");
    // Conversions as std's.
    assert_eq!(
        TrySendError::from(SendError(3)),
        TrySendError::Disconnected(3)
    );
    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
    assert_eq!(
        RecvTimeoutError::from(RecvError),
        RecvTimeoutError::Disconnected
    );
}

#[test]
fn smoke() {
    for (name, make) in buffered::<i32>() {
        let (tx, rx) = make();
        tx.send(1).unwrap();
        assert_eq!(rx.recv(), Ok(1), "{name}");
    }
}

#[test]
fn smoke_threads_every_flavor() {
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let sender = thread::spawn(move || {
                tx.send(1).unwrap();
                tx.send(2).unwrap();
            });
            assert_eq!(rx.recv(), Ok(1), "{name}");
            assert_eq!(rx.recv(), Ok(2), "{name}");
            sender.join().unwrap();
            assert_eq!(rx.recv(), Err(RecvError), "{name}");
        }
    });
}

#[test]
fn send_fails_after_receiver_is_gone_and_hands_the_item_back() {
    for (name, make) in flavors::<Box<i32>>() {
        let (tx, rx) = make();
        drop(rx);
        assert_eq!(tx.send(Box::new(7)), Err(SendError(Box::new(7))), "{name}");
        assert_eq!(
            tx.try_send(Box::new(8)),
            Err(TrySendError::Disconnected(Box::new(8))),
            "{name}"
        );
        assert_eq!(
            tx.send_timeout(Box::new(9), Duration::from_millis(1)),
            Err(SendTimeoutError::Disconnected(Box::new(9))),
            "{name}"
        );
    }
}

#[test]
fn recv_fails_after_every_sender_is_gone() {
    for (name, make) in flavors::<i32>() {
        let (tx, rx) = make();
        let tx2 = tx.clone();
        drop(tx);
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "{name}: one sender left"
        );
        drop(tx2);
        assert_eq!(rx.recv(), Err(RecvError), "{name}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected), "{name}");
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1)),
            Err(RecvTimeoutError::Disconnected),
            "{name}"
        );
    }
}

#[test]
fn buffered_items_are_received_after_the_senders_are_gone() {
    for (name, make) in buffered::<i32>() {
        let (tx, rx) = make();
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(rx.recv(), Ok(1), "{name}");
        assert_eq!(rx.recv(), Err(RecvError), "{name}");
    }
}

#[test]
fn dropping_the_receiver_drops_unreceived_items_once() {
    for (name, make) in buffered::<Counted>() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = make();
        tx.send(Counted(drops.clone())).unwrap();
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "{name}: a receiver is left"
        );
        drop(rx2);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{name}");
        // A failed send hands the item back; dropping it is the caller's.
        let error = tx.send(Counted(drops.clone())).unwrap_err();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{name}");
        drop(error);
        assert_eq!(drops.load(Ordering::SeqCst), 2, "{name}");
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 2, "{name}");
    }
}

#[test]
fn dropping_both_ends_drops_unreceived_items_once() {
    for (name, make) in buffered::<Counted>() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = make();
        tx.send(Counted(drops.clone())).unwrap();
        drop(tx);
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{name}");
    }
}

#[test]
fn port_gone_concurrent() {
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let receiver = thread::spawn(move || {
                rx.recv().unwrap();
            });
            // Ends only because the receiver's drop makes a send fail.
            let mut sent = 0;
            while tx.send(1).is_ok() {
                sent += 1;
            }
            receiver.join().unwrap();
            assert!(sent >= 1, "{name}: the received item was sent");
        }
    });
}

#[test]
fn chan_gone_concurrent() {
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let sender = thread::spawn(move || {
                tx.send(1).unwrap();
                tx.send(1).unwrap();
            });
            let mut received = 0;
            while rx.recv().is_ok() {
                received += 1;
            }
            sender.join().unwrap();
            assert_eq!(received, 2, "{name}");
        }
    });
}

#[test]
fn stress_one_sender() {
    let count = scaled(10_000, 50);
    within(HANG, move || {
        for (name, make) in flavors::<usize>() {
            let (tx, rx) = make();
            let sender = thread::spawn(move || {
                for i in 0..count {
                    tx.send(i).unwrap();
                }
            });
            for i in 0..count {
                assert_eq!(rx.recv(), Ok(i), "{name}: FIFO");
            }
            sender.join().unwrap();
            assert_eq!(rx.recv(), Err(RecvError), "{name}");
        }
    });
}

#[test]
fn stress_many_senders_many_receivers() {
    const THREADS: usize = 4;
    let per_sender = scaled(5_000, 20);
    within(HANG, move || {
        for (name, make) in flavors::<(usize, usize)>() {
            let (tx, rx) = make();
            let senders: Vec<_> = (0..THREADS)
                .map(|id| {
                    let tx = tx.clone();
                    thread::spawn(move || {
                        for seq in 0..per_sender {
                            tx.send((id, seq)).unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            let receivers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn(move || {
                        // FIFO per sender, as seen by one receiver.
                        let mut last = [None; THREADS];
                        let mut got = Vec::new();
                        for (id, seq) in rx.iter() {
                            assert!(last[id] < Some(seq), "out of order from sender {id}");
                            last[id] = Some(seq);
                            got.push((id, seq));
                        }
                        got
                    })
                })
                .collect();
            drop(rx);
            for sender in senders {
                sender.join().unwrap();
            }
            let mut all: Vec<_> = receivers
                .into_iter()
                .flat_map(|r| r.join().unwrap())
                .collect();
            all.sort_unstable();
            let expected: Vec<_> = (0..THREADS)
                .flat_map(|id| (0..per_sender).map(move |seq| (id, seq)))
                .collect();
            assert_eq!(all, expected, "{name}: every item exactly once");
        }
    });
}

#[test]
fn recv_timeout_times_out_then_receives() {
    for (name, make) in buffered::<i32>() {
        let (tx, rx) = make();
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1)),
            Err(RecvTimeoutError::Timeout),
            "{name}"
        );
        tx.send(1).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Ok(1), "{name}");
        // A timeout too large to add to now means "forever", not a panic.
        tx.send(2).unwrap();
        assert_eq!(rx.recv_timeout(Duration::MAX), Ok(2), "{name}");
        let past = Instant::now();
        assert_eq!(
            rx.recv_deadline(past),
            Err(RecvTimeoutError::Timeout),
            "{name}"
        );
    }
}

#[test]
fn blocked_recv_wakes_for_a_send_and_for_disconnection() {
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let receiver = thread::spawn(move || (rx.recv(), rx.recv()));
            tx.send(5).unwrap();
            drop(tx);
            assert_eq!(receiver.join().unwrap(), (Ok(5), Err(RecvError)), "{name}");
        }
    });
}

#[test]
fn recv_timeout_wakes_for_disconnection() {
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let receiver = thread::spawn(move || rx.recv_timeout(Duration::from_secs(3600)));
            drop(tx);
            assert_eq!(
                receiver.join().unwrap(),
                Err(RecvTimeoutError::Disconnected),
                "{name}"
            );
        }
    });
}

#[test]
fn try_recv_states() {
    for (name, make) in buffered::<i32>() {
        let (tx, rx) = make();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{name}");
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1), "{name}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{name}");
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected), "{name}");
    }
}

#[test]
fn iterators() {
    for (name, make) in buffered::<i32>() {
        let (tx, rx) = make();
        tx.send(1).unwrap();
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1], "{name}: try_iter");
        assert_eq!(rx.try_iter().next(), None, "{name}: try_iter does not wait");
        tx.send(2).unwrap();
        drop(tx);
        let mut seen = Vec::new();
        for item in &rx {
            seen.push(item);
        }
        assert_eq!(seen, [2], "{name}: &Receiver ends at disconnection");
    }
    within(HANG, || {
        for (name, make) in flavors::<i32>() {
            let (tx, rx) = make();
            let sender = thread::spawn(move || {
                for i in 0..10 {
                    tx.send(i).unwrap();
                }
            });
            assert_eq!(rx.into_iter().sum::<i32>(), 45, "{name}: into_iter");
            sender.join().unwrap();
        }
    });
}

#[test]
fn len_is_empty_is_full_capacity() {
    let (tx, rx) = mpsc::sync_channel(2);
    assert_eq!((tx.capacity(), rx.capacity()), (Some(2), Some(2)));
    assert!(tx.is_empty() && rx.is_empty() && !tx.is_full());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((tx.len(), rx.len()), (2, 2));
    assert!(tx.is_full() && rx.is_full() && !rx.is_empty());

    let (tx, rx) = mpsc::channel();
    assert_eq!(tx.capacity(), None);
    tx.send(1).unwrap();
    assert_eq!(rx.len(), 1);
    assert!(!rx.is_full());

    let (tx, rx) = mpsc::sync_channel::<u8>(0);
    assert_eq!((tx.capacity(), rx.capacity()), (Some(0), Some(0)));
    assert!(tx.is_full() && rx.is_empty());
    assert_eq!(rx.len(), 0);
}

// ---- bounded: waiting for room ----

#[test]
fn try_send_on_a_full_buffer() {
    let (tx, rx) = mpsc::sync_channel(1);
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(
        tx.send_timeout(3, Duration::from_millis(1)),
        Err(SendTimeoutError::Timeout(3))
    );
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(tx.try_send(4), Ok(()));
}

#[test]
fn blocked_send_wakes_when_room_is_made() {
    within(HANG, || {
        let (tx, rx) = mpsc::sync_channel(1);
        tx.send(1).unwrap();
        let sender = thread::spawn(move || tx.send(2));
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(rx.recv(), Ok(2));
    });
}

#[test]
fn blocked_send_wakes_and_fails_when_the_receiver_is_gone() {
    within(HANG, || {
        // The flavors whose sends can wait.
        for (name, make) in flavors::<Box<i32>>().into_iter().skip(1) {
            let (tx, rx) = make();
            // Fill the buffer so the next send has to wait.
            while tx.try_send(Box::new(0)).is_ok() {}
            let sender = thread::spawn(move || tx.send(Box::new(9)));
            drop(rx);
            assert_eq!(
                sender.join().unwrap(),
                Err(SendError(Box::new(9))),
                "{name}: the item comes back"
            );
        }
    });
}

#[test]
fn ping_pong_through_two_size_one_channels() {
    let rounds = scaled(2_000, 20);
    within(HANG, move || {
        let (ping_tx, ping_rx) = mpsc::sync_channel(1);
        let (pong_tx, pong_rx) = mpsc::sync_channel(1);
        let echo = thread::spawn(move || {
            for n in ping_rx.iter() {
                pong_tx.send(n + 1).unwrap();
            }
        });
        for n in 0..rounds {
            ping_tx.send(n).unwrap();
            assert_eq!(pong_rx.recv(), Ok(n + 1));
        }
        drop(ping_tx);
        echo.join().unwrap();
    });
}

// ---- rendezvous ----

#[test]
fn rendezvous_try_send_without_a_waiting_receiver_is_full() {
    let (tx, rx) = mpsc::sync_channel(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        tx.send_timeout(2, Duration::from_millis(1)),
        Err(SendTimeoutError::Timeout(2))
    );
    // The timed-out offer left nothing behind.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn rendezvous_send_returns_only_after_a_receiver_took_the_item() {
    let rounds = scaled(500, 10);
    within(HANG, move || {
        let (tx, rx) = mpsc::sync_channel(0);
        let recv_calls = Arc::new(AtomicUsize::new(0));
        let receiver = {
            let recv_calls = recv_calls.clone();
            thread::spawn(move || {
                for i in 0..rounds {
                    recv_calls.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(rx.recv(), Ok(i));
                }
            })
        };
        for i in 0..rounds {
            tx.send(i).unwrap();
            // Item i can only have been taken by the (i+1)-th recv call.
            assert!(
                recv_calls.load(Ordering::SeqCst) > i,
                "send {i} returned early"
            );
        }
        receiver.join().unwrap();
    });
}

#[test]
fn rendezvous_try_send_succeeds_with_a_waiting_receiver() {
    within(HANG, || {
        let (tx, rx) = mpsc::sync_channel(0);
        let receiver = thread::spawn(move || rx.recv());
        let mut item = 1;
        // Full until the receiver is waiting; then the hand-off succeeds.
        loop {
            match tx.try_send(item) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => item = back,
                Err(error) => panic!("unexpected {error:?}"),
            }
            thread::yield_now();
        }
        assert_eq!(receiver.join().unwrap(), Ok(1));
    });
}

#[test]
fn rendezvous_try_recv_succeeds_with_a_waiting_sender() {
    within(HANG, || {
        let (tx, rx) = mpsc::sync_channel(0);
        let sender = thread::spawn(move || tx.send(7));
        let got = loop {
            match rx.try_recv() {
                Ok(item) => break item,
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(error) => panic!("unexpected {error:?}"),
            }
        };
        assert_eq!(got, 7);
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn rendezvous_send_timeout_hands_off_to_a_receiver() {
    within(HANG, || {
        let (tx, rx) = mpsc::sync_channel(0);
        let receiver = thread::spawn(move || rx.recv());
        assert_eq!(tx.send_timeout(3, Duration::from_secs(3600)), Ok(()));
        assert_eq!(receiver.join().unwrap(), Ok(3));
    });
}

#[test]
fn rendezvous_many_try_senders_one_receiver_each_item_once() {
    let rounds = scaled(300, 5);
    within(HANG, move || {
        let (tx, rx) = mpsc::sync_channel::<usize>(0);
        let sent = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..3)
            .map(|_| {
                let (tx, sent) = (tx.clone(), sent.clone());
                thread::spawn(move || {
                    let mut ok = Vec::new();
                    for i in 0..rounds {
                        match tx.try_send(i) {
                            Ok(()) => ok.push(i),
                            Err(TrySendError::Full(back)) => assert_eq!(back, i),
                            Err(error) => panic!("unexpected {error:?}"),
                        }
                    }
                    // Finish with a blocking send so the receiver knows when to stop.
                    tx.send(usize::MAX).unwrap();
                    sent.fetch_add(ok.len(), Ordering::SeqCst);
                    ok
                })
            })
            .collect();
        drop(tx);
        let mut received = Vec::new();
        for item in rx.iter() {
            if item != usize::MAX {
                received.push(item);
            }
        }
        let mut succeeded: Vec<usize> = senders
            .into_iter()
            .flat_map(|s| s.join().unwrap())
            .collect();
        succeeded.sort_unstable();
        received.sort_unstable();
        assert_eq!(
            received, succeeded,
            "a successful try_send is received, once"
        );
    });
}

#[test]
fn rendezvous_timed_out_offers_are_skipped() {
    within(HANG, || {
        let (tx, rx) = mpsc::sync_channel(0);
        for i in 0..3 {
            assert_eq!(
                tx.send_timeout(i, Duration::from_millis(1)),
                Err(SendTimeoutError::Timeout(i))
            );
        }
        let sender = thread::spawn(move || tx.send(99));
        assert_eq!(rx.recv(), Ok(99));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(rx.recv(), Err(RecvError));
    });
}
