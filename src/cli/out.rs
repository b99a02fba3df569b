//! The one writer of standard output. Every command prints through
//! [`out!`] and [`outln!`] (never `print!`/`println!`, which panic on a
//! closed pipe; clippy's `print_stdout` lint is denied for the binary).
//!
//! When the reader of stdout goes away (`woundsim params | head -1`), the
//! first failed write marks stdout as closed and everything written after it
//! is dropped: the command finishes its work (files, exit status) quietly
//! instead of panicking. Any other write error is returned to the caller.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to stdout has failed with a broken pipe.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Write `args` to stdout; a closed pipe is not an error (see the module docs).
pub fn write_fmt(args: std::fmt::Arguments<'_>) -> io::Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let result = io::stdout().lock().write_fmt(args);
    quiet_on_closed_pipe(result)
}

/// Flush stdout (at the end of a command), with the same closed-pipe rule.
pub fn flush() -> io::Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    quiet_on_closed_pipe(io::stdout().lock().flush())
}

fn quiet_on_closed_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => other,
    }
}

/// `print!` that returns an `io::Result` and is quiet on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write_fmt(format_args!($($arg)*))
    };
}

/// `println!` that returns an `io::Result` and is quiet on a closed pipe.
macro_rules! outln {
    () => {
        $crate::cli::out::write_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}
