//! `parkq::process::Template` (Python's `pipes.Template`) and `quote` (`shlex.quote`).
#![cfg(all(unix, not(loom), not(miri)))]

mod common;

use common::within;
use parkq::process::{self, quote, quote_bytes, Error, Pipe, Template};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Watchdog for every test here: only a hang gets near it.
const LIMIT: Duration = Duration::from_secs(30);

/// Held by the tests that make temporary files, so the leak check sees only its own.
static TEMPS: Mutex<()> = Mutex::new(());

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parkq-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// This process's pipeline temporaries still on disk.
fn leftover_temps() -> Vec<PathBuf> {
    let prefix = format!("parkq-pipes-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

fn read_all(t: &Template, file: &str) -> String {
    let mut reader = t.open_read(file).unwrap();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert!(reader.finish().unwrap().success());
    text
}

const SAMPLE: &str =
    "Tarquin Fin-tim-lin-bin-whin-bim-lin-bus-stop-F'tang-F'tang-Olé-Biscuitbarrel\n\
                      Alan Jones (sensible party)\n\
                      Kevin Phillips-Bong (slightly silly)\n\
                      Alan Jones (sensible party)\n";

#[test]
fn sort_uniq_over_a_sample_file() {
    within(LIMIT, || {
        let dir = scratch("sortuniq");
        let sample = dir.join("sample.txt");
        std::fs::write(&sample, SAMPLE).unwrap();
        let mut t = Template::new();
        t.append("sort", "--").unwrap();
        t.append("uniq", "--").unwrap();
        assert_eq!(
            t.makepipeline(s(&sample), "").unwrap(),
            format!("sort <{} |\nuniq", s(&sample))
        );
        // LC_ALL=C in the step would change the script; the sample sorts the same in
        // every locale.
        assert_eq!(
            read_all(&t, s(&sample)),
            "Alan Jones (sensible party)\n\
             Kevin Phillips-Bong (slightly silly)\n\
             Tarquin Fin-tim-lin-bin-whin-bim-lin-bus-stop-F'tang-F'tang-Olé-Biscuitbarrel\n"
        );
        let out = dir.join("out.txt");
        assert!(t.copy(s(&sample), s(&out)).unwrap().success());
        assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn every_kind_runs() {
    within(LIMIT, || {
        let _temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner());
        let dir = scratch("kinds");
        let input = dir.join("in.txt");
        std::fs::write(&input, "b\na\n").unwrap();

        // One step of each file kind, chained: stdin->stdout, stdin->file, file->stdout,
        // file->file.
        let mut t = Template::new();
        t.append("tr a-z A-Z", "--").unwrap();
        t.append("cat >$OUT", "-f").unwrap();
        t.append("sort $IN", "f-").unwrap();
        t.append("sed 's/^/>/' $IN >$OUT", "ff").unwrap();
        assert_eq!(read_all(&t, s(&input)), ">A\n>B\n");
        let out = dir.join("out.txt");
        assert!(t.copy(s(&input), s(&out)).unwrap().success());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), ">A\n>B\n");

        // A SOURCE needs no input; a SINK gives no output.
        let mut src = Template::new();
        src.prepend("printf 'x\\ny\\n'", ".-").unwrap();
        src.append("sort -r", "--").unwrap();
        assert_eq!(read_all(&src, ""), "y\nx\n");
        let sunk = dir.join("sunk.txt");
        let mut sink = Template::new();
        sink.append(&format!("cat >{}", quote(s(&sunk)).unwrap()), "-.")
            .unwrap();
        let mut w = sink.open_write("").unwrap();
        w.write_all(b"into the sink\n").unwrap();
        assert!(w.finish().unwrap().success());
        assert_eq!(std::fs::read_to_string(&sunk).unwrap(), "into the sink\n");

        // An empty template is cat.
        assert_eq!(read_all(&Template::new(), s(&input)), "b\na\n");
        assert!(leftover_temps().is_empty(), "{:?}", leftover_temps());
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn scripts_match_cpython() {
    within(LIMIT, || {
        let _temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner());
        let mut t = Template::new();
        t.append("tr a-z A-Z", "--").unwrap();
        assert_eq!(t.makepipeline("", "").unwrap(), "tr a-z A-Z");
        assert_eq!(t.makepipeline("a b", "c").unwrap(), "tr a-z A-Z <'a b' >c");

        // File kinds at the ends get a `cat` when the end is stdin/stdout.
        let mut f = Template::new();
        f.append("conv $IN $OUT", "ff").unwrap();
        assert_eq!(
            f.makepipeline("in", "out").unwrap(),
            "IN=in; OUT=out; conv $IN $OUT"
        );
        let script = f.makepipeline("", "").unwrap();
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines.len(), 5, "{script}");
        // trap 'rm -f T1 T2; exit' 1 2 3 13 14 15 / cat >T1 / IN=T1; OUT=T2; conv / cat <T2 / rm
        let temps: Vec<&str> = lines[0]
            .strip_prefix("trap 'rm -f ")
            .and_then(|rest| rest.strip_suffix("; exit' 1 2 3 13 14 15"))
            .unwrap_or_else(|| panic!("bad trap line {:?}", lines[0]))
            .split(' ')
            .collect();
        assert_eq!(temps.len(), 2);
        assert_eq!(lines[1], format!("cat >{}", temps[0]));
        assert_eq!(
            lines[2],
            format!("IN={}; OUT={}; conv $IN $OUT", temps[0], temps[1])
        );
        assert_eq!(lines[3], format!("cat <{}", temps[1]));
        assert_eq!(lines[4], format!("rm -f {} {}", temps[0], temps[1]));
        // makepipeline creates the temporaries, as mkstemp does; the script would remove
        // them.
        for temp in &temps {
            assert!(Path::new(temp).exists());
            std::fs::remove_file(temp).unwrap();
        }

        // A file-reading step after a pipe is braced.
        let mut b = Template::new();
        b.append("cat", "--").unwrap();
        b.append("wc -l $IN", "f-").unwrap();
        let script = b.makepipeline("x", "").unwrap();
        let lines: Vec<&str> = script.lines().collect();
        assert!(lines[1].starts_with("cat <x >"), "{script}");
        assert!(lines[2].starts_with("IN="), "{script}");
        for temp in script.lines().last().unwrap().split(' ').skip(2) {
            std::fs::remove_file(temp).unwrap();
        }

        // Debug mode prints the script and runs it under `set -x`, as Python's method does;
        // clones keep the flag.
        let mut d = t.clone();
        d.debug(true);
        assert_eq!(d.makepipeline("", "").unwrap(), "set -x; tr a-z A-Z");
        assert_eq!(
            d.clone().makepipeline("", "").unwrap(),
            "set -x; tr a-z A-Z"
        );
        d.debug(false);
        assert_eq!(d.makepipeline("", "").unwrap(), "tr a-z A-Z");
    });
}

#[test]
fn temporary_files_are_removed() {
    within(LIMIT, || {
        let _temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner());
        let dir = scratch("temps");
        let input = dir.join("in.txt");
        std::fs::write(&input, "z\ny\n").unwrap();
        let mut t = Template::new();
        t.append("sort $IN >$OUT", "ff").unwrap();
        t.append("cat $IN", "f-").unwrap();

        assert!(t.copy(s(&input), s(&dir.join("o"))).unwrap().success());
        assert!(
            leftover_temps().is_empty(),
            "copy left {:?}",
            leftover_temps()
        );

        let mut r = t.open_read(s(&input)).unwrap();
        let mut text = String::new();
        r.read_to_string(&mut text).unwrap();
        assert_eq!(text, "y\nz\n");
        drop(r); // without finish: the drop cleans up too
        assert!(
            leftover_temps().is_empty(),
            "open_read left {:?}",
            leftover_temps()
        );

        let mut w = t.open_write(s(&dir.join("w"))).unwrap();
        w.write_all(b"2\n1\n").unwrap();
        assert!(w.finish().unwrap().success());
        assert_eq!(std::fs::read_to_string(dir.join("w")).unwrap(), "1\n2\n");
        assert!(
            leftover_temps().is_empty(),
            "open_write left {:?}",
            leftover_temps()
        );

        // A pipeline killed by the reader's drop (SIGKILL: its trap cannot run) loses
        // them too.
        let mut stuck = Template::new();
        stuck
            .append("sort $IN >$OUT; exec sleep 1000", "ff")
            .unwrap();
        let r = stuck.open_read(s(&input)).unwrap();
        assert_eq!(leftover_temps().len(), 1, "the step's output file exists");
        drop(r); // after its 1 s grace, kills the group
        assert!(
            leftover_temps().is_empty(),
            "a killed pipeline left {:?}",
            leftover_temps()
        );

        // A failing step still removes them (the script's last command is rm).
        let mut bad = Template::new();
        bad.append("false $IN $OUT", "ff").unwrap();
        bad.append("cat $IN", "f-").unwrap();
        let status = bad.copy(s(&input), s(&dir.join("never"))).unwrap();
        assert!(status.success(), "as in Python, the status is rm's");
        assert!(leftover_temps().is_empty(), "{:?}", leftover_temps());
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn every_error_rule_with_cpython_messages() {
    within(LIMIT, || {
        let mut t = Template::new();
        let msg = |r: Result<(), Error>| r.unwrap_err().to_string();
        assert_eq!(msg(t.append("x", "xx")), "Template.append: bad kind 'xx'");
        assert_eq!(msg(t.prepend("x", "")), "Template.prepend: bad kind ''");
        assert_eq!(
            msg(t.append("x", "it's")),
            "Template.append: bad kind \"it's\""
        );
        assert_eq!(msg(t.append("x", "- ")), "Template.append: bad kind '- '");
        assert_eq!(
            msg(t.append("x", ".-")),
            "Template.append: SOURCE can only be prepended"
        );
        assert_eq!(
            msg(t.prepend("x", "-.")),
            "Template.prepend: SINK can only be appended"
        );
        assert_eq!(
            msg(t.append("cat", "f-")),
            "Template.append: missing $IN in cmd"
        );
        assert_eq!(
            msg(t.append("cat $INPUT", "f-")),
            "Template.append: missing $IN in cmd"
        );
        assert_eq!(
            msg(t.append("cat $IN_X", "ff")),
            "Template.append: missing $IN in cmd"
        );
        assert_eq!(
            msg(t.append("cat $IN", "ff")),
            "Template.append: missing $OUT in cmd"
        );
        assert_eq!(
            msg(t.prepend("cat", "-f")),
            "Template.prepend: missing $OUT in cmd"
        );
        assert_eq!(
            msg(t.prepend("cat $OUTx", "-f")),
            "Template.prepend: missing $OUT in cmd"
        );
        assert_eq!(
            msg(t.prepend("x", "ff")),
            "Template.prepend: missing $IN in cmd"
        );
        // `$IN` followed by a non-word character (or the end) counts.
        t.append("cat $IN", "f-").unwrap();
        t.append("cat $IN>$OUT.x", "ff").unwrap();
        t.prepend("echo $OUT;cat >$OUT", "-f").unwrap();
        assert!(matches!(t.append("a\0b", "--"), Err(Error::NulByte { .. })));
        assert_eq!(t.steps().len(), 3, "failed calls change nothing");

        let mut sink = Template::new();
        sink.append("cat >/dev/null", "-.").unwrap();
        assert_eq!(
            msg(sink.append("cat", "--")),
            "Template.append: already ends with SINK"
        );
        let err = sink.open_read("x").unwrap_err();
        assert_eq!(err.to_string(), "Template.open_r: pipeline ends width SINK");
        assert!(matches!(sink.open("x", "r"), Err(Error::ReadFromSink)));
        sink.prepend("cat", "--").unwrap(); // prepending to a SINK is fine

        let mut source = Template::new();
        source.prepend("echo", ".-").unwrap();
        assert_eq!(
            msg(source.prepend("cat", "--")),
            "Template.prepend: already begins with SOURCE"
        );
        let err = source.open_write("x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Template.open_w: pipeline begins with SOURCE"
        );
        source.append("cat", "--").unwrap(); // appending to a SOURCE is fine

        let err = Template::new().open("x", "rw").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Template.open: rw must be 'r' or 'w', not 'rw'"
        );
        let err = Template::new().copy("a\0", "").unwrap_err();
        assert!(matches!(err, Error::NulByte { .. }), "{err:?}");

        // reset and clone.
        let copy = t.clone();
        t.reset();
        assert!(t.steps().is_empty());
        assert_eq!(copy.steps().len(), 3);
    });
}

#[test]
fn open_dispatches_on_the_mode() {
    within(LIMIT, || {
        let dir = scratch("open");
        let file = dir.join("f.txt");
        let mut t = Template::new();
        t.append("tr a-z A-Z", "--").unwrap();
        match t.open(s(&file), "w").unwrap() {
            Pipe::Write(mut w) => {
                w.write_all(b"hi\n").unwrap();
                assert!(w.finish().unwrap().success());
            }
            Pipe::Read(_) => panic!("opened for reading"),
        }
        match t.open(s(&file), "r").unwrap() {
            Pipe::Read(mut r) => {
                let mut text = String::new();
                r.read_to_string(&mut text).unwrap();
                assert_eq!(text, "HI\n");
            }
            Pipe::Write(_) => panic!("opened for writing"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn file_names_are_quoted_and_injection_runs_nothing() {
    within(LIMIT, || {
        let dir = scratch("inject");
        let marker = dir.join("pwned");
        // The issue's name, and one that would create `marker` if it reached the shell
        // unquoted or naively single-quoted.
        let evil_names = [
            "it's; echo PWNED".to_owned(),
            format!("x'; touch {}; echo '", s(&marker)),
            "$(touch pwned) `touch pwned` \"q\" \\ *".to_owned(),
            "-n".to_owned(),
            "new\nline".to_owned(),
        ];
        for name in &evil_names {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(&path, "safe\n").unwrap();
            let mut t = Template::new();
            t.append("cat", "--").unwrap();
            assert_eq!(read_all(&t, s(&path)), "safe\n", "reading {name:?}");
            // Through a file-kind step too, and as the output name.
            // (`$IN` is the step's own text: quoting it against word splitting is the
            // step author's job, as in Python.)
            let mut f = Template::new();
            f.append("cat \"$IN\"", "f-").unwrap();
            let out = PathBuf::from(format!("{}.out", s(&path)));
            assert!(f.copy(s(&path), s(&out)).unwrap().success());
            assert_eq!(std::fs::read_to_string(&out).unwrap(), "safe\n", "{name:?}");
            // The very scripts `copy` runs, with their output captured: an injected
            // `echo PWNED` would show here.
            for script in [
                t.makepipeline(s(&path), s(&out)),
                f.makepipeline(s(&path), s(&out)),
            ] {
                let script = script.unwrap();
                let (status, output) = process::getstatusoutput(&script).unwrap();
                assert!(status.success(), "{script:?}: {output}");
                assert_eq!(output, "", "{script:?} printed something");
            }
        }
        // Even an unquoted `$IN` only splits words: expansions are never re-parsed as
        // commands.
        let mut careless = Template::new();
        careless.append("cat $IN 2>/dev/null", "f-").unwrap();
        for name in &evil_names {
            let _ = careless.copy(s(&dir.join(name)), "/dev/null").unwrap();
        }
        assert!(!marker.exists(), "an injected command ran");
        assert!(!Path::new("pwned").exists(), "an injected command ran");
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn shlex_quote_vectors() {
    within(LIMIT, || {
        // CPython's Lib/test/test_shlex.py, testQuote.
        let safeunquoted =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./";
        let unicode_sample = ["\u{e9}", "\u{e0}", "\u{df}"];
        let mut unsafe_chars: Vec<String> = "\"`$\\!".chars().map(String::from).collect();
        unsafe_chars.extend(unicode_sample.iter().map(|u| u.to_string()));
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote(safeunquoted).unwrap(), safeunquoted);
        assert_eq!(quote("test file name").unwrap(), "'test file name'");
        for u in &unsafe_chars {
            assert_eq!(
                quote(&format!("test{u}name")).unwrap(),
                format!("'test{u}name'")
            );
        }
        for u in &unsafe_chars {
            assert_eq!(
                quote(&format!("test{u}'name'")).unwrap(),
                format!("'test{u}'\"'\"'name'\"'\"''")
            );
        }
        // And the edges of the safe set.
        for safe in [
            "@", "%", "+", "=", ":", ",", ".", "/", "_", "-", "-n", "a=b",
        ] {
            assert_eq!(quote(safe).unwrap(), safe);
        }
        for unsafe_ in [
            "~", "#", "&", ";", "|", "*", "?", "[", "{", "(", "<", " ", "\t", "\n", "!",
        ] {
            assert_eq!(quote(unsafe_).unwrap(), format!("'{unsafe_}'"));
        }
        assert_eq!(quote("'").unwrap(), "''\"'\"''");
        assert!(matches!(quote("a\0"), Err(Error::NulByte { .. })));
        assert_eq!(quote_bytes(b"\xff").unwrap(), b"'\xff'");
        assert!(quote_bytes(b"\0").is_err());
    });
}

#[test]
fn quoted_strings_round_trip_through_sh() {
    within(LIMIT, || {
        let samples = [
            "",
            "plain",
            "two words",
            "it's",
            "''",
            "\"",
            "$HOME `id` $(id) \\n",
            "tab\tand\nnewline",
            "Olé ☃",
            "-e",
            "*",
        ];
        for sample in samples {
            let cmd = format!("printf '%s' {}", quote(sample).unwrap());
            let (status, bytes) = process::getstatusoutput_bytes(&cmd).unwrap();
            assert!(status.success());
            // getstatusoutput strips one trailing newline; none of these end with one.
            assert_eq!(String::from_utf8(bytes).unwrap(), sample, "via {cmd:?}");
        }
    });
}
