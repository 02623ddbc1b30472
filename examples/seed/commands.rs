//! The seed's `commands-example-1.py`: run a shell command, print its status and how
//! much it wrote.
//!
//! The seed ran `ls -lR` in the current directory. Here that directory is usually the
//! crate, whose `target/` holds gigabytes of build output, so this lists the directory
//! without descending (`ls -l`): bounded, and the same call.

use parkq::process;

/// Runs the example, printing as the seed does.
pub fn run() {
    let (status, output) =
        process::getstatusoutput("ls -l").expect("/bin/sh runs and ls writes UTF-8 names");
    println!("status => {}", status.code());
    println!("output => {} bytes", output.len());
}
