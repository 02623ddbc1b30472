//! After the last `Registration` for a signal drops, the signal's default action is
//! back: here `SIGUSR1` ends the process. Checked in a child copy of this test binary,
//! since the action is to die.
#![cfg(all(unix, not(loom), not(miri)))]

use parkq::process::Child;
use parkq::signal::{self, SIGUSR1};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

#[test]
fn default_action_is_back_after_the_last_registration() {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "child_dies_by_sigusr1",
        "--nocapture",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = Child::spawn(&mut cmd).unwrap();
    // The watchdog: the child exits with 3 itself after 10 s if it survives.
    let out = child
        .communicate(b"", Some(Duration::from_secs(30)))
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("handled once"), "{stdout}");
    assert_eq!(
        out.status.signal(),
        Some(SIGUSR1),
        "child ended with {}: {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run in a child process by default_action_is_back_after_the_last_registration"]
fn child_dies_by_sigusr1() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let registration = signal::on(SIGUSR1, move |signo| {
        tx.lock().unwrap().send(signo).unwrap();
    })
    .unwrap();
    signal::raise(SIGUSR1).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(SIGUSR1));
    println!("handled once");
    drop(registration);
    signal::raise(SIGUSR1).unwrap();
    // The dispatcher performs the default action; this thread waits for it.
    std::thread::sleep(Duration::from_secs(10));
    std::process::exit(3);
}
