//! Another process holding an SQLite store's write lock, as a slow disk or a long transaction
//! would.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Another process holds the store's write lock for `seconds`: appends wait for it (SQLite's
/// busy timeout), as they would behind a slow disk or a long transaction.
pub struct WriteLock(Child);

impl WriteLock {
    pub fn hold(store: &Path, seconds: f64) -> WriteLock {
        let script = format!(
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             print('locked', flush=True)\n\
             time.sleep({seconds})\n\
             c.execute('COMMIT')\n"
        );
        let mut child = Command::new("python3")
            .args(["-c", &script])
            .arg(store)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 holds the lock");
        let out = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line).expect("read");
        assert_eq!(line.trim(), "locked");
        WriteLock(child)
    }
    pub fn wait(mut self) {
        let _ = self.0.wait();
    }
}
