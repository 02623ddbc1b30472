//! Python's `pipes.Template`: a shell pipeline built step by step, run over files.

use std::fs::{self, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::quote::quote;
use super::{Child, Error, Status};

/// How long a dropped [`PipeReader`] or [`PipeWriter`] waits for the pipeline to end
/// before it kills the pipeline's process group.
const DROP_GRACE: Duration = Duration::from_secs(1);

/// The six step kinds, as in `pipes.py`: first character stdin (`-`), a file (`f`) or
/// nothing (`.`); second, the same for the output.
const KINDS: [&str; 6] = ["ff", "-f", "f-", "--", ".-", "-."];
const SOURCE: &str = ".-";
const SINK: &str = "-.";

/// A pipeline of shell commands: Python's `pipes.Template`.
///
/// Each step is a shell command and a kind saying how it takes input and gives output:
///
/// | kind | input | output |
/// |------|-------|--------|
/// | `--` | stdin | stdout |
/// | `-f` | stdin | the file `$OUT` |
/// | `f-` | the file `$IN` | stdout |
/// | `ff` | the file `$IN` | the file `$OUT` |
/// | `.-` (SOURCE) | none | stdout |
/// | `-.` (SINK) | stdin | none |
///
/// Steps are joined by pipes; where a step needs a real file, a temporary file connects
/// it to its neighbour. Every file name reaches the shell quoted by [`quote`], so a
/// name like `it's; echo PWNED` is just a name. Temporary files are removed by the
/// pipeline's last command (and its `trap`, if it is interrupted), and again by parkq
/// when the run ends.
///
/// The scripts are those of CPython's `pipes.makepipeline`, character for character.
///
/// # Examples
///
/// The seed's `pipes-example-1.py`:
///
#[doc = crate::example!()]
/// use parkq::process::Template;
///
/// let dir = std::env::temp_dir().join(format!("parkq-doc-template-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let input = dir.join("sample.txt");
/// std::fs::write(&input, "b\na\nb\n").unwrap();
///
/// let mut t = Template::new();
/// t.append("sort", "--").unwrap();
/// t.append("uniq", "--").unwrap();
/// let mut reader = t.open_read(input.to_str().unwrap()).unwrap();
/// let mut text = String::new();
/// std::io::Read::read_to_string(&mut reader, &mut text).unwrap();
/// assert_eq!(text, "a\nb\n");
/// assert!(reader.finish().unwrap().success());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    steps: Vec<(String, String)>,
    debugging: bool,
}

