//! The real binary in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub session: String,
}

impl Tmux {
    /// Start `warroom ARGS` in a detached tmux session of the given size.
    pub fn start(
        sandbox: &crate::common::Sandbox,
        store: &Path,
        args: &[&str],
        width: u16,
        height: u16,
    ) -> Tmux {
        let socket = format!("wrt{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let session = "w".to_string();
        let home = sandbox.dir.path();
        let mut cmd = format!(
            "HOME='{h}' XDG_CONFIG_HOME='{h}/config' XDG_STATE_HOME='{h}/state' WARROOM_LOG_DIR='{h}/logs' \
             NO_COLOR= exec '{bin}' --store '{store}'",
            h = home.display(),
            bin = crate::common::BIN,
            store = store.display()
        );
        for a in args {
            cmd.push_str(&format!(" '{a}'"));
        }
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &session,
            ])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(&cmd)
            .env_remove("TMUX")
            .status()
            .expect("tmux must be installed (.ci/run installs it)");
        assert!(status.success(), "tmux new-session failed");
        let t = Tmux { socket, session };
        t.tmux(&["set-option", "-t", &t.session, "remain-on-exit", "on"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Press keys, by tmux's names (`Enter`, `Escape`, `C-s`, `Tab`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Type text literally.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Wait until the screen shows `needle`; panics with the screen if it never does.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("`{needle}` never appeared; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the program has exited, and its status.
    pub fn exit_status(&self) -> Option<i32> {
        let out = self.tmux(&[
            "display-message",
            "-p",
            "-t",
            &self.session,
            "#{pane_dead} #{pane_dead_status}",
        ]);
        let mut parts = out.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("1"), Some(code)) => code.parse().ok(),
            _ => None,
        }
    }

    pub fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(code) = self.exit_status() {
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
