//! `warroom store copy`: move a timeline between back ends (a local incident promoted to the
//! team's server, or a server's timeline kept as a file), its hash chain intact. `warroom store
//! init`: a store file the responders' group can share.

use super::out::ackln;
use crate::timeline::store::{RawEvent, Verdict, verify};
use crate::timeline::{StoreSpec, open_store};
use anyhow::{Context, Result, bail};

/// Events per transaction while copying: small enough to commit within the PostgreSQL
/// store's operation timeout over a slow link (each event is a round trip or two).
const BATCH: usize = 50;

/// Copy every event of `from` to `to`, verbatim (ids, sequence numbers, times, hashes), then
/// verify the copy. The destination must be empty, or hold the start of the same chain (an
/// interrupted copy resumes).
pub fn copy(from: &str, to: &str) -> Result<()> {
    let (from_spec, to_spec) = (StoreSpec::parse(from), StoreSpec::parse(to));
    if from_spec == to_spec {
        bail!("{from_spec}: the source and the destination are the same store");
    }
    let src = open_store(&from_spec).context("opening the source")?;
    let dst = open_store(&to_spec).context("opening the destination")?;
    let src_head = match verify(&*src)? {
        Verdict::Intact { events, head } => (events, head),
        Verdict::Broken { seq, reason } => bail!(
            "{}: the source does not verify from event #{seq} on ({reason}); not copied",
            src.describe()
        ),
    };
    let dst_head = dst.head()?;
    let start = if dst_head.seq == 0 {
        0
    } else {
        // Only the same chain may continue: the destination's head must be the source's event.
        let mut same = false;
        src.scan_raw(dst_head.seq - 1, None, &mut |raw| {
            same = raw.seq == dst_head.seq && raw.hash == dst_head.hash;
            false
        })?;
        if !same {
            bail!(
                "{}: the destination already holds a different timeline ({} events); copy into an empty store",
                dst.describe(),
                dst_head.seq
            );
        }
        dst_head.seq
    };
    let mut copied = 0u64;
    let mut batch: Vec<RawEvent> = Vec::with_capacity(BATCH);
    let mut failure = None;
    src.scan_raw(start, None, &mut |raw| {
        batch.push(raw);
        if batch.len() == BATCH {
            if let Err(e) = dst.import_raw(&batch) {
                failure = Some(e);
                return false;
            }
            copied += batch.len() as u64;
            batch.clear();
        }
        true
    })?;
    if let Some(e) = failure {
        return Err(e).context(format!("copying to {}", dst.describe()));
    }
    if !batch.is_empty() {
        dst.import_raw(&batch)
            .with_context(|| format!("copying to {}", dst.describe()))?;
        copied += batch.len() as u64;
    }
    match verify(&*dst)? {
        Verdict::Intact { events, head } if events == src_head.0 && head == src_head.1 => {
            // Done and verified: a retry would find the target full, so output that fails
            // now is told, not the command's failure.
            ackln!(
                "copied {copied} events from {} to {}; {events} events, hash chain intact; head {}",
                src.describe(),
                dst.describe(),
                &head.to_hex()[..16]
            );
            Ok(())
        }
        Verdict::Intact { events, .. } => bail!(
            "{}: after copying, the destination holds {events} events but the source {}; the source changed while copying? run the copy again",
            dst.describe(),
            src_head.0
        ),
        Verdict::Broken { seq, reason } => bail!(
            "{}: the copy does not verify from event #{seq} on ({reason})",
            dst.describe()
        ),
    }
}

/// `warroom store init PATH [--group G]`: a store the responders' group can share. The file is
/// 0660 whatever the umask (SQLite gives its -wal and -shm files the same mode); a folder this
/// makes is 2770 and setgid, so every file made in it takes its group; with `--group` the
/// folder it makes and the files are that group's.
pub fn init(path: &std::path::Path, group: Option<&str>) -> Result<()> {
    use std::os::unix::fs::{PermissionsExt, chown};
    let gid = group.map(group_id).transpose()?;
    let shown = path.display();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let made_dir = !dir.exists();
    if made_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        // Its parents, if made too, are left as the umask makes them: only its folder is shared.
        if let Some(g) = gid {
            chown(dir, None, Some(g)).with_context(|| {
                format!(
                    "{}: cannot give it group {} (are you in it?)",
                    dir.display(),
                    group.unwrap_or("")
                )
            })?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o2770))
            .with_context(|| format!("{}: cannot set its mode", dir.display()))?;
    }
    let existed = path.exists();
    drop(crate::timeline::sqlite::SqliteStore::open(path)?);
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if !file.exists() {
            continue;
        }
        if let Some(g) = gid {
            chown(&file, None, Some(g)).with_context(|| {
                format!(
                    "{}: cannot give it group {} (are you in it?)",
                    file.display(),
                    group.unwrap_or("")
                )
            })?;
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o660))
            .with_context(|| format!("{}: cannot set its mode", file.display()))?;
    }
    let what = if existed { "made shareable" } else { "created" };
    let folder = if made_dir {
        format!("; its folder {} is 2770 and setgid", dir.display())
    } else {
        String::new()
    };
    let group = group.map_or(String::new(), |g| {
        format!(", group {}", crate::text::clean_line(g))
    });
    super::out::outln!("{what} {shown} (mode 0660{group}){folder}")?;
    if let Some(problem) = sharing_problem(path) {
        super::out::errln!("warning: {problem}");
    }
    Ok(())
}

/// A group by name or number.
fn group_id(name: &str) -> Result<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(n);
    }
    let c = std::ffi::CString::new(name).context("a group name cannot hold a NUL")?;
    // SAFETY: getgrnam takes a NUL-terminated name and returns null or a pointer to a static
    // record, read here at once before any other call could reuse it.
    let record = unsafe { libc::getgrnam(c.as_ptr()) };
    if record.is_null() {
        bail!("no group named `{}` on this host", crate::text::clean_line(name));
    }
    // SAFETY: non-null, as checked just above.
    Ok(unsafe { (*record).gr_gid })
}

/// Why the responders' group cannot share a store file, if it cannot: the file must be read
/// and written by its group, and its folder written to (SQLite makes its -wal and -shm there).
pub fn sharing_problem(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o060 != 0o060 {
        return Some(format!(
            "{} is not writable by its group (mode {:04o}): other responders cannot write to it; `warroom store init {}` makes it shareable",
            path.display(),
            mode & 0o7777,
            path.display()
        ));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    let dir_mode = std::fs::metadata(dir).ok()?.permissions().mode();
    (dir_mode & 0o070 != 0o070).then(|| {
        format!(
            "{} is not writable by its group (mode {:04o}): other responders cannot open the store in it (SQLite makes files beside it)",
            dir.display(),
            dir_mode & 0o7777
        )
    })
}
