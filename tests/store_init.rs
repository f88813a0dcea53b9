//! `warroom store init`: a store the responders' group can share, whatever the umask of the
//! one who made it; and `warroom check` warning about a store its group cannot write.

mod common;

use common::{Sandbox, stderr, stdout};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

/// `warroom ARGS` under umask 022, as most logins have it.
fn under_umask_022(sb: &Sandbox, store: &Path, args: &[&str]) -> std::process::Output {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("umask 022 && exec \"$@\"")
        .arg("sh")
        .arg(common::BIN)
        .arg("--store")
        .arg(store)
        .args(args);
    sb.isolate(&mut c);
    c.output().expect("run warroom under sh")
}

/// A group to share with that is not the tester's primary one when we may choose (root), so
/// that setting it is seen; else the primary group.
fn a_group() -> (String, u32) {
    let name = if common::is_root() {
        "daemon".to_string()
    } else {
        let out = Command::new("id").arg("-gn").output().expect("id -gn");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let out = Command::new("getent")
        .args(["group", &name])
        .output()
        .expect("getent group");
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let gid = line
        .split(':')
        .nth(2)
        .and_then(|g| g.trim().parse().ok())
        .expect("a gid");
    (name, gid)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("exists").permissions().mode() & 0o7777
}

#[test]
fn store_init_shares_the_store_with_its_group_whatever_the_umask() {
    let sb = Sandbox::new();
    let (group, gid) = a_group();
    let store = sb.path("srv/warroom/timeline.db");
    let out = under_umask_022(
        &sb,
        &store,
        &["store", "init", store.to_str().expect("utf-8"), "--group", &group],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("created"), "{}", stdout(&out));
    assert!(
        stderr(&out).is_empty(),
        "no warning for a shareable store: {}",
        stderr(&out)
    );

    let dir = store.parent().expect("folder");
    assert_eq!(mode(&store), 0o660, "the store");
    assert_eq!(mode(dir), 0o2770, "its folder: group-writable and setgid");
    assert_eq!(std::fs::metadata(&store).expect("store").gid(), gid);
    assert_eq!(std::fs::metadata(dir).expect("folder").gid(), gid);

    // A responder writing under umask 022 leaves files the group can still share.
    let out = under_umask_022(
        &sb,
        &store,
        &["declare", "--title", "Checkout failing", "--severity", "2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&store), 0o660, "writing keeps the store shareable");
    let out = under_umask_022(&sb, &store, &["check", "--offline"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("warning"), "{}", stdout(&out));

    // A store its group cannot write is warned about, and init makes it shareable again.
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = under_umask_022(&sb, &store, &["check", "--offline"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("is not writable by its group (mode 0600)")
            && stdout(&out).contains("warroom store init"),
        "{}",
        stdout(&out)
    );
    let out = under_umask_022(&sb, &store, &["store", "init", store.to_str().expect("utf-8")]);
    assert!(stdout(&out).contains("made shareable"), "{}", stdout(&out));
    assert_eq!(mode(&store), 0o660);

    let out = under_umask_022(
        &sb,
        &store,
        &[
            "store",
            "init",
            store.to_str().expect("utf-8"),
            "--group",
            "no-such-group-xyz",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no group named `no-such-group-xyz`"),
        "{}",
        stderr(&out)
    );
}