/// Python's `re.search(r'\$NAME\b', cmd)`: `$NAME` not followed by a word character
/// (Unicode letters, digits and `_`, as Python's `str` patterns count them).
fn mentions(cmd: &str, name: &str) -> bool {
    let needle = format!("${name}");
    cmd.match_indices(&needle).any(|(at, _)| {
        cmd[at + needle.len()..]
            .chars()
            .next()
            .map_or(true, |c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// Python's `if kind not in stepkinds`.
fn check_kind(method: &'static str, kind: &str) -> Result<(), Error> {
    if !KINDS.contains(&kind) {
        return Err(Error::BadKind {
            method,
            kind: kind.into(),
        });
    }
    Ok(())
}

/// The `$IN` / `$OUT` rules, then the NUL check Python does not need.
fn check_files(method: &'static str, cmd: &str, kind: &str) -> Result<(), Error> {
    if kind.starts_with('f') && !mentions(cmd, "IN") {
        return Err(Error::MissingIn { method });
    }
    if kind.ends_with('f') && !mentions(cmd, "OUT") {
        return Err(Error::MissingOut { method });
    }
    if cmd.contains('\0') {
        return Err(Error::NulByte {
            what: format!("{cmd:?}"),
        });
    }
    Ok(())
}

impl Template {
    /// An empty pipeline (which, run, copies input to output with `cat`).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let t = parkq::process::Template::new();
    /// assert!(t.steps().is_empty());
    /// ```
    pub fn new() -> Template {
        Template::default()
    }

    /// The steps, first to last, as `(command, kind)`.
    pub fn steps(&self) -> &[(String, String)] {
        &self.steps
    }

    /// Removes every step (`reset` in Python). The debug flag stays.
    pub fn reset(&mut self) {
        self.steps.clear();
    }

    /// Turns debugging on or off: when on, each run prints its script to stdout and
    /// runs it under `set -x`, so the shell traces each command to stderr.
    pub fn debug(&mut self, on: bool) {
        self.debugging = on;
    }

    /// Adds a step at the end.
    ///
    /// # Errors
    ///
    /// With CPython's messages, in CPython's order: [`Error::BadKind`] for a kind not in
    /// the table, [`Error::SourceAppended`] for `.-`, [`Error::AlreadyEndsWithSink`] if the
    /// last step is a SINK, [`Error::MissingIn`] / [`Error::MissingOut`] if a file kind's
    /// command does not mention `$IN` / `$OUT`; then [`Error::NulByte`] if `cmd` holds a
    /// NUL. The template is unchanged on error.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let mut t = parkq::process::Template::new();
    /// t.append("tr a-z A-Z", "--").unwrap();
    /// let err = t.append("sort", "xx").unwrap_err();
    /// assert_eq!(err.to_string(), "Template.append: bad kind 'xx'");
    /// let err = t.append("cat", "f-").unwrap_err();
    /// assert_eq!(err.to_string(), "Template.append: missing $IN in cmd");
    /// ```
    pub fn append(&mut self, cmd: &str, kind: &str) -> Result<(), Error> {
        check_kind("append", kind)?;
        if kind == SOURCE {
            return Err(Error::SourceAppended);
        }
        if self.steps.last().is_some_and(|(_, k)| k == SINK) {
            return Err(Error::AlreadyEndsWithSink);
        }
        check_files("append", cmd, kind)?;
        self.steps.push((cmd.into(), kind.into()));
        Ok(())
    }

    /// Adds a step at the front.
    ///
    /// # Errors
    ///
    /// As [`append`](Template::append), mirrored: [`Error::BadKind`],
    /// [`Error::SinkPrepended`] for `-.`, [`Error::AlreadyBeginsWithSource`] if the first
    /// step is a SOURCE, [`Error::MissingIn`], [`Error::MissingOut`], [`Error::NulByte`].
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let mut t = parkq::process::Template::new();
    /// let err = t.prepend("cat", "-.").unwrap_err();
    /// assert_eq!(err.to_string(), "Template.prepend: SINK can only be appended");
    /// ```
    pub fn prepend(&mut self, cmd: &str, kind: &str) -> Result<(), Error> {
        check_kind("prepend", kind)?;
        if kind == SINK {
            return Err(Error::SinkPrepended);
        }
        if self.steps.first().is_some_and(|(_, k)| k == SOURCE) {
            return Err(Error::AlreadyBeginsWithSource);
        }
        check_files("prepend", cmd, kind)?;
        self.steps.insert(0, (cmd.into(), kind.into()));
        Ok(())
    }

    /// The shell script that runs the pipeline from `infile` to `outfile` (an empty
    /// name: stdin or stdout), exactly as CPython's `makepipeline` writes it.
    ///
    /// Temporary files the script names are created now (empty, mode 0600), and the
    /// script's last command removes them; if you do not run it, remove them yourself
    /// (as with Python). In debug mode the script is printed, and starts with `set -x; `.
    ///
    /// # Errors
    ///
    /// [`Error::NulByte`] if a file name holds a NUL; [`Error::Io`] if a temporary file
    /// cannot be created.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let mut t = parkq::process::Template::new();
    /// t.append("sort", "--").unwrap();
    /// t.append("uniq", "--").unwrap();
    /// assert_eq!(t.makepipeline("in put", "").unwrap(), "sort <'in put' |\nuniq");
    /// ```
    pub fn makepipeline(&self, infile: &str, outfile: &str) -> Result<String, Error> {
        let (script, temps) = self.build(infile, outfile)?;
        for temp in temps {
            temp.keep();
        }
        Ok(script)
    }

    /// The script and guards that remove its temporary files.
    fn build(&self, infile: &str, outfile: &str) -> Result<(String, Vec<TempFile>), Error> {
        let (script, temps) = makepipeline(infile, &self.steps, outfile)?;
        if self.debugging {
            println!("{script}");
            return Ok((format!("set -x; {script}"), temps));
        }
        Ok((script, temps))
    }

    /// Runs the pipeline from `infile` to `outfile` and blocks until it ends: Python's
    /// `Template.copy`. An empty `outfile` means this process's stdout; an empty
    /// `infile` means empty input (stdin is `/dev/null`: a run never reads this
    /// process's stdin; use [`open_write`](Template::open_write) to feed data).
    ///
    /// Returns the script's status. As in Python, a script with temporary files ends
    /// with their removal, so its status is that of `rm`, not of the steps.
    ///
    /// # Errors
    ///
    /// Those of [`makepipeline`](Template::makepipeline), or [`Error::Io`] if the shell
    /// cannot be run. A failing step is not an error: see the status.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use parkq::process::Template;
    ///
    /// let dir = std::env::temp_dir().join(format!("parkq-doc-copy-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let (src, dst) = (dir.join("in.txt"), dir.join("out.txt"));
    /// std::fs::write(&src, "hello\n").unwrap();
    ///
    /// let mut t = Template::new();
    /// t.append("tr a-z A-Z", "--").unwrap();
    /// let status = t.copy(src.to_str().unwrap(), dst.to_str().unwrap()).unwrap();
    /// assert!(status.success());
    /// assert_eq!(std::fs::read_to_string(&dst).unwrap(), "HELLO\n");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn copy(&self, infile: &str, outfile: &str) -> Result<Status, Error> {
        let (script, _temps) = self.build(infile, outfile)?;
        let mut child =
            Child::spawn_in_group(&mut shell(&script, Stdio::null(), Stdio::inherit()))?;
        child.wait()
    }

    /// Starts the pipeline reading `file` and returns a reader of its output: Python's
    /// `Template.open(file, 'r')`. An empty `file` means empty input.
    ///
    /// # Errors
    ///
    /// [`Error::ReadFromSink`] if the last step is a SINK (CPython's message, typo
    /// included), then those of [`copy`](Template::copy).
    pub fn open_read(&self, file: &str) -> Result<PipeReader, Error> {
        if self.steps.last().is_some_and(|(_, k)| k == SINK) {
            return Err(Error::ReadFromSink);
        }
        let (script, temps) = self.build(file, "")?;
        let mut child = Child::spawn_in_group(&mut shell(&script, Stdio::null(), Stdio::piped()))?;
        let stdout = BufReader::new(child.take_stdout().expect("stdout is piped"));
        Ok(PipeReader {
            stdout: Some(stdout),
            child,
            _temps: temps,
        })
    }

    /// Starts the pipeline writing `file` and returns a writer to its input: Python's
    /// `Template.open(file, 'w')`. An empty `file` means this process's stdout.
    ///
    /// # Errors
    ///
    /// [`Error::WriteToSource`] if the first step is a SOURCE, then those of
    /// [`copy`](Template::copy).
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// use std::io::Write;
    ///
    /// let out = std::env::temp_dir().join(format!("parkq-doc-w-{}", std::process::id()));
    /// let mut t = parkq::process::Template::new();
    /// t.append("sort", "--").unwrap();
    /// let mut w = t.open_write(out.to_str().unwrap()).unwrap();
    /// w.write_all(b"b\na\n").unwrap();
    /// assert!(w.finish().unwrap().success());
    /// assert_eq!(std::fs::read_to_string(&out).unwrap(), "a\nb\n");
    /// # std::fs::remove_file(&out).unwrap();
    /// ```
    pub fn open_write(&self, file: &str) -> Result<PipeWriter, Error> {
        if self.steps.first().is_some_and(|(_, k)| k == SOURCE) {
            return Err(Error::WriteToSource);
        }
        let (script, temps) = self.build("", file)?;
        let mut child =
            Child::spawn_in_group(&mut shell(&script, Stdio::piped(), Stdio::inherit()))?;
        let stdin = child.take_stdin();
        Ok(PipeWriter {
            stdin,
            child,
            _temps: temps,
        })
    }

    /// [`open_read`](Template::open_read) for `"r"`, [`open_write`](Template::open_write)
    /// for `"w"`: Python's `Template.open(file, rw)`.
    ///
    /// # Errors
    ///
    /// [`Error::BadMode`] for any other mode; then those of the chosen method.
    ///
    /// # Examples
    ///
    #[doc = crate::example!()]
    /// let err = parkq::process::Template::new().open("x", "a").unwrap_err();
    /// assert_eq!(err.to_string(), "Template.open: rw must be 'r' or 'w', not 'a'");
    /// ```
    pub fn open(&self, file: &str, rw: &str) -> Result<Pipe, Error> {
        match rw {
            "r" => self.open_read(file).map(Pipe::Read),
            "w" => self.open_write(file).map(Pipe::Write),
            _ => Err(Error::BadMode { mode: rw.into() }),
        }
    }
}

/// `/bin/sh -c script` with the given stdin and stdout; stderr inherited.
fn shell(script: &str, stdin: Stdio, stdout: Stdio) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(script)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(Stdio::inherit());
    command
}

/// One stage of the script being built: `[infile, cmd, kind, outfile]` in `pipes.py`.
struct Stage {
    input: String,
    cmd: String,
    kind: String,
    output: String,
}

impl Stage {
    fn cat() -> Stage {
        Stage {
            input: String::new(),
            cmd: "cat".into(),
            kind: "--".into(),
            output: String::new(),
        }
    }
    fn reads_file(&self) -> bool {
        self.kind.starts_with('f')
    }
    fn writes_file(&self) -> bool {
        self.kind.ends_with('f')
    }
}

/// CPython's `pipes.makepipeline`, step for step.
fn makepipeline(
    infile: &str,
    steps: &[(String, String)],
    outfile: &str,
) -> Result<(String, Vec<TempFile>), Error> {
    let mut list: Vec<Stage> = steps
        .iter()
        .map(|(cmd, kind)| Stage {
            input: String::new(),
            cmd: cmd.clone(),
            kind: kind.clone(),
            output: String::new(),
        })
        .collect();
    if list.is_empty() {
        list.push(Stage::cat());
    }
    if list[0].reads_file() && infile.is_empty() {
        list.insert(0, Stage::cat());
    }
    list[0].input = infile.into();
    if list.last().expect("not empty").writes_file() && outfile.is_empty() {
        list.push(Stage::cat());
    }
    list.last_mut().expect("not empty").output = outfile.into();

    let mut garbage = Vec::new();
    for i in 1..list.len() {
        if list[i - 1].writes_file() || list[i].reads_file() {
            let temp = TempFile::create()?;
            list[i - 1].output = temp.name.clone();
            list[i].input = temp.name.clone();
            garbage.push(temp);
        }
    }

    for stage in &mut list {
        let mut cmd = stage.cmd.clone();
        if stage.writes_file() {
            cmd = format!("OUT={}; {cmd}", quote(&stage.output)?);
        }
        if stage.reads_file() {
            cmd = format!("IN={}; {cmd}", quote(&stage.input)?);
        }
        if stage.kind.starts_with('-') && !stage.input.is_empty() {
            cmd = format!("{cmd} <{}", quote(&stage.input)?);
        }
        if stage.kind.ends_with('-') && !stage.output.is_empty() {
            cmd = format!("{cmd} >{}", quote(&stage.output)?);
        }
        stage.cmd = cmd;
    }

    let mut script = list[0].cmd.clone();
    for stage in &list[1..] {
        if stage.input.is_empty() {
            if stage.kind.contains('f') {
                script = format!("{script} |\n{{ {}; }}", stage.cmd);
            } else {
                script = format!("{script} |\n{}", stage.cmd);
            }
        } else {
            script = format!("{script}\n{}", stage.cmd);
        }
    }

    if !garbage.is_empty() {
        let mut rmcmd = String::from("rm -f");
        for temp in &garbage {
            rmcmd.push(' ');
            rmcmd.push_str(&quote(&temp.name)?);
        }
        let trapcmd = format!("trap {} 1 2 3 13 14 15", quote(&format!("{rmcmd}; exit"))?);
        script = format!("{trapcmd}\n{script}\n{rmcmd}");
    }
    Ok((script, garbage))
}

/// A temporary file connecting two steps: created like `mkstemp` (new, mode 0600) and
/// removed when dropped, unless kept.
#[derive(Debug)]
struct TempFile {
    name: String,
    keep: bool,
}

impl TempFile {
    fn create() -> Result<TempFile, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        let mut last_err = None;
        for _ in 0..16 {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            let path: PathBuf = dir.join(format!(
                "parkq-pipes-{}-{:016x}",
                std::process::id(),
                hasher.finish()
            ));
            let name = path.to_str().ok_or_else(|| {
                Error::io(
                    "mkstemp",
                    io::Error::new(io::ErrorKind::InvalidData, "temp_dir() is not UTF-8"),
                )
            })?;
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(_) => {
                    return Ok(TempFile {
                        name: name.into(),
                        keep: false,
                    })
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_err = Some(err),
                Err(err) => return Err(Error::io("mkstemp", err)),
            }
        }
        Err(Error::io("mkstemp", last_err.expect("16 attempts failed")))
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            // The script's `rm -f` normally got there first.
            let _ = fs::remove_file(&self.name);
        }
    }
}

