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
        Tmux::start_with_env(sandbox, store, args, width, height, &[])
    }

    /// As [`Tmux::start`], with extra environment variables (`TERM`, `NO_COLOR`).
    pub fn start_with_env(
        sandbox: &crate::common::Sandbox,
        store: &Path,
        args: &[&str],
        width: u16,
        height: u16,
        env: &[(&str, &str)],
    ) -> Tmux {
        Tmux::start_wrapped(sandbox, store, args, width, height, env, &[])
    }

    /// As [`Tmux::start_with_env`], run through `wrapper` (a command that ends by running its
    /// arguments, e.g. `unshare --uts sh -c 'hostname b && exec "$@"' sh`).
    pub fn start_wrapped(
        sandbox: &crate::common::Sandbox,
        store: &Path,
        args: &[&str],
        width: u16,
        height: u16,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Tmux {
        let socket = format!("wrt{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let session = "w".to_string();
        let home = sandbox.dir.path();
        let mut vars: String = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
        for w in wrapper {
            vars.push_str(&format!("'{w}' "));
        }
        let mut cmd = format!(
            "HOME='{h}' XDG_CONFIG_HOME='{h}/config' XDG_STATE_HOME='{h}/state' WARROOM_LOG_DIR='{h}/logs' \
             NO_COLOR= {vars}'{bin}' --store '{store}'",
            h = home.display(),
            bin = crate::common::BIN,
            store = store.display()
        );
        for a in args {
            cmd.push_str(&format!(" '{a}'"));
        }
        // Say how it ended, then keep the pane open so the test can read it.
        cmd.push_str("; echo \"warroom exited $?\"; sleep 600");
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
        Tmux { socket, session }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The tmux server's socket name (`tmux -L NAME`), for queries of its own.
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn socket(&self) -> String {
        self.socket.clone()
    }

    /// Paste `text` as a terminal does (bracketed, each line break sent as CR).
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn paste(&self, text: &str) {
        self.tmux(&["set-buffer", "-b", "wr", "--", text]);
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "wr", "-t", &self.session]);
    }

    /// Copy everything the program writes to its terminal into `file` from now on, escape
    /// sequences and all (what a notification or a copy sends, which the screen never shows).
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn record_output(&self, file: &Path) {
        let cat = format!("cat >> '{}'", file.display());
        self.tmux(&["pipe-pane", "-o", "-t", &self.session, &cat]);
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{mouse_any_flag}`, `#{cursor_flag}`).
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn pane(&self, format: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", &self.session, format])
            .trim()
            .to_string()
    }

    /// The pid of the warroom process in the pane (the pane's shell runs it as its child).
    #[allow(dead_code)]
    pub fn warroom_pid(&self) -> Option<u32> {
        let shell = self.pane("#{pane_pid}");
        let out = Command::new("pgrep")
            .args(["-P", &shell, "-x", "warroom"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// End the tmux server, and with it the pane's terminal (its processes get SIGHUP).
    #[allow(dead_code)]
    pub fn kill(&self) {
        self.tmux(&["kill-server"]);
    }

    /// Press keys, by tmux's names (`Enter`, `Escape`, `C-s`, `Tab`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Type text literally (`--`: text that starts with `-`, like `-@bot`, is not a flag).
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.session, "-l", "--", text]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    /// The screen with its colours and attributes as escape sequences.
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn screen_with_styles(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", &self.session])
    }

    /// Wait until the screen shows `needle`; panics with the screen if it never does.
    /// Wait until `check` holds for the screen; panics naming `what` after 20 seconds.
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{what} never happened:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

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
    #[allow(dead_code)] // not every test binary that includes this file asks
    pub fn exit_status(&self) -> Option<i32> {
        let screen = self.screen();
        let line = screen.lines().find_map(|l| l.strip_prefix("warroom exited "))?;
        line.trim().parse().ok()
    }

    #[allow(dead_code)] // not every test binary that includes this file asks
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

    #[allow(dead_code)]
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
