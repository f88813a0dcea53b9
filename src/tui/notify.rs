//! Notifications for events that need a responder's attention while the console is not in
//! front of them: a desktop notification where there is a desktop session, otherwise a bell and
//! the OSC 9 / OSC 777 sequences that many terminals turn into a notification.
//!
//! Everything shown comes from the shared timeline, so it is untrusted: it is cleaned with
//! [`crate::text::clean_line`] and cut short before it reaches a notification, and cleaned again
//! before it goes into an escape sequence.

use crate::incident::updates::Due;
use crate::incident::{Incident, person_key};
use crate::text::{clean_line, truncate};
use crate::timeline::describe::describe;
use crate::timeline::{Author, Event, EventBody, Severity};
use serde::Deserialize;
use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The longest title or body a notification carries, in characters.
const MAX_TEXT: usize = 200;
/// The longest field inside an OSC sequence, in characters.
const MAX_OSC_FIELD: usize = 200;
/// Desktop notifications being sent at once; more are sent to the terminal instead, so a hung
/// D-Bus cannot pile up threads.
const MAX_IN_FLIGHT: usize = 4;
/// How long a desktop notification that is not urgent stays up.
const DESKTOP_TIMEOUT: Duration = Duration::from_secs(10);

const BEL: u8 = 0x07;
const ESC: u8 = 0x1b;

/// The `[notify]` table of `config.toml`: which events notify, and how.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The severity went up (e.g. SEV3 → SEV1).
    pub severity_raised: bool,
    /// You were paged (the console of the person paged, by name).
    pub responder_paged: bool,
    /// The status changed (triage → active → …).
    pub status_changed: bool,
    /// A new incident was declared.
    pub incident_declared: bool,
    /// A source (monitoring, a script) reported a signal.
    pub signal: bool,
    /// A decision was logged.
    pub decision: bool,
    /// The incident on screen owes a status update (`[updates.cadence]`).
    pub update_due: bool,
    /// Try desktop notifications (D-Bus) when there is a local desktop session.
    pub desktop: bool,
    /// Otherwise ring the terminal bell and send OSC 9 / OSC 777.
    pub terminal: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            severity_raised: true,
            responder_paged: true,
            status_changed: false,
            incident_declared: true,
            signal: true,
            decision: false,
            update_due: true,
            desktop: true,
            terminal: true,
        }
    }
}

/// What to show: already cleaned and cut to length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    pub urgent: bool,
}

/// The notification `event` deserves, if any. Never for the user's own events (`me`).
///
/// `previous_severity` is the incident's severity before this event: a severity change notifies
/// only when it is known and the new level is worse (numerically lower). `drill` marks an
/// exercise: the title then starts with `[DRILL] `.
pub fn notification_for(
    event: &Event,
    previous_severity: Option<Severity>,
    me: &Author,
    config: &NotifyConfig,
    drill: bool,
) -> Option<Notification> {
    if &event.author == me {
        return None;
    }
    let inc = &event.incident;
    let (title, urgent, drill) = match &event.body {
        EventBody::SeverityChanged { severity, .. }
            if config.severity_raised && previous_severity.is_some_and(|p| *severity < p) =>
        {
            (
                format!("{inc} raised to {severity}"),
                severity.level() <= 2,
                drill,
            )
        }
        // A page is for the person paged: four pages at a declaration used to ring on every
        // console in the room.
        EventBody::ResponderPaged { person, .. }
            if config.responder_paged && person_key(person) == person_key(me.short()) =>
        {
            (format!("{inc}: you are paged"), true, drill)
        }
        EventBody::IncidentDeclared {
            severity,
            drill: declared_drill,
            ..
        } if config.incident_declared => (
            format!("{inc} declared {severity}"),
            severity.level() <= 2,
            drill || *declared_drill,
        ),
        // A source's rules may say its signals stay quiet (`notify = false`).
        EventBody::Signal {
            source,
            severity,
            detail,
            ..
        } if config.signal && detail.get("notify") != Some(&serde_json::Value::Bool(false)) => {
            let urgent = severity.as_deref().is_some_and(|s| {
                let s = s.trim();
                s.eq_ignore_ascii_case("CRITICAL") || s.eq_ignore_ascii_case("HIGH")
            });
            (format!("{inc}: signal from {source}"), urgent, drill)
        }
        EventBody::StatusChanged { status, .. } if config.status_changed => {
            (format!("{inc} is now {status}"), false, drill)
        }
        EventBody::Decision { .. } if config.decision => (format!("{inc}: decision"), false, drill),
        _ => return None,
    };
    let title = if drill { format!("[DRILL] {title}") } else { title };
    Some(Notification {
        title: safe_text(&title),
        body: safe_text(&describe(&event.body)),
        urgent,
    })
}

