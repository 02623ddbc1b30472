//! `parkq::process::popen2`: the seed's sort and chess-engine examples, and drop.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::process::{self, Error};
use std::time::Duration;

/// Watchdog for every test here: only a hang gets near it.
const LIMIT: Duration = Duration::from_secs(30);

/// The chess-engine stand-in of the popen2 example (an `sh` loop: `sed`-like filters
/// buffer their output into pipes and would hang), tested here as the example uses it.
#[path = "../examples/seed/popen2.rs"]
#[allow(dead_code)]
mod seed_popen2;
use seed_popen2::ENGINE;

#[test]
fn sort_like_the_seed() {
    within(LIMIT, || {
        let mut sort = process::popen2("sort").unwrap();
        sort.write_line("foo").unwrap();
        sort.write_line("bar").unwrap();
        sort.close_stdin();
        assert_eq!(sort.read_line().unwrap().as_deref(), Some("bar"));
        assert_eq!(sort.read_line().unwrap().as_deref(), Some("foo"));
        assert_eq!(sort.read_line().unwrap(), None);
        assert!(sort.wait().unwrap().success());
        let err = sort.write_line("late").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn an_interactive_engine_line_by_line() {
    within(LIMIT, || {
        let mut engine = process::popen2(ENGINE).unwrap();
        assert_eq!(engine.read_line().unwrap().as_deref(), Some("Chess"));
        let mut play = |mv: &str| {
            engine.write_line(mv).unwrap();
            let mine = engine.read_line().unwrap().unwrap();
            if mine == "Illegal move" {
                return None;
            }
            let his = engine.read_line().unwrap().unwrap();
            Some(his.split_whitespace().nth(2).unwrap().to_owned())
        };
        assert_eq!(play("a2a4").as_deref(), Some("b8c6"));
        assert_eq!(play("b2b3").as_deref(), Some("e7e5"));
        assert_eq!(play("castle!"), None);
        engine.write_line("quit").unwrap();
        let status = engine
            .child
            .wait_timeout(Duration::from_secs(20))
            .unwrap()
            .expect("the engine quits on quit");
        assert!(status.success());
        assert_eq!(engine.read_line().unwrap(), None);
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn drop_kills_a_child_that_ignores_eof_and_leaves_no_zombie() {
    within(LIMIT, || {
        let mut stubborn = process::popen2("exec sleep 1000").unwrap();
        stubborn.set_grace(Duration::from_millis(100));
        let pid = stubborn.child.id();
        drop(stubborn);
        // Killed and reaped by the drop itself: no /proc entry, not even a zombie.
        assert!(std::fs::metadata(format!("/proc/{pid}")).is_err());
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn drop_reaps_a_child_that_ends_on_eof() {
    within(LIMIT, || {
        let mut cat = process::popen2("cat").unwrap();
        cat.write_line("x").unwrap();
        let pid = cat.child.id();
        // A long grace: the drop returns as soon as cat ends on EOF, well inside the
        // watchdog; only a drop that failed to close stdin would hit it.
        cat.set_grace(Duration::from_secs(20));
        drop(cat);
        assert!(std::fs::metadata(format!("/proc/{pid}")).is_err());
    });
}

#[test]
fn bad_commands() {
    within(LIMIT, || {
        assert!(matches!(process::popen2(""), Err(Error::EmptyCommand)));
        assert!(matches!(
            process::popen2("echo \0"),
            Err(Error::NulByte { .. })
        ));
        let mut missing = process::popen2("parkq-no-such-command-xyz 2>/dev/null").unwrap();
        assert_eq!(missing.read_line().unwrap(), None);
        assert_eq!(missing.wait().unwrap().code(), 127);
    });
}

#[test]
fn the_examples_chess_class() {
    within(LIMIT, || {
        let mut g = seed_popen2::Chess::new(ENGINE).unwrap();
        assert_eq!(g.play("a2a4").unwrap(), "b8c6");
        assert_eq!(g.play("b2b3").unwrap(), "e7e5");
        let err = g.play("nonsense").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        g.quit().unwrap();
        let err = seed_popen2::Chess::new("echo Checkers").err().unwrap();
        assert_eq!(err.to_string(), "incompatible chess program");
    });
}
