//! The seed's `popen2-example-1.py` (sort two strings through `sort`) and
//! `popen2-example-2.py` (drive a chess engine line by line).
//!
//! CI has no gnuchess, so the engine is a small `sh` loop that speaks the same
//! protocol: it greets with `Chess`, answers each move with two lines (the move, then
//! its reply), and quits on `quit`. `echo` writes unbuffered, so each answer reaches
//! the pipe at once; a stand-in built from a filter like `sed` would buffer its output
//! and never answer.

use parkq::process::{self, Popen2};
use std::io;

/// The chess-engine stand-in.
pub const ENGINE: &str = r#"echo Chess
set -- b8c6 e7e5 g8f6 d7d5
n=0
while read move; do
  case $move in
    quit) exit 0 ;;
    [a-h][1-8][a-h][1-8]) n=$((n+1)); echo "$n. $move"; echo "$n. ... $1"; shift ;;
    *) echo "Illegal move" ;;
  esac
done"#;

/// Interface to chesstool-compatible programs: the seed's `Chess` class.
pub struct Chess {
    engine: Popen2,
}

fn protocol_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl Chess {
    /// Starts `engine` and checks its greeting.
    pub fn new(engine: &str) -> io::Result<Chess> {
        let mut engine = process::popen2(engine)?;
        if engine.read_line()?.as_deref() != Some("Chess") {
            return Err(protocol_error("incompatible chess program"));
        }
        Ok(Chess { engine })
    }

    /// Plays `mv` and returns the engine's reply.
    pub fn play(&mut self, mv: &str) -> io::Result<String> {
        self.engine.write_line(mv)?;
        let my = self
            .engine
            .read_line()?
            .ok_or_else(|| protocol_error("no echo"))?;
        if my == "Illegal move" {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "illegal move"));
        }
        let his = self
            .engine
            .read_line()?
            .ok_or_else(|| protocol_error("no reply"))?;
        his.split_whitespace()
            .nth(2)
            .map(str::to_owned)
            .ok_or_else(|| protocol_error("malformed reply"))
    }

    /// Tells the engine to quit and waits for it.
    pub fn quit(mut self) -> io::Result<()> {
        self.engine.write_line("quit")?;
        self.engine.wait()?;
        Ok(())
    }
}

/// Sorts two strings through `sort`, printing as the seed does.
pub fn run_sort() {
    let mut sort = process::popen2("sort").expect("/bin/sh runs");
    sort.write_line("foo").expect("sort reads its input");
    sort.write_line("bar").expect("sort reads its input");
    sort.close_stdin();
    println!("{}", sort.read_line().unwrap().unwrap_or_default());
    println!("{}", sort.read_line().unwrap().unwrap_or_default());
}

/// Plays a few moves against the stand-in engine, printing as the seed does.
pub fn run_chess() {
    let mut g = Chess::new(ENGINE).expect("the engine starts and greets");
    println!("{}", g.play("a2a4").unwrap());
    println!("{}", g.play("b2b3").unwrap());
    g.quit().unwrap();
}

/// Runs both.
pub fn run() {
    run_sort();
    run_chess();
}