/// The reminder that `incident`'s status update to `audience` is due (`every`: its cadence).
pub fn update_due(incident: &Incident, due: &Due, config: &NotifyConfig) -> Option<Notification> {
    if !config.update_due {
        return None;
    }
    let minutes = due.every.num_minutes();
    let title = format!("{}: {} status update due", incident.id, due.audience);
    let title = if incident.drill {
        format!("[DRILL] {title}")
    } else {
        title
    };
    Some(Notification {
        title: safe_text(&title),
        body: safe_text(&format!(
            "{} updates are owed every {minutes} minutes: press u to write one",
            incident.severity()
        )),
        urgent: false,
    })
}

fn safe_text(s: &str) -> String {
    truncate(&clean_line(s), MAX_TEXT).into_owned()
}

/// Sends notifications the way this session allows: decided once, at start.
#[derive(Debug)]
pub struct Notifier {
    config: NotifyConfig,
    desktop: bool,
    tmux: bool,
    in_flight: Arc<AtomicUsize>,
}

impl Notifier {
    /// A notifier for this process's environment.
    pub fn new(config: NotifyConfig) -> Notifier {
        Notifier::with_env(config, |key| std::env::var_os(key))
    }

    /// A notifier for the environment `env` describes (a lookup of one variable).
    pub fn with_env(config: NotifyConfig, env: impl Fn(&str) -> Option<OsString>) -> Notifier {
        let set = |key: &str| env(key).is_some_and(|v| !v.is_empty());
        Notifier {
            desktop: config.desktop && has_desktop_session(&set),
            tmux: set("TMUX"),
            config,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Whether the terminal is tmux's (sequences for the outer terminal go through it).
    pub fn in_tmux(&self) -> bool {
        self.tmux
    }

    /// Whether notifications go to the desktop (rather than the terminal).
    pub fn desktop_available(&self) -> bool {
        self.desktop
    }

    /// Show `n`, without blocking. Returns the bytes the caller must write to the terminal
    /// between frames, if the notification goes there; `None` if it went to the desktop (or
    /// nowhere, when both ways are turned off).
    pub fn send(&self, n: &Notification) -> Option<Vec<u8>> {
        if self.desktop && self.send_desktop(n) {
            return None;
        }
        self.config.terminal.then(|| terminal_bytes(n, self.tmux))
    }

    /// Hand `n` to a thread that shows it over D-Bus. False if it could not be handed over.
    fn send_desktop(&self, n: &Notification) -> bool {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!("desktop notifications are backed up; using the terminal");
            return false;
        }
        let (title, body, urgent) = (n.title.clone(), escape_markup(&n.body), n.urgent);
        let in_flight = Arc::clone(&self.in_flight);
        let spawned = std::thread::Builder::new()
            .name("warroom-notify".into())
            .spawn(move || {
                show_desktop(&title, &body, urgent);
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(_) => true,
            Err(e) => {
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                tracing::warn!("cannot start the notification thread: {e}");
                false
            }
        }
    }
}

/// A local graphical session we can reach over D-Bus: a session bus, a display, and not over SSH
/// (where the bus and display, if set at all, are usually not the user's screen).
fn has_desktop_session(set: &dyn Fn(&str) -> bool) -> bool {
    set("DBUS_SESSION_BUS_ADDRESS")
        && (set("DISPLAY") || set("WAYLAND_DISPLAY"))
        && !set("SSH_CONNECTION")
        && !set("SSH_TTY")
}

fn show_desktop(title: &str, body: &str, urgent: bool) {
    let mut n = notify_rust::Notification::new();
    n.appname("warroom").summary(title).body(body);
    if urgent {
        n.timeout(notify_rust::Timeout::Never);
    } else {
        n.timeout(DESKTOP_TIMEOUT);
    }
    #[cfg(not(target_os = "macos"))]
    n.urgency(if urgent {
        notify_rust::Urgency::Critical
    } else {
        notify_rust::Urgency::Normal
    });
    if let Err(e) = n.show() {
        tracing::warn!("desktop notification failed: {e}");
    }
}

/// Notification servers may read the body as markup (`<b>`, `<a href>`): show it as text.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The bytes for a terminal notification: a bell, then OSC 9 (iTerm2, Windows Terminal, WezTerm,
/// kitty, foot…) and OSC 777 (rxvt-unicode, VTE-based terminals). Terminals ignore the one they
/// do not know.
///
/// Under tmux (`tmux`) each OSC is wrapped in tmux's DCS passthrough so that it reaches the
/// outer terminal; tmux 3.3 and later pass it only with `set -g allow-passthrough on`, and drop
/// it otherwise. The bell is sent as it is: tmux handles bells itself.
pub fn terminal_bytes(n: &Notification, tmux: bool) -> Vec<u8> {
    let text = if n.body.is_empty() {
        osc_field(&n.title)
    } else {
        osc_field(&format!("{}: {}", n.title, n.body))
    };
    let osc9 = format!("\x1b]9;{text}\x07");
    let osc777 = format!(
        "\x1b]777;notify;{};{}\x07",
        osc_field(&n.title),
        osc_field(&n.body)
    );
    let mut out = vec![BEL];
    for osc in [osc9, osc777] {
        if tmux {
            out.extend(tmux_passthrough(osc.as_bytes()));
        } else {
            out.extend(osc.as_bytes());
        }
    }
    out
}

/// Text that cannot end or change an OSC sequence: no control characters (BEL, ESC, the C1
/// range with its 8-bit ST), no `;` (which separates fields, and starts ConEmu's OSC 9
/// sub-commands), and a capped length.
fn osc_field(s: &str) -> String {
    let cleaned: String = clean_line(s)
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == ';' { ',' } else { c })
        .collect();
    truncate(&cleaned, MAX_OSC_FIELD).into_owned()
}

/// `ESC P tmux ; <sequence with every ESC doubled> ESC \`.
pub(crate) fn tmux_passthrough(seq: &[u8]) -> Vec<u8> {
    let mut out = b"\x1bPtmux;".to_vec();
    for &b in seq {
        if b == ESC {
            out.push(ESC);
        }
        out.push(b);
    }
    out.extend(b"\x1b\\");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Hash, IncidentId, Status};
    use std::collections::HashMap;

