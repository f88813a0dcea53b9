//! Every file in `tests/invalid_configs/` is a config.toml with one mistake, and a last line
//! `# expect: A | B | …` listing what `warroom check` must say about it. Each must fail with a
//! message naming the file and every expected part (the line as `:N:`, the key, the reason),
//! without a panic.

mod common;

#[test]
fn every_invalid_config_is_rejected_with_file_line_and_key() {
    let sb = common::Sandbox::new();
    let files = common::expectations("tests/invalid_configs");
    assert!(files.len() >= 10, "only {} invalid configs", files.len());
    for (file, expected) in files {
        let mut c = std::process::Command::new(common::BIN);
        c.arg("--config")
            .arg(&file)
            .arg("--store")
            .arg(sb.store())
            .arg("check");
        sb.isolate(&mut c);
        let out = c.output().expect("run warroom check");
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", file.display());
        assert!(!err.contains("panicked"), "{err}");
        for wanted in expected {
            assert!(
                err.contains(&wanted),
                "{}: expected `{wanted}` in:\n{err}",
                file.display()
            );
        }
    }
}

#[test]
fn a_sound_config_checks_ok() {
    let sb = common::Sandbox::new();
    let file = sb.path("config.toml");
    std::fs::write(
        &file,
        "theme = \"high-contrast\"\n[keys]\nnote = \"N\"\n[notify]\ndesktop = false\n",
    )
    .expect("write");
    let mut c = std::process::Command::new(common::BIN);
    c.arg("--config")
        .arg(&file)
        .arg("--store")
        .arg(sb.store())
        .arg("check");
    sb.isolate(&mut c);
    let out = c.output().expect("run");
    let stdout = common::stdout(&out);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        stdout.contains("theme     high-contrast") && stdout.contains("1 remapped"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("ok"), "{stdout}");
}

#[test]
fn check_goes_on_past_a_problem_to_report_the_rest() {
    let sb = common::Sandbox::new();
    let file = sb.path("config.toml");
    std::fs::write(&file, "theme = \"no-such-theme\"\n").expect("write");
    // A folder is no store.
    let not_a_store = sb.path("folder");
    std::fs::create_dir_all(&not_a_store).expect("mkdir");
    let mut c = std::process::Command::new(common::BIN);
    c.arg("--config")
        .arg(&file)
        .arg("--store")
        .arg(&not_a_store)
        .arg("check");
    sb.isolate(&mut c);
    let out = c.output().expect("run");
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("theme     problem:") && stderr.contains("no-such-theme"),
        "{stderr}"
    );
    assert!(stderr.contains("store     problem:"), "{stderr}");
    assert!(stderr.contains("2 problem(s) above"), "{stderr}");
    // What was sound is still said.
    assert!(
        stdout.contains("keys      defaults") && stdout.contains("runbooks  "),
        "{stdout}"
    );
}
