//! loom models of `PriorityQueue`, each run in both modes of the reclamation facade's
//! loom backend (see `src/reclaim.rs` and `loom-tests/stack.rs`): never-free (the
//! queue's own orderings must publish every node) and grace-period (a node read without
//! a guard, or retired while still reachable, is a data race or a failed assertion).
//!
//! Under loom the queue's towers have at most 2 levels and a pop removes the deleted
//! prefix as soon as it walked past one deleted node, so removal, the tower index and
//! the reader-counted comparisons all run in small models. Pushes with `seq` 0, 1 and 3
//! get 2-level towers, the others 1 level.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom_priority`. Each
//! model names its preemption bound; `LOOM_MAX_PREEMPTIONS` in the environment overrides
//! it.
#![cfg(loom)]

mod common;

use common::{model, LONG};
use loom::sync::Arc;
use loom::thread;
use parkq::loom_hooks::{loom_mode, LoomMode};
use parkq::{PopTimeoutError, PriorityQueue, TryPopError};
use std::cmp::Ordering;

/// Runs `f` as a model in both reclamation modes.
fn both_modes(bound: Option<usize>, f: fn()) {
    for mode in [LoomMode::NeverFree, LoomMode::GracePeriod] {
        loom_mode(mode);
        model(bound, f);
    }
}

/// An item ordered by its priority only, carrying a loom `Arc` (loom reports a leak,
/// and panics on a double drop) and an id to tell equal priorities apart.
#[derive(Debug)]
struct Job {
    priority: u8,
    id: u8,
    _alive: Arc<()>,
}

fn job(priority: u8, id: u8) -> Job {
    Job {
        priority,
        id,
        _alive: Arc::new(()),
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.cmp(&other.priority)
    }
}

/// Drains with `try_pop`, as `(priority, id)` pairs.
fn drain(queue: &PriorityQueue<Job>) -> Vec<(u8, u8)> {
    queue.try_iter().map(|j| (j.priority, j.id)).collect()
}

/// Two pushers, one with two equal priorities, one with a smaller and an equal one:
/// everything comes out once, sorted, and each pusher's equal items in push order.
#[test]
fn concurrent_pushes_of_equal_and_different_priorities() {
    both_modes(Some(2), || {
        let queue = Arc::new(PriorityQueue::new());
        let a = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.push(job(1, 10)).unwrap();
                queue.push(job(1, 11)).unwrap();
            })
        };
        let b = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.push(job(0, 20)).unwrap();
                queue.push(job(1, 21)).unwrap();
            })
        };
        a.join().unwrap();
        b.join().unwrap();
        let got = drain(&queue);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (0, 20));
        let ones: Vec<u8> = got[1..].iter().map(|&(_, id)| id).collect();
        let pos = |id| ones.iter().position(|&x| x == id).unwrap();
        assert!(
            pos(10) < pos(11),
            "pusher a's equal items out of order: {got:?}"
        );
    });
}

/// Two poppers race for the minimum of three items (deleting, removing the prefix and
/// retiring while the other walks it): each item comes out exactly once, and the two
/// poppers get the two smallest.
#[test]
fn pop_races_pop_on_the_minimum() {
    both_modes(Some(2), || {
        let queue = Arc::new(PriorityQueue::new());
        for (p, id) in [(2, 0), (1, 1), (3, 2)] {
            queue.push(job(p, id)).unwrap();
        }
        let poppers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || queue.try_pop().ok().map(|j| j.priority))
            })
            .collect();
        let mut got: Vec<u8> = poppers
            .into_iter()
            .map(|p| p.join().unwrap().expect("three items, two pops"))
            .collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert_eq!(drain(&queue), [(3, 2)]);
    });
}

/// A push of a new minimum (comparing against the node a pop is taking) races a pop:
/// the pop gets the old minimum or the new one, never loses or duplicates an item, and
/// never moves an item out while the push still reads it.
#[test]
fn push_of_a_new_minimum_races_a_pop() {
    both_modes(Some(3), || {
        let queue = Arc::new(PriorityQueue::new());
        queue.push(job(5, 0)).unwrap();
        queue.push(job(7, 1)).unwrap();
        let pusher = {
            let queue = queue.clone();
            thread::spawn(move || queue.push(job(3, 2)).unwrap())
        };
        let popped = queue.try_pop().map(|j| j.priority);
        pusher.join().unwrap();
        let popped = popped.expect("two items inside");
        assert!(popped == 5 || popped == 3, "popped {popped}");
        let mut rest: Vec<u8> = drain(&queue).into_iter().map(|(p, _)| p).collect();
        rest.push(popped);
        rest.sort_unstable();
        assert_eq!(rest, [3, 5, 7]);
    });
}