    fn me() -> Author {
        Author("alice@laptop".into())
    }

    fn event_by(author: Author, body: EventBody) -> Event {
        Event {
            seq: 1,
            id: uuid::Uuid::nil(),
            schema: 1,
            recorded_at: chrono::Utc::now(),
            occurred_at: None,
            author,
            incident: IncidentId("INC-1".into()),
            body,
            dedup_key: None,
            prev_hash: Hash::GENESIS,
            hash: Hash::GENESIS,
        }
    }

    fn event(body: EventBody) -> Event {
        event_by(Author("bob@desk".into()), body)
    }

    fn sev(level: u8) -> Severity {
        Severity::new(level).expect("valid level")
    }

    fn notify(body: EventBody, previous: Option<Severity>, config: &NotifyConfig) -> Option<Notification> {
        notification_for(&event(body), previous, &me(), config, false)
    }

    fn raised(level: u8) -> EventBody {
        EventBody::SeverityChanged {
            severity: sev(level),
            reason: None,
        }
    }

    fn signal(severity: Option<&str>) -> EventBody {
        EventBody::Signal {
            source: "prometheus".into(),
            title: "db-01 down".into(),
            severity: severity.map(str::to_string),
            detail: serde_json::Value::Null,
        }
    }

    fn declared(drill: bool) -> EventBody {
        EventBody::IncidentDeclared {
            title: "Checkout errors".into(),
            severity: sev(2),
            summary: None,
            detected_at: None,
            drill,
        }
    }

    #[test]
    fn severity_raised_notifies_and_lowered_or_unknown_does_not() {
        let config = NotifyConfig::default();
        let n = notify(raised(1), Some(sev(3)), &config).expect("raised");
        assert_eq!(n.title, "INC-1 raised to SEV1");
        assert_eq!(n.body, "Severity → SEV1");
        assert!(n.urgent);
        assert!(!notify(raised(3), Some(sev(4)), &config).expect("raised").urgent);
        assert_eq!(notify(raised(3), Some(sev(1)), &config), None);
        assert_eq!(notify(raised(2), Some(sev(2)), &config), None);
        assert_eq!(notify(raised(1), None, &config), None);
    }

    #[test]
    fn own_events_never_notify() {
        let config = NotifyConfig {
            status_changed: true,
            decision: true,
            ..NotifyConfig::default()
        };
        for body in [raised(1), declared(false), signal(Some("CRITICAL"))] {
            let e = event_by(me(), body);
            assert_eq!(notification_for(&e, Some(sev(5)), &me(), &config, false), None);
        }
    }

