//! Shared helpers for the integration tests: the real binary, isolated from the user's own
//! config, state and logs.
#![allow(dead_code)]

pub mod aws;
pub mod http;
pub mod pg;
pub mod relay;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_warroom");

/// A scratch home: config, state and logs all inside it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn store(&self) -> PathBuf {
        self.path("timeline.db")
    }
    /// `warroom --store STORE ARGS…` with HOME and the XDG folders inside the sandbox.
    pub fn cmd(&self, store: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--store").arg(store).args(args);
        self.isolate(&mut c);
        c
    }
    pub fn isolate(&self, c: &mut Command) {
        let home = self.dir.path();
        c.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("WARROOM_LOG_DIR", home.join("logs"))
            .env_remove("WARROOM_STORE")
            .env_remove("WARROOM_CONFIG");
    }
    pub fn run(&self, store: &Path, args: &[&str]) -> Output {
        self.cmd(store, args).output().expect("run warroom")
    }
    /// Run and require success; returns stdout.
    pub fn ok(&self, store: &Path, args: &[&str]) -> String {
        let out = self.run(store, args);
        assert!(
            out.status.success(),
            "warroom {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    /// Declare an incident and return its id.
    pub fn declare(&self, store: &Path, title: &str) -> String {
        self.ok(store, &["declare", "--title", title, "--severity", "2"])
            .trim()
            .to_string()
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The writing end of a pipe whose reading end is already closed, for a child's standard
/// output or error: every write to it fails with EPIPE, as in `warroom verify | head -0`, but
/// deterministically (no race with the reader's exit).
pub fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both are fresh descriptors from pipe2, owned by nothing else.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    writer.into()
}

/// Every event in an SQLite store, in order.
pub fn events(store: &Path) -> Vec<warroom::timeline::Event> {
    use warroom::timeline::Store;
    let s = warroom::timeline::sqlite::SqliteStore::open(store).expect("open the store");
    let mut out = Vec::new();
    s.scan(0, None, &mut |e| {
        out.push(e);
        true
    })
    .expect("scan the store");
    out
}

/// Every event's body, in order.
pub fn bodies(store: &Path) -> Vec<warroom::timeline::EventBody> {
    events(store).into_iter().map(|e| e.body).collect()
}

/// A note in incident INC-1 by `ana@host` (for the store tests).
pub fn note(text: &str) -> warroom::timeline::NewEvent {
    use warroom::timeline::{Author, EventBody, IncidentId, NewEvent};
    NewEvent::new(
        IncidentId("INC-1".into()),
        Author("ana@host".into()),
        EventBody::Note { text: text.into() },
    )
}

/// The texts of a store's notes, in store order.
pub fn notes(store: &dyn warroom::timeline::Store) -> Vec<String> {
    let mut out = Vec::new();
    store
        .scan(0, None, &mut |e| {
            if let warroom::timeline::EventBody::Note { text } = e.body {
                out.push(text);
            }
            true
        })
        .expect("scan the store");
    out
}

/// The `.toml` files of a folder of invalid inputs, in name order, each with what its last
/// line `# expect: A | B | …` says the error must contain. `:N:` parts stand for
/// `FILE:N:` (the line, after the file's own name).
pub fn expectations(folder: &str) -> Vec<(PathBuf, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read");
            let expect = text
                .lines()
                .find_map(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{} has no `# expect:` line", file.display()));
            let name = file.display().to_string();
            let parts = expect
                .split(" | ")
                .map(str::trim)
                .map(|p| {
                    if p.starts_with(':') {
                        format!("{name}{p}")
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            (file, parts)
        })
        .collect()
}
