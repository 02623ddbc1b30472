//! `parkq::process::Child`: waits with timeouts, deadlock-free `communicate`, group
//! kills, and never signalling a reaped pid.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::process::{Child, Error};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Watchdog for every test here: only a hang gets near it.
const LIMIT: Duration = Duration::from_secs(30);

fn sh(script: &str) -> Command {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", script]);
    cmd
}

/// Whether `pid` is gone or a zombie (an orphan waiting for a reaper we do not control).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap()
            .trim_start()
            .starts_with('Z'),
    }
}

/// Polls `cond` until it holds or `limit` passes.
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

#[test]
fn a_megabyte_on_stdout_and_stderr_at_once() {
    within(LIMIT, || {
        // Both writers run concurrently; each fills its 64 KiB pipe many times over.
        let mut cmd = sh("head -c 1000000 /dev/zero & head -c 1000000 /dev/zero >&2; wait");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = Child::spawn(&mut cmd).unwrap();
        let out = child
            .communicate(b"", Some(Duration::from_secs(20)))
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), 1_000_000);
        assert_eq!(out.stderr.len(), 1_000_000);
    });
}

#[test]
fn a_mebibyte_through_cat() {
    within(LIMIT, || {
        let input: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        let mut cmd = Command::new("cat");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = Child::spawn(&mut cmd).unwrap();
        let out = child
            .communicate(&input, Some(Duration::from_secs(20)))
            .unwrap();
        assert!(out.status.success());
        assert!(
            out.stdout == input,
            "cat returned {} bytes",
            out.stdout.len()
        );
        assert!(out.stderr.is_empty());
    });
}

#[test]
fn communicate_without_a_timeout() {
    within(LIMIT, || {
        let mut cmd = sh("read line; echo \"got $line\"; echo err >&2; exit 4");
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = Child::spawn(&mut cmd).unwrap();
        let out = child.communicate(b"hello\n", None).unwrap();
        assert_eq!(out.status.code(), 4);
        assert_eq!(out.stdout, b"got hello\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(child.status(), Some(out.status));
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn a_grandchild_holding_the_pipe_is_killed_with_the_group() {
    within(LIMIT, || {
        // The shell exits at once; the background sleep keeps stdout open.
        let mut cmd = sh("sleep 1000 & echo $!");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = Child::spawn_in_group(&mut cmd).unwrap();
        let start = Instant::now();
        // Long enough for the shell to start and print under load: the pid must be in.
        let err = child
            .communicate(b"", Some(Duration::from_secs(2)))
            .unwrap_err();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(10), "took {took:?}");
        let Error::Timeout {
            stdout, timeout, ..
        } = err
        else {
            panic!("expected a timeout, got {err:?}");
        };
        assert_eq!(timeout, Duration::from_secs(2));
        let grandchild: u32 = String::from_utf8(stdout).unwrap().trim().parse().unwrap();
        assert!(
            eventually(Duration::from_secs(10), || dead(grandchild)),
            "the grandchild {grandchild} survived the group kill"
        );
        // The shell itself exited normally before the kill reached its group.
        assert!(child.status().is_some());
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn timeout_kills_and_reaps_and_keeps_partial_output() {
    within(LIMIT, || {
        let mut cmd = sh("echo partial; echo oops >&2; exec sleep 1000");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = Child::spawn(&mut cmd).unwrap();
        let pid = child.id();
        // Long enough for the shell to start and write under load.
        match child.communicate(b"", Some(Duration::from_secs(2))) {
            Err(Error::Timeout { stdout, stderr, .. }) => {
                assert_eq!(stdout, b"partial\n");
                assert_eq!(stderr, b"oops\n");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        let status = child.status().expect("reaped by the timeout");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        // Reaped by us: the pid is gone, not a zombie.
        assert!(std::fs::metadata(format!("/proc/{pid}")).is_err());
    });
}

#[test]
fn wait_timeout_then_terminate() {
    within(LIMIT, || {
        let mut cmd = Command::new("sleep");
        cmd.arg("1000").stdin(Stdio::null());
        let mut child = Child::spawn(&mut cmd).unwrap();
        assert_eq!(child.wait_timeout(Duration::from_millis(50)).unwrap(), None);
        assert_eq!(child.try_wait().unwrap(), None);
        child.terminate().unwrap();
        let status = child
            .wait_timeout(Duration::from_secs(20))
            .unwrap()
            .unwrap();
        assert_eq!(status.code(), -libc::SIGTERM);
        assert_eq!(child.wait().unwrap(), status);
    });
}

#[test]
fn wait_timeout_sees_a_quick_exit() {
    within(LIMIT, || {
        let mut child = Child::spawn(sh("exit 7").stdin(Stdio::null())).unwrap();
        let status = child
            .wait_timeout(Duration::from_secs(20))
            .unwrap()
            .unwrap();
        assert_eq!(status.code(), 7);
    });
}

#[test]
fn a_reaped_child_is_never_signalled() {
    within(LIMIT, || {
        let mut child = Child::spawn(sh("exit 0").stdin(Stdio::null())).unwrap();
        let pid = child.id();
        let status = child.wait().unwrap();
        // `pid` may already belong to another process: every signalling method must
        // now be a no-op (no kill(2) at all), succeed, and leave the status alone.
        child.kill().unwrap();
        child.terminate().unwrap();
        child.send_signal(libc::SIGUSR1).unwrap();
        assert_eq!(child.status(), Some(status));
        assert_eq!(child.id(), pid);
        assert!(status.success());
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn group_kill_reaches_every_member() {
    within(LIMIT, || {
        let mut cmd = sh("sleep 1000 & echo $!; wait");
        cmd.stdin(Stdio::null()).stdout(Stdio::piped());
        let mut child = Child::spawn_in_group(&mut cmd).unwrap();
        assert!(child.in_group());
        let mut out = child.take_stdout().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(&mut out), &mut line).unwrap();
        let grandchild: u32 = line.trim().parse().unwrap();
        child.kill().unwrap();
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGKILL));
        assert!(eventually(Duration::from_secs(10), || dead(grandchild)));
    });
}

#[test]
fn input_without_a_stdin_pipe_is_an_error() {
    within(LIMIT, || {
        let mut child = Child::spawn(Command::new("true").stdin(Stdio::null())).unwrap();
        let err = child.communicate(b"x", None).unwrap_err();
        assert!(matches!(err, Error::StdinNotPiped { .. }), "{err:?}");
        assert!(child.wait().unwrap().success());
    });
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks processes through /proc")]
fn dropping_an_unreaped_child_leaves_no_zombie() {
    within(LIMIT, || {
        let child = Child::spawn(Command::new("true").stdin(Stdio::null())).unwrap();
        let pid = child.id();
        drop(child);
        // Reaped (by the drop, or its background reaper): gone from /proc entirely.
        assert!(
            eventually(Duration::from_secs(10), || std::fs::metadata(format!(
                "/proc/{pid}"
            ))
            .is_err()),
            "pid {pid} was left a zombie"
        );
    });
}