    #[test]
    fn each_kind_notifies_as_configured() {
        let config = NotifyConfig::default();
        let paged = EventBody::ResponderPaged {
            person: "carol".into(),
            via: Some("pagerduty".into()),
        };
        // A page rings only for the person paged (whatever the case of the name).
        assert_eq!(
            notify(paged.clone(), None, &config),
            None,
            "carol's page, not alice's"
        );
        let paged_me = EventBody::ResponderPaged {
            person: "Alice".into(),
            via: Some("pagerduty".into()),
        };
        let n = notify(paged_me.clone(), None, &config).expect("paged");
        assert_eq!(n.title, "INC-1: you are paged");
        assert_eq!(n.body, "Paged Alice via pagerduty");
        assert!(n.urgent);

        let n = notify(declared(false), None, &config).expect("declared");
        assert_eq!(n.title, "INC-1 declared SEV2");
        assert_eq!(n.body, "Declared SEV2: Checkout errors");
        assert!(n.urgent);

        let n = notify(signal(None), None, &config).expect("signal");
        assert_eq!(n.title, "INC-1: signal from prometheus");
        assert_eq!(n.body, "[prometheus] db-01 down");

        let status = EventBody::StatusChanged {
            status: Status::Mitigated,
            reason: None,
        };
        let decision = EventBody::Decision {
            text: "roll back".into(),
            rationale: None,
        };
        let note = EventBody::Note { text: "hi".into() };
        assert_eq!(notify(status.clone(), None, &config), None);
        assert_eq!(notify(decision.clone(), None, &config), None);
        assert_eq!(notify(note.clone(), None, &config), None);

        let all = NotifyConfig {
            status_changed: true,
            decision: true,
            ..NotifyConfig::default()
        };
        assert_eq!(
            notify(status, None, &all).expect("status").title,
            "INC-1 is now mitigated"
        );
        assert_eq!(
            notify(decision, None, &all).expect("decision").body,
            "DECISION: roll back"
        );
        assert_eq!(notify(note, None, &all), None);

        let none = NotifyConfig {
            severity_raised: false,
            responder_paged: false,
            incident_declared: false,
            signal: false,
            ..NotifyConfig::default()
        };
        assert_eq!(notify(raised(1), Some(sev(3)), &none), None);
        assert_eq!(notify(paged_me, None, &none), None);
        assert_eq!(notify(declared(false), None, &none), None);
        assert_eq!(notify(signal(Some("CRITICAL")), None, &none), None);
    }

    #[test]
    fn critical_and_high_signals_are_urgent() {
        let config = NotifyConfig::default();
        for (severity, urgent) in [
            (Some("CRITICAL"), true),
            (Some("high"), true),
            (Some("warning"), false),
            (None, false),
        ] {
            let n = notify(signal(severity), None, &config).expect("signal");
            assert_eq!(n.urgent, urgent, "{severity:?}");
        }
    }

    #[test]
    fn drills_are_marked() {
        let config = NotifyConfig::default();
        let e = event(raised(1));
        let n = notification_for(&e, Some(sev(2)), &me(), &config, true).expect("raised");
        assert_eq!(n.title, "[DRILL] INC-1 raised to SEV1");
        let n = notify(declared(true), None, &config).expect("declared drill");
        assert!(n.title.starts_with("[DRILL] "), "{}", n.title);
        let n = notify(declared(false), None, &config).expect("declared");
        assert!(!n.title.contains("DRILL"), "{}", n.title);
    }

    #[test]
    fn notification_text_is_cleaned_and_cut() {
        let body = EventBody::Signal {
            source: "evil\x1b]0;pwned\x07".into(),
            title: "x".repeat(500),
            severity: None,
            detail: serde_json::Value::Null,
        };
        let n = notify(body, None, &NotifyConfig::default()).expect("signal");
        assert!(!n.title.contains(|c: char| c.is_control()), "{:?}", n.title);
        assert!(!n.title.contains("pwned"));
        assert_eq!(n.body.chars().count(), MAX_TEXT);
        assert!(n.body.ends_with('…'));
    }

    #[test]
    fn config_defaults_and_table() {
        let c: NotifyConfig = toml::from_str("decision = true\ndesktop = false\n").expect("parses");
        assert_eq!(
            c,
            NotifyConfig {
                decision: true,
                desktop: false,
                ..NotifyConfig::default()
            }
        );
        assert!(toml::from_str::<NotifyConfig>("bell = true\n").is_err());
    }

    fn plain(title: &str, body: &str) -> Notification {
        Notification {
            title: title.into(),
            body: body.into(),
            urgent: false,
        }
    }

    fn count(bytes: &[u8], b: u8) -> usize {
        bytes.iter().filter(|&&x| x == b).count()
    }

