//! Logs go to a file in the state directory (never to the screen: the console owns it).
//! `WARROOM_LOG` sets the filter (`debug`, `warroom=trace`, …); the default is `info`.

use tracing_subscriber::EnvFilter;

/// Returns the guard that flushes the log on drop; `None` when no log file could be opened,
/// in which case warroom runs without one rather than failing.
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("warroom.log"))
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("WARROOM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// The folder logs and crash reports go to.
pub fn log_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("WARROOM_LOG_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| crate::config::state_dir().map(|d| d.join("logs")))
}