/// Pushes and pops interleave over a deleted prefix that is being removed: a push of a
/// new minimum links right behind (and indexes over) nodes a popper deletes, removes and
/// retires, and the popper's second pop may take it by walking past the prefix.
#[test]
fn pushes_race_prefix_removal() {
    both_modes(Some(2), || {
        let queue = Arc::new(PriorityQueue::new());
        queue.push(job(1, 0)).unwrap();
        queue.push(job(2, 1)).unwrap();
        queue.push(job(3, 2)).unwrap();
        let popper = {
            let queue = queue.clone();
            thread::spawn(move || {
                let a = queue.try_pop().map(|j| j.priority).unwrap();
                let b = queue.try_pop().map(|j| j.priority).unwrap();
                (a, b)
            })
        };
        queue.push(job(0, 3)).unwrap();
        let (a, b) = popper.join().unwrap();
        let mut all: Vec<u8> = drain(&queue).into_iter().map(|(p, _)| p).collect();
        // The first pop takes 1 or the new 0; the second 0 (pushed in between), 1 or 2.
        assert!(a <= 1 && b <= 2 && a != b, "pops {a} then {b}");
        assert!(
            all.windows(2).all(|w| w[0] < w[1]),
            "rest out of order: {all:?}"
        );
        all.extend([a, b]);
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3]);
    });
}

/// A push still linking its tower (a 2-level node, on level 1 right after `head`) while
/// its node is popped, and the run holding it removed and retired: the remover must
/// see the tower link before it retires the node (`linking`), or `head.next[1]` ends
/// up pointing at a retired node, which the next search reads.
#[test]
fn tower_link_races_removal() {
    both_modes(Some(2), || {
        let queue = Arc::new(PriorityQueue::new());
        // seq 0: a 2-level tower, on level 1 of `head`.
        queue.push(job(5, 0)).unwrap();
        let pusher = {
            let queue = queue.clone();
            // seq 1: a 2-level tower too, linked on level 1 between `head` and job 0.
            thread::spawn(move || queue.push(job(1, 1)).unwrap())
        };
        let popper = {
            let queue = queue.clone();
            thread::spawn(move || {
                let a = queue.pop().map(|j| j.priority).unwrap();
                let b = queue.pop().map(|j| j.priority).unwrap();
                (a, b)
            })
        };
        pusher.join().unwrap();
        let (a, b) = popper.join().unwrap();
        let mut got = [a, b];
        got.sort_unstable();
        assert_eq!(got, [1, 5]);
        // A search through every level of `head`.
        queue.push(job(3, 2)).unwrap();
        assert_eq!(drain(&queue), [(3, 2)]);
    });
}

/// A pop parked on an empty queue is woken by a push.
#[test]
fn blocked_pop_woken_by_push() {
    both_modes(None, || {
        let queue = Arc::new(PriorityQueue::new());
        let popper = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop())
        };
        queue.push(7).unwrap();
        assert_eq!(popper.join().unwrap(), Some(7));
    });
}

/// A close wakes a parked pop (which then reports closed) and a parked bounded push
/// (which hands its item back), and the item inside is still drained.
#[test]
fn close_while_blocked() {
    both_modes(Some(2), || {
        let empty = Arc::new(PriorityQueue::<i32>::new());
        let full = Arc::new(PriorityQueue::bounded(1));
        full.push(1).unwrap();
        let popper = {
            let empty = empty.clone();
            thread::spawn(move || empty.pop())
        };
        let pusher = {
            let full = full.clone();
            thread::spawn(move || full.push(2).map_err(|e| e.into_inner()))
        };
        empty.close();
        full.close();
        assert_eq!(popper.join().unwrap(), None);
        assert_eq!(
            pusher.join().unwrap(),
            Err(2),
            "closed while full: the push fails"
        );
        assert_eq!(full.pop(), Some(1));
        assert_eq!(full.pop(), None);
    });
}

/// A close racing a push: the push either went in before the close took effect (and a
/// pop after the close gets it) or fails; `Closed` from a pop means nothing is left.
#[test]
fn close_races_a_push() {
    both_modes(Some(3), || {
        let queue = Arc::new(PriorityQueue::new());
        let pusher = {
            let queue = queue.clone();
            thread::spawn(move || queue.push(job(1, 0)).is_ok())
        };
        let popper = {
            let queue = queue.clone();
            thread::spawn(move || match queue.pop_timeout(LONG) {
                Ok(j) => Some(j.priority),
                Err(PopTimeoutError::Closed) => None,
                Err(PopTimeoutError::Timeout) => Some(99),
            })
        };
        assert!(queue.close());
        let pushed = pusher.join().unwrap();
        let popped = popper.join().unwrap();
        let left = drain(&queue).len();
        match popped {
            Some(1) => assert!(pushed && left == 0),
            Some(99) => assert_eq!(usize::from(pushed), left),
            None => assert!(!pushed || left == 0, "closed reported with an item inside"),
            Some(other) => panic!("popped {other}"),
        }
        if popped.is_none() {
            assert!(
                !pushed,
                "a pop saw closed-and-drained, so the push cannot be inside"
            );
        }
        assert_eq!(
            queue.try_pop().map(|j| j.priority),
            Err(TryPopError::Closed)
        );
    });
}

/// Items left inside when the queue drops, or drained by the immediate close racing a
/// pop, are each dropped exactly once (loom `Arc`s: a leak or a double drop fails).
#[test]
fn drain_racing_pop_drops_each_item_once() {
    both_modes(Some(2), || {
        let queue = Arc::new(PriorityQueue::new());
        for i in 0..3 {
            queue.push(job(2 - i, i)).unwrap();
        }
        let popper = {
            let queue = queue.clone();
            thread::spawn(move || queue.try_pop().ok())
        };
        let drained = queue.close_and_drain();
        let popped = popper.join().unwrap();
        assert_eq!(drained.len() + usize::from(popped.is_some()), 3);
        drop(queue);
    });
}
