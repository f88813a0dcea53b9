//! The terminal, entered and always left: an RAII guard restores it on every return path, and a
//! panic hook restores it, writes a crash report to the log folder and exits — a panic in any
//! thread or task must never leave a half-alive console in raw mode.

use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Raw mode, the alternate screen, mouse and bracketed paste, until dropped.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = std::io::stdout();
        if let Err(e) = execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        ) {
            restore();
            return Err(e);
        }
        Ok(TerminalGuard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// SIGTSTP (`kill -TSTP`, a job-control stop): give the terminal back to the shell, stop, and
/// on SIGCONT (`fg`) take it again. The caller redraws everything after.
pub fn suspend() -> std::io::Result<()> {
    restore();
    // SIGSTOP cannot be caught: the process stops here, and carries on from here when continued.
    // SAFETY: kill(2) on our own pid with a signal number has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGSTOP);
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = std::io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Put the terminal back as we found it. Safe to call twice.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let report = crash_report(info);
        tracing::error!(%report, "panic");
        // Never a panic inside the panic hook: the terminal (and stderr with it) may be gone.
        let mut err = std::io::stderr();
        let _ = match write_crash_report(&report) {
            Some(path) => writeln!(
                err,
                "warroom crashed; the timeline is safe. Crash report: {}",
                path.display()
            ),
            None => writeln!(err, "warroom crashed; the timeline is safe.\n{report}"),
        };
        default(info);
        std::process::exit(101);
    }));
}

fn crash_report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let backtrace = std::backtrace::Backtrace::force_capture();
    format!(
        "warroom {} crashed at {}\nthread: {}\n{info}\n\nbacktrace:\n{backtrace}\n",
        env!("CARGO_PKG_VERSION"),
        chrono::Utc::now().to_rfc3339(),
        std::thread::current().name().unwrap_or("?"),
    )
}

fn write_crash_report(report: &str) -> Option<std::path::PathBuf> {
    let dir = crate::logging::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!(
        "crash-{}.txt",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ));
    std::fs::write(&path, report).ok()?;
    Some(path)
}