    #[test]
    fn terminal_bytes_for_a_simple_notification() {
        let out = terminal_bytes(&plain("INC-1 raised to SEV1", "Severity now SEV1"), false);
        assert_eq!(
            out,
            b"\x07\x1b]9;INC-1 raised to SEV1: Severity now SEV1\x07\
              \x1b]777;notify;INC-1 raised to SEV1;Severity now SEV1\x07"
                .to_vec()
        );
    }

    #[test]
    fn malicious_text_cannot_break_out_of_the_sequence() {
        let evil = "a\x07b\x1b]0;x\x07c\u{9c}d;e";
        let out = terminal_bytes(&plain(evil, evil), false);
        // The bell and the two OSC terminators; the two OSC introducers.
        assert_eq!(count(&out, BEL), 3);
        assert_eq!(count(&out, ESC), 2);
        assert!(!out.windows(2).any(|w| w == "\u{9c}".as_bytes()));
        let text = String::from_utf8(out).expect("utf-8");
        // `;` only where we put it: OSC 9's one, OSC 777's three.
        assert_eq!(text.matches(';').count(), 4);
        assert!(text.contains("]777;notify;a bc d,e;a bc d,e\x07"), "{text:?}");

        let long = terminal_bytes(&plain(&"y".repeat(1000), ""), false);
        let chars = String::from_utf8(long).expect("utf-8").chars().count();
        // BEL, `ESC ] 9 ;` + 200 + BEL, `ESC ] 777 ; notify ;` + 200 + `;` + BEL.
        assert_eq!(chars, 1 + (4 + MAX_OSC_FIELD + 1) + (13 + MAX_OSC_FIELD + 2));
    }

    #[test]
    fn under_tmux_each_osc_is_wrapped_and_its_escapes_doubled() {
        let out = terminal_bytes(&plain("t", "b"), true);
        assert_eq!(
            out,
            b"\x07\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\\x1bPtmux;\x1b\x1b]777;notify;t;b\x07\x1b\\".to_vec()
        );
        assert_eq!(
            tmux_passthrough(b"\x1b]9;x\x1b\\"),
            b"\x1bPtmux;\x1b\x1b]9;x\x1b\x1b\\\x1b\\".to_vec()
        );
    }

    fn notifier(vars: &[(&str, &str)], config: NotifyConfig) -> Notifier {
        let env: HashMap<String, OsString> = vars.iter().map(|(k, v)| (k.to_string(), v.into())).collect();
        Notifier::with_env(config, move |k| env.get(k).cloned())
    }

    const DESKTOP: [(&str, &str); 2] = [
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus"),
        ("WAYLAND_DISPLAY", "wayland-0"),
    ];

    #[test]
    fn desktop_detection_from_the_environment() {
        let d = NotifyConfig::default;
        assert!(notifier(&DESKTOP, d()).desktop_available());
        assert!(notifier(&[DESKTOP[0], ("DISPLAY", ":0")], d()).desktop_available());
        assert!(!notifier(&[DESKTOP[1]], d()).desktop_available(), "no bus");
        assert!(!notifier(&[DESKTOP[0]], d()).desktop_available(), "no display");
        assert!(!notifier(&[("DBUS_SESSION_BUS_ADDRESS", ""), DESKTOP[1]], d()).desktop_available());
        for ssh in ["SSH_CONNECTION", "SSH_TTY"] {
            let vars = [DESKTOP[0], DESKTOP[1], (ssh, "x")];
            assert!(!notifier(&vars, d()).desktop_available(), "{ssh}");
        }
        let off = NotifyConfig {
            desktop: false,
            ..d()
        };
        assert!(!notifier(&DESKTOP, off).desktop_available());
    }

    #[test]
    fn without_a_desktop_send_returns_terminal_bytes() {
        let n = plain("t", "b");
        let ssh = notifier(&[("SSH_TTY", "/dev/pts/1")], NotifyConfig::default());
        assert_eq!(ssh.send(&n), Some(terminal_bytes(&n, false)));
        let tmux = notifier(&[("TMUX", "/tmp/tmux-0/default,1,0")], NotifyConfig::default());
        assert_eq!(tmux.send(&n), Some(terminal_bytes(&n, true)));
        let quiet = NotifyConfig {
            terminal: false,
            ..NotifyConfig::default()
        };
        assert_eq!(notifier(&[], quiet).send(&n), None);
    }

    #[test]
    fn desktop_bodies_are_not_markup() {
        assert_eq!(
            escape_markup("<a href=\"x\">&</a>"),
            "&lt;a href=\"x\"&gt;&amp;&lt;/a&gt;"
        );
    }
}
