//! The `woundsim` command-line tool. Library errors are reported here; exit
//! status 0 on success, 2 on bad input, 1 on an internal error, 130 when a
//! run was interrupted by SIGINT or SIGTERM (it is resumable). A closed
//! standard output (`woundsim params | head -1`) is not an error.

// Standard output is written only through `cli::out` (quiet on a closed pipe).
#![deny(clippy::print_stdout)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
        Ok(code) => code,
        Err(err) if closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            let mut last = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !last.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                last = text;
            }
            if matches!(
                err.downcast_ref::<woundsim::error::Error>(),
                Some(
                    woundsim::error::Error::Interrupted { .. }
                        | woundsim::error::Error::InterruptedReplicates { .. }
                )
            ) {
                return ExitCode::from(130);
            }
            let input = err
                .downcast_ref::<woundsim::error::Error>()
                .map(|e| e.is_input())
                .or_else(|| {
                    err.downcast_ref::<woundsim::error::InputError>()
                        .map(|_| true)
                })
                .or_else(|| {
                    err.downcast_ref::<woundsim::plot::PlotError>()
                        .map(|e| e.is_input())
                })
                .unwrap_or(false);
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

/// True when `err` comes from writing to a pipe whose reader has gone.
fn closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
