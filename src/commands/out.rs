//! What commands print, and the rule for when nobody reads it.
//!
//! `warroom verify | head -1`: once `head` has its line it exits, and every later write to
//! standard output fails with EPIPE (Rust ignores SIGPIPE, and so must we: the process has
//! network sockets). `println!` panics on that. Everything a command prints goes through
//! [`stdout`] (or the [`outln!`](crate::commands::out::outln) macro) instead: a broken pipe
//! is remembered as "output closed", later output is dropped, and the command finishes its
//! real work and exits with its real status. Any other write error is still an error, and says
//! it was writing to standard output.
//!
//! Standard error gets the same treatment without the errors: a message that cannot be shown
//! ([`errln!`](crate::commands::out::errln)) is dropped, never a panic.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Standard output's reader has gone.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// An acknowledgement could not be written (told once on standard error).
static ACK_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether standard output has been closed by its reader.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Standard output under the broken-pipe rule. Cheap: each write takes the process's stdout
/// lock for its own length, so it can be made wherever a writer is wanted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

/// Standard output under the broken-pipe rule (wrap it in a `BufWriter` for long output).
pub fn stdout() -> Stdout {
    Stdout
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if closed() {
            return Ok(buf.len());
        }
        quiet(io::stdout().lock().write(buf), buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if closed() {
            return Ok(());
        }
        quiet(io::stdout().lock().flush(), ())
    }
}

/// A broken pipe becomes `instead` (and "output closed"); other errors name standard output.
fn quiet<T>(result: io::Result<T>, instead: T) -> io::Result<T> {
    match result {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            if !CLOSED.swap(true, Ordering::Relaxed) {
                tracing::debug!("standard output closed by its reader; the rest of the output is dropped");
            }
            Ok(instead)
        }
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("writing to standard output: {e}"),
        )),
    }
}

/// Print `args` on standard output and flush (what [`outln!`] expands to).
pub fn print(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut out = stdout();
    out.write_fmt(args)?;
    out.flush()
}

/// Print `args` on standard error if it can be; never fails, never panics.
pub fn eprint(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args);
    let _ = err.flush();
}

/// Say on standard output that something durable happened (an append). It already has: a
/// script that saw the command fail would retry it and write it twice, so failing to say so is
/// not the command's failure. A broken pipe is quiet as everywhere; any other error is
/// logged and told once on standard error (if that works), and `false` returned.
pub fn acknowledge(args: fmt::Arguments<'_>) -> bool {
    match print(args) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "durable, but the acknowledgement could not be written");
            if !ACK_FAILED.swap(true, Ordering::Relaxed) {
                eprint(format_args!(
                    "warroom: it is on the timeline, but the acknowledgement was not shown ({e})\n"
                ));
            }
            false
        }
    }
}

/// `println!` under the broken-pipe rule: an `io::Result<()>` to `?` (a closed pipe is `Ok`).
macro_rules! outln {
    () => {
        $crate::commands::out::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::commands::out::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that drops what cannot be shown rather than panicking.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::commands::out::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// An acknowledgement line (see [`acknowledge`]).
macro_rules! ackln {
    ($($arg:tt)*) => {
        $crate::commands::out::acknowledge(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {ackln, errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_quiet_and_other_errors_name_standard_output() {
        let broken = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(quiet(Err(broken), 7).ok(), Some(7));
        assert!(closed());
        let full = io::Error::from_raw_os_error(28);
        let e = quiet::<()>(Err(full), ()).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.starts_with("writing to standard output")),
            "{e:?}"
        );
    }
}
