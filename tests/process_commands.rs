//! `parkq::process`: `getstatusoutput`/`getoutput`, statuses and the typed spawn errors.
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::process::{self, Child, Error};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Watchdog for every test here: only a hang gets near it.
const LIMIT: Duration = Duration::from_secs(30);

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("parkq-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn exit_code_and_raw_status() {
    within(LIMIT, || {
        let (status, output) = process::getstatusoutput("exit 3").unwrap();
        assert_eq!(output, "");
        assert_eq!(status.code(), 3);
        assert_eq!(status.exit_code(), Some(3));
        assert_eq!(status.signal(), None);
        assert_eq!(status.raw(), 3 << 8);
        assert!(!status.success());
        assert_eq!(status.to_string(), "exit code 3");

        let (status, _) = process::getstatusoutput("exit 1").unwrap();
        assert_eq!(status.raw(), 256, "the seed's Python 2 status for exit 1");
        let (status, _) = process::getstatusoutput("true").unwrap();
        assert!(status.success());
        assert_eq!((status.code(), status.raw()), (0, 0));
    });
}

#[test]
fn death_by_signal() {
    within(LIMIT, || {
        let (status, output) = process::getstatusoutput("echo before; kill -TERM $$").unwrap();
        assert_eq!(output, "before");
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        assert_eq!(status.exit_code(), None);
        assert_eq!(status.code(), -libc::SIGTERM);
        assert_eq!(status.raw() & 0x7f, libc::SIGTERM);
        assert!(!status.success());
        assert_eq!(status.to_string(), "killed by signal 15");
    });
}

#[test]
fn missing_command_via_the_shell_is_127() {
    within(LIMIT, || {
        let (status, output) = process::getstatusoutput("parkq-no-such-command-xyz").unwrap();
        assert_eq!(status.code(), 127);
        assert!(output.contains("parkq-no-such-command-xyz"), "{output}");
    });
}

#[test]
fn missing_program_via_argv_is_a_typed_error() {
    within(LIMIT, || {
        let err = Child::spawn(Command::new("parkq-no-such-program-xyz").stdin(Stdio::null()))
            .unwrap_err();
        match &err {
            Error::NotFound { program } => assert_eq!(program, "parkq-no-such-program-xyz"),
            other => panic!("expected NotFound, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "\"parkq-no-such-program-xyz\": program not found"
        );
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(matches!(Error::from_io(&io), Some(Error::NotFound { .. })));
    });
}

#[test]
fn not_executable_missing_directory_empty_and_nul() {
    within(LIMIT, || {
        let dir = scratch("noexec");
        let script = dir.join("script.sh");
        std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Child::spawn(Command::new(&script).stdin(Stdio::null())).unwrap_err();
        match &err {
            Error::NotExecutable { program, source } => {
                assert_eq!(program, script.as_os_str());
                assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied);
            }
            other => panic!("expected NotExecutable, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!("{script:?}: not executable (Permission denied (os error 13))")
        );
        assert!(std::error::Error::source(&err).is_some());

        // A directory is not a program either.
        let err = Child::spawn(Command::new(&dir).stdin(Stdio::null())).unwrap_err();
        assert!(matches!(err, Error::NotExecutable { .. }), "{err:?}");

        let missing = dir.join("gone");
        let err = Child::spawn(
            Command::new("true")
                .current_dir(&missing)
                .stdin(Stdio::null()),
        )
        .unwrap_err();
        match &err {
            Error::NoSuchDirectory { program, dir } => {
                assert_eq!(program, "true");
                assert_eq!(dir, &missing);
            }
            other => panic!("expected NoSuchDirectory, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "\"true\": working directory {} does not exist",
                missing.display()
            )
        );

        let err = Child::spawn(Command::new("").stdin(Stdio::null())).unwrap_err();
        assert!(matches!(err, Error::EmptyCommand));
        assert_eq!(err.to_string(), "empty command");

        // Each NUL is named by where it is (std keeps only a placeholder for the string).
        let nul = |cmd: &mut Command| {
            let err = Child::spawn(cmd.stdin(Stdio::null())).unwrap_err();
            assert!(matches!(err, Error::NulByte { .. }), "{err:?}");
            err.to_string()
        };
        assert_eq!(
            nul(&mut Command::new("ec\0ho")),
            "the program name contains a NUL byte"
        );
        assert_eq!(
            nul(Command::new("echo").args(["ok", "a\0b"])),
            "argument 2 of \"echo\" contains a NUL byte"
        );
        assert_eq!(
            nul(Command::new("true").current_dir("/t\0mp")),
            "the working directory of \"true\" contains a NUL byte"
        );
        assert_eq!(
            nul(Command::new("true").env("PARKQ_X", "a\0b")),
            "the environment variable \"PARKQ_X\" of \"true\" contains a NUL byte"
        );

        let err = process::getstatusoutput("").unwrap_err();
        assert!(matches!(Error::from_io(&err), Some(Error::EmptyCommand)));
        let err = process::getoutput("echo a\0b").unwrap_err();
        assert!(matches!(Error::from_io(&err), Some(Error::NulByte { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn stdout_and_stderr_share_one_pipe_in_order() {
    within(LIMIT, || {
        let output = process::getoutput("echo 1; echo 2 >&2; echo 3; echo 4 >&2").unwrap();
        assert_eq!(output, "1\n2\n3\n4");
    });
}

#[test]
fn exactly_one_trailing_newline_is_stripped() {
    within(LIMIT, || {
        assert_eq!(process::getoutput("printf 'x\\n\\n'").unwrap(), "x\n");
        assert_eq!(process::getoutput("printf 'x'").unwrap(), "x");
        assert_eq!(process::getoutput("printf '\\n'").unwrap(), "");
        assert_eq!(process::getoutput("true").unwrap(), "");
    });
}

#[test]
fn stdin_is_not_inherited() {
    within(LIMIT, || {
        // With stdin inherited this would wait for the test runner's terminal.
        assert_eq!(process::getoutput("cat; echo done").unwrap(), "done");
    });
}

#[test]
fn non_utf8_output_is_an_error_with_a_bytes_variant() {
    within(LIMIT, || {
        let err = process::getstatusoutput("printf 'ok\\377\\n'").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        match Error::from_io(&err) {
            Some(Error::NonUtf8 { program, bytes }) => {
                assert_eq!(program, "printf 'ok\\377\\n'");
                assert_eq!(
                    bytes, b"ok\xff",
                    "one trailing newline stripped, as in the text"
                );
            }
            other => panic!("expected NonUtf8, got {other:?}"),
        }
        let (status, bytes) = process::getstatusoutput_bytes("printf 'ok\\377\\n'").unwrap();
        assert!(status.success());
        assert_eq!(bytes, b"ok\xff");
    });
}

#[test]
fn large_output_is_read_whole() {
    within(LIMIT, || {
        let output = process::getoutput("head -c 300000 /dev/zero | tr '\\0' a").unwrap();
        assert_eq!(output.len(), 300_000);
        assert!(output.bytes().all(|b| b == b'a'));
    });
}