/// The output of a pipeline started by [`Template::open_read`].
///
/// Reading blocks until the pipeline writes or ends. [`finish`](PipeReader::finish)
/// closes the pipe and waits for the pipeline; dropping the reader does the same, but
/// kills the pipeline's process group if it has not ended within a second. Either way
/// the pipeline's temporary files are removed.
#[derive(Debug)]
pub struct PipeReader {
    stdout: Option<BufReader<ChildStdout>>,
    child: Child,
    _temps: Vec<TempFile>,
}

impl PipeReader {
    /// Closes the pipe (a pipeline still writing gets `SIGPIPE`) and blocks until the
    /// pipeline ends; returns its status.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    pub fn finish(mut self) -> Result<Status, Error> {
        self.stdout = None;
        self.child.wait()
    }

    fn out(&mut self) -> &mut BufReader<ChildStdout> {
        self.stdout.as_mut().expect("present until finish")
    }
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.out().read(buf)
    }
}

impl BufRead for PipeReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.out().fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.out().consume(amt)
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.stdout = None;
        self.child.reap_within(DROP_GRACE);
    }
}

/// The input of a pipeline started by [`Template::open_write`].
///
/// Writing blocks while the pipe is full. [`finish`](PipeWriter::finish) closes the
/// pipe (the pipeline sees end of input) and waits for the pipeline; dropping the
/// writer does the same, but kills the pipeline's process group if it has not ended
/// within a second. Either way the pipeline's temporary files are removed.
#[derive(Debug)]
pub struct PipeWriter {
    stdin: Option<ChildStdin>,
    child: Child,
    _temps: Vec<TempFile>,
}

impl PipeWriter {
    /// Closes the pipe and blocks until the pipeline ends; returns its status.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if `waitpid` fails.
    pub fn finish(mut self) -> Result<Status, Error> {
        self.stdin = None;
        self.child.wait()
    }
}

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stdin
            .as_mut()
            .expect("present until finish")
            .write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stdin.as_mut().expect("present until finish").flush()
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.stdin = None;
        self.child.reap_within(DROP_GRACE);
    }
}

/// An open pipeline, from [`Template::open`].
#[derive(Debug)]
pub enum Pipe {
    /// Opened with `"r"`.
    Read(PipeReader),
    /// Opened with `"w"`.
    Write(PipeWriter),
}
