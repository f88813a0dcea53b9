//! What a newcomer meets first, through the real binary: help that says how the console is
//! opened, a console without a terminal that says what to use instead, shell completions, and
//! built-in runbooks and scenarios printed as templates to start from.

mod common;

use common::{Sandbox, stderr, stdout};

#[test]
fn help_says_no_command_opens_the_console_and_lists_global_options_apart() {
    let sb = Sandbox::new();
    let out = sb.run(&sb.store(), &["--help"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("With no command, warroom opens the console"),
        "{}",
        stdout(&out)
    );
    let out = sb.run(&sb.store(), &["export", "--help"]);
    let help = stdout(&out);
    let global = help.find("Global options:").expect("a heading of their own");
    assert!(
        help[global..].contains("--store") && !help[..global].contains("--store"),
        "{help}"
    );
}

#[test]
fn the_console_without_a_terminal_says_what_to_use_instead() {
    let sb = Sandbox::new();
    let out = sb
        .cmd(&sb.store(), &[])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("the console needs a terminal"), "{err}");
    assert!(err.contains("warroom do COMMAND"), "{err}");
}

#[test]
fn completions_and_templates_print() {
    let sb = Sandbox::new();
    let st = sb.store();
    let bash = sb.ok(&st, &["completions", "bash"]);
    assert!(
        bash.contains("complete -F") && bash.contains("runbooks"),
        "{bash}"
    );
    assert!(
        sb.ok(&st, &["completions", "fish"])
            .contains("complete -c warroom")
    );
    let out = sb.run(&st, &["completions", "cmd.exe"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A runbook printed is a file warroom reads back: it is a template.
    let text = sb.ok(&st, &["runbooks", "show", "ransomware"]);
    assert!(
        text.contains("name = \"ransomware\"") && text.contains("[[item]]"),
        "{text}"
    );
    let dir = sb.path("config/warroom/runbooks");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("mine.toml"),
        text.replace("name = \"ransomware\"", "name = \"mine\""),
    )
    .expect("write");
    assert!(sb.ok(&st, &["runbooks"]).contains("mine"));
    let out = sb.run(&st, &["runbooks", "show", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no runbook named `nope`: there are generic"),
        "{}",
        stderr(&out)
    );

    // So is a scenario: `drill check` accepts what `drill show` prints.
    let scenario = sb.ok(&st, &["drill", "show", "regional-outage"]);
    let file = sb.path("outage.toml");
    std::fs::write(&file, &scenario).expect("write");
    sb.ok(&st, &["drill", "check", file.to_str().expect("utf-8")]);
    let out = sb.run(&st, &["drill", "show", "nope"]);
    assert!(
        stderr(&out).contains("no built-in scenario `nope`: there are leaked-key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn on_a_shared_login_each_responder_says_who_they_are() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    sb.ok(&st, &["--as", "alice", "log", "db-01 failed over"]);
    let out = sb
        .cmd(&st, &["do", "note", "paging the DBA"])
        .env("WARROOM_USER", "bob")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let authors: Vec<String> = common::events(&st)
        .iter()
        .filter(|e| e.incident.as_str() == id)
        .map(|e| e.author.as_str().to_string())
        .collect();
    let login = authors[0].clone();
    assert!(
        !login.contains(" ("),
        "the declaration is by the login alone: {login}"
    );
    assert_eq!(authors[authors.len() - 2], format!("alice ({login})"));
    assert_eq!(authors[authors.len() - 1], format!("bob ({login})"));
    // `status` and the report show who, and a name that is not one is refused.
    let md = sb.ok(&st, &["export"]);
    assert!(md.contains(&format!("alice ({login})")), "{md}");
    for bad in ["", "  ", "eve@evil", "mallory (root)", "\u{1b}[31mred"] {
        let out = sb.run(&st, &["--as", bad, "log", "x"]);
        assert_eq!(out.status.code(), Some(1), "{bad:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("--as / WARROOM_USER"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
}
