//! The console's update, key by key: `App` driven by messages, its effects checked.

use super::*;
use crate::sources::securityhub::Workflow;
use crate::timeline::Hash;
use crate::timeline::Severity;
use crate::timeline::store::RawEvent;
use crate::tui::refs::Detail;
use crate::tui::sources_ui::{FindingSort, List, SourceTab};
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 14, 0, 0)
        .single()
        .expect("valid")
}

struct Harness {
    app: App,
    seq: u64,
    prev: Hash,
}

impl Harness {
    fn new(read_only: bool) -> Harness {
        let opts = Options {
            read_only,
            ..Options::new("maria@jump-01", "test.db")
        };
        let app = App::builder(opts).counted_ids().build().expect("app");
        Harness {
            app,
            seq: 0,
            prev: Hash::GENESIS,
        }
    }

    /// What the store would send back for these events.
    fn store(&mut self, events: &[NewEvent]) -> Vec<Effect> {
        let mut fx = Vec::new();
        for e in events {
            self.seq += 1;
            let raw = RawEvent::place(e, self.seq, self.prev);
            self.prev = raw.hash;
            fx.extend(self.app.update(Msg::Stored(Box::new(raw.decode())), now()));
        }
        fx
    }

    fn with_sample() -> Harness {
        let mut h = Harness::new(false);
        let id = IncidentId("INC-1".into());
        let events = crate::demo::sample_events(&id, now());
        h.store(&events);
        h.app.start();
        h
    }

    fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now())
    }

    fn ctrl(&mut self, c: char) -> Vec<Effect> {
        self.app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
            now(),
        )
    }

    fn typed(&mut self, s: &str) -> Vec<Effect> {
        s.chars().flat_map(|c| self.key(KeyCode::Char(c))).collect()
    }

    /// The message under the panes ("" when there is none).
    fn said(&self) -> &str {
        self.app.panes.flash.as_ref().map_or("", |f| f.text.as_str())
    }

    fn palette(&mut self, line: &str) -> Vec<Effect> {
        self.key(KeyCode::Char(':'));
        self.typed(line);
        self.key(KeyCode::Enter)
    }
}

fn appended(fx: Vec<Effect>) -> Vec<NewEvent> {
    fx.into_iter()
        .flat_map(|f| match f {
            Effect::Append(e) => e,
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_note_is_appended_and_shows_only_when_the_store_returns_it() {
    let mut h = Harness::with_sample();
    let notes_before = h.app.incident().map(|i| i.notes().count());
    h.key(KeyCode::Char('n'));
    assert!(matches!(h.app.mode, Mode::Editor(_)));
    h.typed("db-02 is primary now");
    let events = appended(h.ctrl('s'));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].body,
        EventBody::Note {
            text: "db-02 is primary now".into()
        }
    );
    assert_eq!(events[0].author, Author("maria@jump-01".into()));
    assert_eq!(h.app.session.pending, 1);
    // not yet on screen: the state is what the store holds
    assert_eq!(h.app.incident().map(|i| i.notes().count()), notes_before);
    h.store(&events);
    h.app.update(Msg::Saved(1), now());
    assert_eq!(
        h.app.incident().map(|i| i.notes().count()),
        notes_before.map(|n| n + 1)
    );
    assert_eq!(h.app.session.pending, 0);
}

fn at(seconds: i64) -> DateTime<Utc> {
    now() + Duration::seconds(seconds)
}

/// `who` moved INC-1 to `status`.
fn status_by(who: &str, status: Status) -> NewEvent {
    by(who, "INC-1", EventBody::StatusChanged { status, reason: None })
}

fn by(who: &str, incident: &str, body: EventBody) -> NewEvent {
    NewEvent::new(
        IncidentId(incident.into()),
        Author(format!("{who}@jump-02")),
        body,
    )
}

/// Another process declares an incident: as the same Unix user (same author), or not.
fn declared_elsewhere(h: &mut Harness, id: &str, severity: u8, author: &str) {
    let e = NewEvent::new(
        IncidentId(id.into()),
        Author(author.into()),
        EventBody::IncidentDeclared {
            title: format!("{id} elsewhere"),
            severity: Severity::new(severity).expect("valid"),
            summary: None,
            detected_at: None,
            drill: false,
        },
    );
    h.store(&[e]);
}

#[test]
fn a_draft_stays_with_its_incident_when_the_same_user_declares_another_elsewhere() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('n'));
    h.typed("pool size raised on db-02");
    // the same Unix user, in another process: the same author as this console
    declared_elsewhere(&mut h, "INC-2", 1, "maria@jump-01");
    assert_eq!(
        h.app.panes.current,
        Some(IncidentId("INC-1".into())),
        "no switch under a modal"
    );
    assert!(matches!(h.app.mode, Mode::Editor(_)), "the editor is still open");
    let events = appended(h.ctrl('s'));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].incident,
        IncidentId("INC-1".into()),
        "filed where it was written"
    );
    // and with no modal open, still no switch: only the declaring console switches
    declared_elsewhere(&mut h, "INC-3", 2, "maria@jump-01");
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-1".into())));
    let badge = h.app.view().new_incident_badge().map(|(i, _)| i.id.to_string());
    assert_eq!(
        badge.as_deref(),
        Some("INC-2"),
        "the worst new one is on the badge"
    );
    // the picker: worst severity first, then the newest
    h.key(KeyCode::Char('i'));
    let order: Vec<String> = h
        .app
        .picker_incidents()
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    assert_eq!(order[0], "INC-2", "{order:?}");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-2".into())));
    assert_eq!(
        h.app
            .view()
            .new_incident_badge()
            .map(|(i, _)| i.id.to_string())
            .as_deref(),
        Some("INC-3")
    );
}

#[test]
fn the_console_that_declares_switches_to_its_incident() {
    let mut h = Harness::with_sample();
    let events = appended(h.palette("declare 2 Card auth failing"));
    let mut other = Harness::with_sample(); // the same user's second console
    other.seq = h.seq;
    other.prev = h.prev;
    h.store(&events);
    other.store(&events);
    assert_eq!(h.app.panes.current.as_ref(), Some(&events[0].incident));
    assert_eq!(other.app.panes.current, Some(IncidentId("INC-1".into())));
    assert!(other.app.view().new_incident_badge().is_some());
}

#[test]
fn a_confirmation_answered_after_someone_else_changed_the_state_asks_again() {
    let mut h = Harness::with_sample();
    h.store(&[status_by("kenji", Status::Active)]);
    let before = h.app.incident().map(Incident::status).expect("an incident");
    h.key(KeyCode::Char('s')); // active → mitigated?
    let Mode::Confirm(c) = &h.app.mode else {
        panic!("asks")
    };
    let Intent::Status { to, .. } = c.intent.clone() else {
        panic!("a status")
    };
    assert_ne!(to, before);
    h.store(&[status_by("priya", Status::Resolved)]);
    let yes = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(
        appended(h.app.update(Msg::Key(yes), at(30))).is_empty(),
        "no silent reopen"
    );
    let Mode::Confirm(again) = &h.app.mode else {
        panic!("asks again")
    };
    assert!(again.prompt.contains("RESOLVED by priya"), "{}", again.prompt);
    assert!(again.prompt.contains("reopens"), "{}", again.prompt);
    let events = appended(h.app.update(Msg::Key(yes), at(45)));
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0].body, EventBody::StatusChanged { status, .. } if status == to));
    assert_eq!(events[0].recorded_at, at(45), "stamped when confirmed");
}

/// Issue 25, step 1: whatever builds an event — a key, a palette command, a declaration,
/// a source's signal — it leaves `update` stamped with `update`'s now and an id of the
/// app's `IdSource`, never the clock's or a random one.
#[test]
fn every_appended_event_is_stamped_with_updates_now_and_the_id_source() {
    let t = at(4242);
    let mut h = with_sources(false);
    let mut sent: Vec<NewEvent> = Vec::new();
    let mut run = |h: &mut Harness, msg: Msg| sent.extend(appended(h.app.update(msg, t)));
    let key = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    for c in "ndb-02 is primary".chars() {
        run(&mut h, key(c));
    }
    run(
        &mut h,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    for line in [
        "declare 2 Payments down",
        "page sam phone",
        "sev 3",
        "status resolved",
    ] {
        run(&mut h, key(':'));
        for c in line.chars() {
            run(&mut h, key(c));
        }
        run(
            &mut h,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        if matches!(h.app.mode, Mode::Confirm(_)) {
            run(&mut h, key('y'));
        }
    }
    // A source's answer with findings the detector has not seen: signals.
    let mut findings = fixture_findings();
    for f in &mut findings {
        f.id.push_str("-new");
    }
    run(&mut h, hub_answer(findings, t));
    let kinds: std::collections::BTreeSet<&str> = sent.iter().map(|e| e.body.kind()).collect();
    for kind in [
        "note",
        "incident.declared",
        "checklist.added",
        "responder.paged",
        "severity.changed",
        "status.changed",
        "signal",
    ] {
        assert!(kinds.contains(kind), "{kind} among {kinds:?}");
    }
    for e in &sent {
        assert_eq!(e.recorded_at, t, "{} stamped by update", e.body.kind());
        assert!(
            e.id.as_u128() < 1_000,
            "{} has an id of the IdSource: {}",
            e.body.kind(),
            e.id
        );
    }
    let mut ids: Vec<u128> = sent.iter().map(|e| e.id.as_u128()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), sent.len(), "each its own id");
}

/// Issue 24, item 1: the yes carries what it was decided on, and the store's refusal
/// (another console's change committed first) comes back as the question asked again.
#[test]
fn a_change_refused_by_the_store_is_asked_again_once_the_winner_is_seen() {
    let mut h = Harness::with_sample();
    h.store(&[status_by("kenji", Status::Active)]);
    let seen = h.app.model.projection.last_seq;
    h.key(KeyCode::Char('s'));
    let events = appended(h.key(KeyCode::Char('y')));
    assert_eq!(events.len(), 1);
    let cond = events[0].unchanged.clone().expect("conditional");
    assert_eq!(cond.since, seen);
    assert!(cond.kinds.contains(&"status.changed"));
    // Meanwhile priya resolved it; her event won the lock, ours is refused.
    let priya = status_by("priya", Status::Resolved);
    let refused = Msg::Refused {
        events: events.clone(),
        seq: seen + 1,
        detail: "changed".into(),
    };
    h.app.update(refused, at(5));
    assert_eq!(h.app.session.pending, 0);
    assert!(h.app.mode.is_normal(), "waits until it has seen the change");
    h.store(&[priya]);
    let Mode::Confirm(again) = &h.app.mode else {
        panic!("asks again")
    };
    assert!(again.prompt.contains("RESOLVED by priya"), "{}", again.prompt);
    assert!(again.prompt.contains("reopens"), "{}", again.prompt);
    let yes = appended(h.key(KeyCode::Char('y')));
    assert_eq!(yes.len(), 1);
    assert_eq!(yes[0].unchanged.as_ref().map(|c| c.since), Some(seen + 1));
}

/// Two responders taking a vacant command at once: the one the store refuses is asked.
#[test]
fn taking_a_vacant_command_that_someone_took_first_asks_again() {
    let mut h = Harness::with_sample();
    let ic = h
        .app
        .incident()
        .and_then(Incident::commander)
        .expect("an IC")
        .to_string();
    let release = EventBody::RoleReleased {
        role: Role::Commander,
        person: ic,
    };
    h.store(&[by("kenji", "INC-1", release)]);
    let events = appended(h.palette("role commander sam"));
    assert_eq!(events.len(), 1, "vacant: taken without asking");
    assert!(
        events[0].unchanged.is_some(),
        "but on the condition that it is still vacant"
    );
    let lena = EventBody::RoleAssigned {
        role: Role::Commander,
        person: "lena".into(),
    };
    h.store(&[by("priya", "INC-1", lena)]);
    let seq = h.app.model.projection.last_seq;
    h.app.update(
        Msg::Refused {
            events,
            seq,
            detail: "changed".into(),
        },
        at(2),
    );
    let Mode::Confirm(c) = &h.app.mode else {
        panic!("asks again: {:?}", h.app.panes.flash)
    };
    assert!(c.prompt.contains("lena is IC now"), "{}", c.prompt);
}

/// Issue 24, item 2: `:role commander X` over a sitting commander is a handoff, asked.
#[test]
fn replacing_the_commander_asks_and_records_a_handoff() {
    let mut h = Harness::with_sample();
    let ic = h
        .app
        .incident()
        .and_then(Incident::commander)
        .expect("an IC")
        .to_string();
    let fx = h.palette("role commander sam");
    assert!(appended(fx).is_empty(), "asks first");
    let Mode::Confirm(c) = &h.app.mode else {
        panic!("asks")
    };
    assert!(c.prompt.contains(&format!("{ic} is IC")), "{}", c.prompt);
    let events = appended(h.key(KeyCode::Char('y')));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].body,
        EventBody::Handoff {
            from: ic.clone(),
            to: "sam".into(),
            briefing: Briefing::default()
        }
    );
    assert!(
        events[0]
            .unchanged
            .as_ref()
            .is_some_and(|c| c.kinds.contains(&"handoff"))
    );
    // A handoff's briefing is written for the commander when the editor opened; if command
    // moves meanwhile, the store refuses it and the briefing is kept as a draft.
    // lena is new to this incident: asked about first (a typo would make a ghost commander).
    h.palette("handoff lena");
    assert!(
        matches!(&h.app.mode, Mode::Confirm(c) if c.prompt == "lena is not on the roster — bring them in?")
    );
    h.key(KeyCode::Char('y'));
    assert!(
        matches!(&h.app.mode, Mode::Editor(e) if e.kind == EditorKind::Handoff { to: "lena".into(), from: ic.clone() })
    );
    h.typed("check the db");
    let events = appended(h.ctrl('s'));
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0].body, EventBody::Handoff { from, .. } if *from == ic));
    h.store(&[by(
        "alex",
        "INC-1",
        EventBody::Handoff {
            from: ic.clone(),
            to: "alex".into(),
            briefing: Briefing::default(),
        },
    )]);
    let seq = h.app.model.projection.last_seq;
    h.app.update(
        Msg::Refused {
            events,
            seq,
            detail: "changed".into(),
        },
        at(5),
    );
    assert!(h.said().contains("kept as a draft"));
    h.palette("handoff lena");
    h.key(KeyCode::Char('y'));
    let Mode::Editor(e) = &h.app.mode else {
        panic!("the editor")
    };
    assert_eq!(
        e.kind,
        EditorKind::Handoff {
            to: "lena".into(),
            from: "alex".into()
        }
    );
    assert!(e.text().contains("check the db"), "{}", e.text());
}

#[test]
fn plus_and_minus_apply_to_the_severity_at_confirmation() {
    let mut h = Harness::with_sample();
    h.store(&[by(
        "kenji",
        "INC-1",
        EventBody::SeverityChanged {
            severity: Severity::new(3).expect("valid"),
            reason: None,
        },
    )]);
    h.key(KeyCode::Char('+')); // SEV3 → SEV2?
    h.store(&[by(
        "kenji",
        "INC-1",
        EventBody::SeverityChanged {
            severity: Severity::new(1).expect("valid"),
            reason: None,
        },
    )]);
    assert!(appended(h.key(KeyCode::Char('y'))).is_empty());
    let Mode::Confirm(c) = &h.app.mode else {
        panic!("asks again")
    };
    assert!(c.prompt.contains("SEV1 by kenji"), "{}", c.prompt);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('-')); // SEV1 → SEV2?
    h.store(&[by(
        "kenji",
        "INC-1",
        EventBody::SeverityChanged {
            severity: Severity::new(4).expect("valid"),
            reason: None,
        },
    )]);
    h.key(KeyCode::Char('y'));
    let events = appended(h.key(KeyCode::Char('y')));
    assert!(
        matches!(events[0].body, EventBody::SeverityChanged { severity, .. } if severity.level() == 5),
        "one step down from SEV4, the severity when confirmed: {:?}",
        events[0].body
    );
}

#[test]
fn releasing_a_role_someone_else_took_meanwhile_releases_nothing() {
    let mut h = Harness::with_sample();
    h.palette("role comms priya");
    h.store(&[by(
        "maria",
        "INC-1",
        EventBody::RoleAssigned {
            role: crate::timeline::Role::Comms,
            person: "priya".into(),
        },
    )]);
    h.palette("release comms");
    h.store(&[by(
        "kenji",
        "INC-1",
        EventBody::RoleAssigned {
            role: crate::timeline::Role::Comms,
            person: "kenji".into(),
        },
    )]);
    assert!(appended(h.key(KeyCode::Char('y'))).is_empty(), "kenji keeps it");
    let said = h.said().to_string();
    assert!(said.contains("now held by kenji"), "{said}");
}

#[test]
fn palette_severity_status_and_drill_end_ask_as_their_keys_do() {
    let mut h = Harness::with_sample();
    assert!(appended(h.palette("sev 2")).is_empty());
    assert!(
        matches!(&h.app.mode, Mode::Confirm(c) if c.intent == Intent::Severity(Severity::new(2).expect("valid")))
    );
    h.key(KeyCode::Esc);
    assert!(appended(h.palette("status active")).is_empty());
    assert!(matches!(h.app.mode, Mode::Confirm(_)));
    h.key(KeyCode::Esc);
    // `-1` is no severity (it used to be read as SEV1)
    assert!(appended(h.palette("sev -1")).is_empty());
    assert!(matches!(&h.app.mode, Mode::Palette { error: Some(e), .. } if e.contains("-1")));
}

#[test]
fn escape_with_text_asks_and_ctrl_c_in_a_field_never_quits() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('n'));
    h.typed("half a thought");
    h.key(KeyCode::Esc);
    assert!(matches!(&h.app.mode, Mode::Editor(e) if e.closing), "asks");
    h.key(KeyCode::Esc); // a reflex: back to writing, nothing lost
    assert!(matches!(&h.app.mode, Mode::Editor(e) if !e.closing && e.text() == "half a thought"));
    assert!(
        !h.ctrl('c').iter().any(|f| matches!(f, Effect::Quit)),
        "ctrl-c in the editor"
    );
    assert!(matches!(&h.app.mode, Mode::Editor(e) if e.closing));
    h.key(KeyCode::Char('y')); // keep it as a draft
    assert!(h.app.mode.is_normal());
    h.key(KeyCode::Char('n'));
    assert!(
        matches!(&h.app.mode, Mode::Editor(e) if e.text() == "half a thought"),
        "the draft"
    );
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char('n'));
    assert!(
        matches!(&h.app.mode, Mode::Editor(e) if e.text().is_empty()),
        "discarded"
    );
    h.key(KeyCode::Esc);
    assert!(h.app.mode.is_normal(), "nothing written: Esc just closes");
    h.key(KeyCode::Char(':'));
    assert!(h.ctrl('c').is_empty());
    assert!(h.app.mode.is_normal(), "ctrl-c cancels the palette");
    assert!(
        matches!(h.ctrl('c').as_slice(), [Effect::Quit]),
        "ctrl-c on the panes leaves"
    );
}

#[test]
fn remapped_overlay_and_editor_keys_answer_and_save() {
    let mut h = Harness::with_sample();
    let text = "[keys]\nyes = \"o\"\nsave = \"f2\"\n";
    let all: toml::Table = toml::from_str(text).expect("toml");
    let keys = all["keys"].as_table().expect("keys");
    h.app.cx.keymap = Keymap::with_overrides(keys, "c.toml", text).expect("valid");
    h.key(KeyCode::Char('s'));
    assert!(matches!(h.app.mode, Mode::Confirm(_)));
    assert!(h.key(KeyCode::Char('y')).is_empty(), "y is no longer yes");
    assert!(matches!(h.app.mode, Mode::Confirm(_)));
    let status = appended(h.key(KeyCode::Char('o')));
    assert!(
        matches!(status[0].body, EventBody::StatusChanged { .. }),
        "{status:?}"
    );
    h.key(KeyCode::Char('n'));
    h.typed("ctrl-s is just typing now");
    assert!(appended(h.ctrl('s')).is_empty());
    let note = appended(h.key(KeyCode::F(2)));
    assert!(matches!(&note[0].body, EventBody::Note { text } if text == "ctrl-s is just typing now"));
}

#[test]
fn a_status_update_with_the_templates_placeholders_is_refused() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('u'));
    assert!(appended(h.ctrl('s')).is_empty());
    assert!(matches!(h.app.mode, Mode::Editor(_)));
    assert!(h.said().contains("<what customers see>"));
}

#[test]
fn quitting_waits_for_saves_in_flight() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('n'));
    h.typed("last words");
    let events = appended(h.ctrl('s'));
    assert_eq!(h.app.session.pending, 1);
    assert!(h.key(KeyCode::Char('q')).is_empty(), "does not leave yet");
    assert!(matches!(h.app.mode, Mode::Leaving(_)));
    h.store(&events);
    let fx = h.app.update(Msg::Saved(1), now());
    assert!(fx.iter().any(|f| matches!(f, Effect::Quit)), "leaves once saved");
}

#[test]
fn risky_actions_ask_first() {
    let mut h = Harness::with_sample();
    assert!(appended(h.key(KeyCode::Char('-'))).is_empty());
    assert!(matches!(h.app.mode, Mode::Confirm(_)));
    let events = appended(h.key(KeyCode::Char('y')));
    assert!(matches!(events[0].body, EventBody::SeverityChanged { severity, .. } if severity.level() == 2));
    // no to resolve
    h.key(KeyCode::Char('R'));
    assert!(appended(h.key(KeyCode::Char('n'))).is_empty());
    assert!(matches!(h.app.mode, Mode::Normal));
    h.key(KeyCode::Char('s'));
    let events = appended(h.key(KeyCode::Char('y')));
    assert!(matches!(
        events[0].body,
        EventBody::StatusChanged {
            status: Status::Resolved,
            ..
        }
    ));
}

#[test]
fn palette_commands_become_events() {
    let mut h = Harness::with_sample();
    let e = appended(h.palette("role comms priya"));
    assert_eq!(
        e[0].body,
        EventBody::RoleAssigned {
            role: crate::timeline::Role::Comms,
            person: "priya".into()
        }
    );
    let e = appended(h.palette("page sam phone"));
    assert_eq!(
        e[0].body,
        EventBody::ResponderPaged {
            person: "sam".into(),
            via: Some("phone".into())
        }
    );
    let e = appended(h.palette("check all-clear"));
    assert_eq!(
        e[0].body,
        EventBody::ChecklistChecked {
            item: "generic/all-clear".into()
        }
    );
    let e = appended(h.palette("ack"));
    assert_eq!(
        e[0].body,
        EventBody::ResponderAcknowledged {
            person: "maria".into()
        }
    );
    // a mistake keeps the palette open with the reason
    assert!(appended(h.palette("sev 7")).is_empty());
    assert!(matches!(&h.app.mode, Mode::Palette { error: Some(e), .. } if e.contains("1 to 5")));
}

#[test]
fn a_stranger_is_asked_about_and_a_known_name_matches_any_case() {
    let mut h = Harness::with_sample();
    // Priya is priya: no question, and the event spells her as the roster does.
    let e = appended(h.palette("role comms Priya"));
    assert_eq!(
        e[0].body,
        EventBody::RoleAssigned {
            role: Role::Comms,
            person: "priya".into()
        }
    );
    // A typo is a stranger: asked about, nothing written until yes.
    assert!(appended(h.palette("page prya")).is_empty());
    assert!(
        matches!(&h.app.mode, Mode::Confirm(c) if c.prompt == "prya is not on the roster — bring them in?")
    );
    h.key(KeyCode::Esc);
    assert!(h.app.mode.is_normal());
    // A name with a space, in quotes; yes brings them in.
    assert!(appended(h.palette("role scribe \"Ana Lima\"")).is_empty());
    let e = appended(h.key(KeyCode::Char('y')));
    assert_eq!(
        e[0].body,
        EventBody::RoleAssigned {
            role: Role::Scribe,
            person: "Ana Lima".into()
        }
    );
    // A role nobody has held here is asked about too; one held before is not.
    assert!(appended(h.palette("role comm kenji")).is_empty());
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.starts_with("`comm` is not a role here")));
    let e = appended(h.key(KeyCode::Char('y')));
    assert_eq!(
        e[0].body,
        EventBody::RoleAssigned {
            role: Role::from("comm"),
            person: "kenji".into()
        }
    );
    h.store(&[by("kenji", "INC-1", e[0].body.clone())]);
    assert!(!appended(h.palette("role comm priya")).is_empty());
    // Leaving is for someone on the roster.
    assert!(appended(h.palette("leave nobody")).is_empty());
    assert_eq!(h.said(), "nobody is not on the roster.");
}

#[test]
fn checklist_items_toggle_from_the_checklist_pane() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('3'));
    // the first item (assign-ic) is checked in the sample: toggling unchecks it
    let e = appended(h.key(KeyCode::Char(' ')));
    assert_eq!(
        e[0].body,
        EventBody::ChecklistUnchecked {
            item: "generic/assign-ic".into()
        }
    );
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    let e = appended(h.key(KeyCode::Char('x')));
    // items 0..3 of the sample are assign-ic, set-severity, assign-scribe, scope-impact
    assert_eq!(
        e[0].body,
        EventBody::ChecklistUnchecked {
            item: "generic/scope-impact".into()
        }
    );
}

#[test]
fn a_read_only_console_writes_nothing() {
    let mut h = Harness::new(true);
    h.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
    h.app.start();
    for c in ['n', 'd', 'u', '+', '-', 's', 'R', 'x', 'D'] {
        let fx = h.key(KeyCode::Char(c));
        assert!(appended(fx).is_empty(), "{c}");
        assert!(!matches!(h.app.mode, Mode::Editor(_) | Mode::Confirm(_)), "{c}");
    }
    assert!(appended(h.palette("note sneaky")).is_empty());
    assert!(h.said().contains("Read-only"));
}

#[test]
fn others_raising_severity_notifies_but_my_own_actions_do_not() {
    let mut h = Harness::with_sample();
    let id = IncidentId("INC-1".into());
    let mine = NewEvent::new(
        id.clone(),
        Author("maria@jump-01".into()),
        EventBody::SeverityChanged {
            severity: Severity::new(2).expect("valid"),
            reason: None,
        },
    );
    assert!(!h.store(&[mine]).iter().any(|f| matches!(f, Effect::Notify(_))));
    let theirs = NewEvent::new(
        id,
        Author("kenji@jump-02".into()),
        EventBody::SeverityChanged {
            severity: Severity::WORST,
            reason: None,
        },
    );
    assert!(h.store(&[theirs]).iter().any(|f| matches!(f, Effect::Notify(_))));
}

#[test]
fn several_open_incidents_open_on_the_worst_and_none_offers_to_declare() {
    let mut h = Harness::new(false);
    for n in 0..2 {
        let id = IncidentId(format!("INC-{n}"));
        h.store(&crate::demo::sample_events(&id, now()));
    }
    // A third, quieter one: SEV4 (the samples are SEV1 once raised).
    let mut quiet = by(
        "kenji",
        "INC-9",
        EventBody::IncidentDeclared {
            title: "Slow reports".into(),
            severity: Severity::new(4).expect("valid"),
            summary: None,
            detected_at: None,
            drill: false,
        },
    );
    quiet.recorded_at = now() + Duration::minutes(5);
    h.store(&[quiet]);
    h.app.start();
    // Opened where the action is: the worst (not the quiet one, however recent), then the most
    // recently active (the samples tie: the newer). The others wait on the badge, with a count.
    assert!(h.app.mode.is_normal());
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-1".into())));
    let badge = h
        .app
        .view()
        .new_incident_badge()
        .map(|(i, more)| (i.id.to_string(), more));
    assert_eq!(badge, Some(("INC-0".to_string(), 1)));
    h.key(KeyCode::Char('i'));
    assert!(matches!(h.app.mode, Mode::Picker { .. }));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-0".into())));

    let mut empty = Harness::new(false);
    empty.app.start();
    assert!(empty.app.panes.current.is_none());
    let e = appended(empty.palette("declare 1 Database on fire"));
    assert_eq!(e.len(), 2, "declaration and checklist");
    empty.store(&e);
    assert_eq!(
        empty.app.incident().map(|i| i.title.as_str()),
        Some("Database on fire")
    );
}

#[test]
fn the_filter_narrows_the_timeline_as_you_type() {
    let mut h = Harness::with_sample();
    let all = h.app.feed().map(Feed::len);
    h.key(KeyCode::Char('&'));
    h.typed("kind:decision");
    assert_eq!(h.app.feed().map(Feed::len), Some(1));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.feed().map(Feed::len), all);
}

#[test]
fn esc_in_a_filtered_pane_clears_its_filter() {
    let mut h = Harness::with_sample();
    let all = h.app.feed().map(Feed::len);
    h.key(KeyCode::Char('&'));
    h.typed("-people");
    h.key(KeyCode::Enter);
    let machines = h.app.feed().map(Feed::len);
    assert!(machines < all, "{machines:?} of {all:?}");
    assert!(h.app.view().key_scopes().contains(&Scope::Filtered));
    // esc ends a search first, then clears the filter.
    h.key(KeyCode::Char('/'));
    h.typed("splunk");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc);
    assert!(h.app.panes.timeline.search.is_none());
    assert_eq!(h.app.feed().map(Feed::len), machines);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.feed().map(Feed::len), all);
    assert!(h.said().starts_with("Filter cleared"));
    assert!(!h.app.view().key_scopes().contains(&Scope::Filtered));
}

#[test]
fn moving_up_stops_following_and_bottom_resumes() {
    let mut h = Harness::with_sample();
    h.app.panes.size = (160, 48);
    let len = h.app.feed().map_or(0, Feed::len);
    h.key(KeyCode::Char('k'));
    assert!(!h.app.panes.timeline.follow);
    assert_eq!(h.app.panes.timeline.cursor, len - 2);
    // new events keep the reader's place: the cursor stays on its row
    let id = IncidentId("INC-1".into());
    h.store(&[NewEvent::new(
        id,
        Author("kenji@jump-02".into()),
        EventBody::Note { text: "x".into() },
    )]);
    assert_eq!(h.app.panes.timeline.cursor, len - 2);
    h.key(KeyCode::Char('G'));
    assert!(h.app.panes.timeline.follow);
    // down onto the newest row follows again
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char('j'));
    assert!(!h.app.panes.timeline.follow);
    h.key(KeyCode::Char('j'));
    assert!(h.app.panes.timeline.follow);
}

#[test]
fn the_handoff_briefing_is_read_back_from_its_template() {
    let b = parse_briefing(
        "Status: SEV1 mitigated\nHypotheses open:\n- pool size\nHypotheses ruled out:\n- network\n- dns\nLast customer update: 13:25 recovering\nNext steps:\n- confirm\n",
    );
    assert_eq!(b.status, "SEV1 mitigated");
    assert_eq!(b.hypotheses_open, vec!["pool size"]);
    assert_eq!(b.hypotheses_ruled_out, vec!["network", "dns"]);
    assert_eq!(b.last_customer_update, "13:25 recovering");
    assert_eq!(b.next_steps, vec!["confirm"]);
}

/// A console watching a Security Hub source (the fixture's three findings) and a backup
/// source (no jobs yet).
fn with_sources(read_only: bool) -> Harness {
    let mut h = Harness::new(read_only);
    h.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
    h.app.start();
    let text = "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nregion = \"eu-west-1\"\n\
                [[source]]\nkind = \"backup\"\nname = \"vault\"\nregion = \"us-east-1\"\n";
    let mut config: crate::config::Config = crate::config::parse_toml("t.toml", text).expect("config");
    crate::sources::config::validate(&mut config.source, "t.toml", text).expect("valid");
    h.app.set_sources(&config.source);
    h.app.update(hub_answer(fixture_findings(), now()), now());
    h
}

/// The fixture's page of Security Hub findings.
fn fixture_findings() -> Vec<crate::sources::securityhub::Finding> {
    crate::sources::securityhub::parse_findings(include_bytes!(
        "../../../tests/fixtures/securityhub/get_findings_page1.json"
    ))
    .expect("fixture")
    .findings
}

/// The `hub` source's answer: these findings, at `at`.
fn hub_answer(findings: Vec<crate::sources::securityhub::Finding>, at: DateTime<Utc>) -> Msg {
    Msg::Source(Box::new(crate::sources::Observation::Data {
        source: "hub".into(),
        at,
        snapshot: crate::sources::Snapshot::Findings(findings),
        pages: 1,
        bytes: 4096,
        elapsed: std::time::Duration::from_millis(80),
    }))
}

const SG: &str = "arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.19/finding/5b6e2f10-7c3d-4a9e-8f21-0d4c6b8a9e13";

fn updates(fx: Vec<Effect>) -> Vec<(String, crate::sources::FindingUpdate)> {
    fx.into_iter()
        .filter_map(|f| match f {
            Effect::UpdateFindings { source, update } => Some((source, update)),
            _ => None,
        })
        .collect()
}

fn selected_id(h: &Harness) -> Option<String> {
    h.app
        .panes
        .sources
        .selected_finding(&h.app.model.sources)
        .map(|(_, f)| f.id.clone())
}

#[test]
fn finding_keys_send_the_selected_finding_and_risky_ones_ask_first() {
    let mut h = with_sources(false);
    h.key(KeyCode::Char('5'));
    assert_eq!(h.app.panes.sources.tab(), SourceTab::Findings);
    h.key(KeyCode::Char('j')); // CRITICAL first, then the HIGH security-group finding
    let id = selected_id(&h).expect("a finding is selected");
    assert_eq!(id, SG);

    let sent = updates(h.key(KeyCode::Char('N')));
    let [(source, update)] = sent.as_slice() else {
        panic!("one update: {sent:?}");
    };
    assert_eq!(source, "hub");
    assert_eq!(update.workflow, Some(Workflow::Notified));
    assert_eq!(update.note, None);
    assert_eq!(update.by, "warroom/maria@jump-01");
    let [(sent_id, arn)] = update.findings.as_slice() else {
        panic!("one finding");
    };
    assert_eq!(sent_id, &id);
    assert!(arn.starts_with("arn:aws:securityhub:"), "{arn}");

    assert!(
        updates(h.key(KeyCode::Char('R'))).is_empty(),
        "RESOLVED asks first"
    );
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("RESOLVED")));
    let sent = updates(h.key(KeyCode::Char('y')));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.workflow, Some(Workflow::Resolved));
    assert_eq!(sent[0].1.findings[0].0, id);

    assert!(
        updates(h.key(KeyCode::Char('S'))).is_empty(),
        "SUPPRESSED asks first"
    );
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("SUPPRESSED")));
    assert!(updates(h.key(KeyCode::Char('n'))).is_empty(), "and no means no");
    assert!(matches!(h.app.mode, Mode::Normal));

    h.key(KeyCode::Char('a'));
    assert!(matches!(&h.app.mode, Mode::Editor(e) if matches!(e.kind, EditorKind::FindingNote { .. })));
    h.typed("owner paged; ticket SEC-12");
    let sent = updates(h.ctrl('s'));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.note.as_deref(), Some("owner paged; ticket SEC-12"));
    assert_eq!(sent[0].1.workflow, None);
    assert_eq!(sent[0].1.findings[0].0, id);
    assert!(matches!(h.app.mode, Mode::Normal));
}

/// Issue 24, item 6: a finding change confirmed on incident A is filed on A when the
/// service answers, though B is on screen by then; and the yes re-checks the finding.
#[test]
fn a_finding_reply_after_a_switch_lands_on_the_confirmed_incident() {
    let mut h = with_sources(false);
    h.store(&[by(
        "kenji",
        "INC-2",
        EventBody::IncidentDeclared {
            title: "Second".into(),
            severity: Severity::new(3).expect("valid"),
            summary: None,
            detected_at: None,
            drill: false,
        },
    )]);
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-1".into())));
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('R'));
    let sent = updates(h.key(KeyCode::Char('y')));
    let [(source, update)] = sent.as_slice() else {
        panic!("one update: {sent:?}")
    };
    assert_eq!(update.incident, Some(IncidentId("INC-1".into())));
    h.palette("incident INC-2");
    assert_eq!(h.app.panes.current, Some(IncidentId("INC-2".into())));
    let reply = crate::sources::Observation::Updated {
        source: source.clone(),
        at: now(),
        update: update.clone(),
        result: Ok(1),
    };
    let events = appended(h.app.update(Msg::Source(Box::new(reply)), at(3)));
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0].body, EventBody::FindingUpdated { .. }));
    assert_eq!(
        events[0].incident,
        IncidentId("INC-1".into()),
        "filed where it was decided"
    );

    // Asked about a NEW finding; by the yes someone else has resolved it.
    h.palette("incident INC-1");
    h.key(KeyCode::Char('S'));
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("SUPPRESSED")));
    let mut findings = fixture_findings();
    for f in &mut findings {
        f.workflow = Workflow::Resolved;
    }
    h.app.update(hub_answer(findings, now()), now());
    assert!(updates(h.key(KeyCode::Char('y'))).is_empty(), "asked again first");
    assert!(
        matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("now RESOLVED")),
        "{:?}",
        h.app.panes.flash
    );
    assert_eq!(updates(h.key(KeyCode::Char('y'))).len(), 1);
}

#[test]
fn finding_commands_from_the_palette_need_no_incident_but_a_finding() {
    let mut h = with_sources(false);
    h.app.panes.current = None;
    let sent = updates(h.palette("finding notified"));
    assert_eq!(sent.len(), 1, "acts on the selected (first) finding");
    assert_eq!(sent[0].1.workflow, Some(Workflow::Notified));
    let sent = updates(h.palette("finding note  rotated the keys "));
    assert_eq!(sent[0].1.note.as_deref(), Some("rotated the keys"));
    assert!(updates(h.palette("finding suppressed")).is_empty());
    assert!(matches!(h.app.mode, Mode::Confirm(_)));
    assert_eq!(updates(h.key(KeyCode::Enter)).len(), 1);
    // an over-long note is refused before a round trip
    let long = "x".repeat(600);
    assert!(updates(h.palette(&format!("finding note {long}"))).is_empty());
    assert!(h.said().contains("512"));
    // no Security Hub source: said so
    let mut bare = Harness::with_sample();
    assert!(updates(bare.palette("finding notified")).is_empty());
    assert!(bare.said().contains("Security Hub"));
}

#[test]
fn a_read_only_console_changes_no_finding() {
    let mut h = with_sources(true);
    h.key(KeyCode::Char('5'));
    for c in ['N', 'R', 'S', 'a'] {
        h.app.panes.flash = None;
        assert!(updates(h.key(KeyCode::Char(c))).is_empty(), "{c}");
        assert!(matches!(h.app.mode, Mode::Normal), "{c}");
        assert!(h.said().contains("Read-only"), "{c}");
    }
    for line in ["finding resolved", "finding note hi"] {
        assert!(updates(h.palette(line)).is_empty(), "{line}");
        assert!(matches!(h.app.mode, Mode::Normal), "{line}");
    }
    // from the detail view too
    h.key(KeyCode::Enter);
    assert!(matches!(h.app.mode, Mode::Detail(_)));
    assert!(updates(h.key(KeyCode::Char('R'))).is_empty());
    assert!(matches!(h.app.mode, Mode::Detail(_)), "still reading");
}

#[test]
fn sorting_keeps_the_selected_finding_and_s_elsewhere_still_changes_status() {
    let mut h = with_sources(false);
    let titles = |h: &Harness| -> Vec<String> {
        let pane = &h.app.panes.sources;
        (0..pane.len(List::Findings))
            .filter_map(|i| pane.finding(&h.app.model.sources, i))
            .map(|r| r.finding.severity.label().to_string())
            .collect()
    };
    assert_eq!(titles(&h), ["CRITICAL", "HIGH", "MEDIUM"]);
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::Char('G'));
    let medium = selected_id(&h);
    assert_eq!(medium.as_deref(), Some("inspector-legacy-0042"));
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.panes.sources.sort(), FindingSort::Age);
    // newest update first: the CRITICAL (09:20Z), the HIGH (07:00Z), the legacy one
    assert_eq!(titles(&h), ["CRITICAL", "HIGH", "MEDIUM"]);
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.panes.sources.sort(), FindingSort::Title);
    assert_eq!(titles(&h)[0], "MEDIUM", "its title is empty, so first");
    assert_eq!(selected_id(&h), medium, "the selection follows the finding");
    assert_eq!(h.app.panes.sources.selected(List::Findings), Some(0));
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.panes.sources.sort(), FindingSort::Severity);
    // outside the sources pane, s is the status key again
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Char('s'));
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("status")));
}

#[test]
fn the_filter_applies_to_the_focused_pane() {
    let mut h = with_sources(false);
    let events = h.app.feed().map(Feed::len);
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::Char('/'));
    h.typed("security GROUPS");
    assert_eq!(h.app.panes.sources.len(List::Findings), 1);
    assert_eq!(
        h.app.feed().map(Feed::len),
        events,
        "the timeline is not filtered"
    );
    h.key(KeyCode::Enter);
    assert_eq!(h.app.panes.sources.filter(SourceTab::Findings), "security GROUPS");
    // each view has its own
    h.key(KeyCode::Char(']'));
    assert_eq!(h.app.panes.sources.filter(h.app.panes.sources.tab()), "");
    h.key(KeyCode::Char('['));
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.panes.sources.len(List::Findings), 3);
    // on the timeline, the timeline's filter
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Char('&'));
    h.typed("kind:decision");
    assert_eq!(h.app.feed().map(Feed::len), Some(1));
    assert_eq!(h.app.panes.sources.len(List::Findings), 3);
}

#[test]
fn views_cycle_through_what_is_configured() {
    let mut h = with_sources(false);
    h.key(KeyCode::Char(']'));
    assert_eq!(
        h.app.panes.sources.tab(),
        SourceTab::Findings,
        "] needs the sources pane"
    );
    h.key(KeyCode::Char('5'));
    let mut seen = Vec::new();
    for _ in 0..3 {
        h.key(KeyCode::Char(']'));
        seen.push(h.app.panes.sources.tab());
    }
    assert_eq!(seen, [SourceTab::Backups, SourceTab::Health, SourceTab::Findings]);
    h.key(KeyCode::Char('['));
    assert_eq!(h.app.panes.sources.tab(), SourceTab::Health);
    h.key(KeyCode::Char('1'));
    h.palette("sources backups");
    assert_eq!(
        (h.app.panes.focus, h.app.panes.sources.tab()),
        (Pane::Sources, SourceTab::Backups)
    );
    h.palette("sources searches");
    assert_eq!(h.app.panes.sources.tab(), SourceTab::Backups, "no Splunk source");
    assert!(h.said().contains("searches"));
    assert!(!h.app.panes.sources.readiness_shown());
    h.key(KeyCode::Char('r'));
    assert!(h.app.panes.sources.readiness_shown(), "r in the backups view");
    // without sources, health is all there is
    let bare = Harness::with_sample();
    assert_eq!(bare.app.panes.sources.tabs(), [SourceTab::Health]);
}

#[test]
fn the_detail_view_opens_scrolls_acts_and_closes() {
    let mut h = with_sources(false);
    h.app.panes.size = (80, 24);
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::Enter);
    let Mode::Detail(Detail::Finding { finding, scroll: 0 }) = &h.app.mode else {
        panic!("a finding's detail");
    };
    assert!(finding.id.contains("guardduty"), "{finding:?}");
    for _ in 0..200 {
        h.key(KeyCode::Char('j'));
    }
    let Mode::Detail(Detail::Finding { scroll, .. }) = &h.app.mode else {
        panic!("still open");
    };
    let max = *scroll;
    assert!(max > 0 && max < 200, "scrolls, within the text: {max}");
    h.key(KeyCode::Char('k'));
    assert!(matches!(&h.app.mode, Mode::Detail(Detail::Finding { scroll, .. }) if *scroll == max - 1));
    let sent = updates(h.key(KeyCode::Char('N')));
    assert_eq!(sent.len(), 1);
    assert!(sent[0].1.findings[0].0.contains("guardduty"));
    assert!(matches!(h.app.mode, Mode::Detail(_)), "N keeps it open");
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.mode, Mode::Normal));
}

#[test]
fn keys_that_do_nothing_leave_the_screen_alone() {
    let mut h = with_sources(false);
    h.app.session.dirty = false;
    h.key(KeyCode::Char('w'));
    h.key(KeyCode::Char(']')); // only bound on the sources pane
    assert!(!h.app.session.dirty);
    h.key(KeyCode::Char('5'));
    assert!(h.app.session.dirty);
}

#[test]
fn a_search_jumps_to_matches_and_n_shadows_note_until_it_ends() {
    let mut h = Harness::with_sample();
    h.app.panes.size = (160, 48);
    let len = h.app.feed().map_or(0, Feed::len);
    let matching: Vec<usize> = (0..len)
        .filter(|&i| {
            (h.app.feed().and_then(|f| f.get(i))).is_some_and(|r| r.text.to_lowercase().contains("roll"))
        })
        .collect();
    assert!(
        matching.len() >= 2,
        "the sample needs two rows that mention a rollback"
    );
    h.key(KeyCode::Char('/'));
    h.typed("ROLL");
    h.key(KeyCode::Enter);
    let last = matching[matching.len() - 1];
    // typed from the newest row: the nearest match above it
    assert_eq!(h.app.panes.timeline.cursor, last);
    assert!(!h.app.panes.timeline.follow);
    h.key(KeyCode::Char('N'));
    assert_eq!(h.app.panes.timeline.cursor, matching[matching.len() - 2]);
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.panes.timeline.cursor, last);
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.panes.timeline.cursor, matching[0], "n wraps to the top");
    assert!(
        h.app.mode.is_normal(),
        "n jumped; it did not open the note editor"
    );
    // ending the search gives n back to notes; the filter is another key
    h.key(KeyCode::Esc);
    assert!(h.app.panes.timeline.search.is_none());
    h.key(KeyCode::Char('n'));
    assert!(matches!(h.app.mode, Mode::Editor(_)));
}

#[test]
fn amend_and_retract_say_what_cannot_be_corrected() {
    let mut h = Harness::with_sample();
    // a parse error stays in the palette; a refusal is said under the panes
    let said = |h: &Harness| match &h.app.mode {
        Mode::Palette { error: Some(e), .. } => e.clone(),
        _ => h.said().to_string(),
    };
    let inc = h.app.incident().cloned().expect("the sample incident");
    let declaration = inc.severity_history[0].seq;
    let severity_change = inc.severity_history[1].seq;
    let note = inc.notes().next().map(|e| e.seq).expect("a note");
    for (line, expected) in [
        ("amend 9999 x".to_string(), "not an entry"),
        ("amend x y".to_string(), "not an entry's number"),
        (format!("amend #{note}"), "needs the corrected text"),
        (
            format!("retract #{declaration}"),
            "not an entry or a severity or status change",
        ),
        (format!("amend #{severity_change} SEV1"), "no text to amend"),
    ] {
        assert!(appended(h.palette(&line)).is_empty(), "{line}");
        assert!(said(&h).contains(expected), "{line}: {}", said(&h));
        h.app.set_mode(Mode::Normal);
        h.app.panes.flash = None;
    }
    // a retraction is written once; the second is refused
    let fx = h.palette(&format!("retract #{severity_change} raised in error"));
    let events = appended(fx);
    assert!(matches!(events.as_slice(), [e] if matches!(&e.body,
        EventBody::Retracted { reason: Some(r), .. } if r == "raised in error")));
    h.store(&events);
    assert!(appended(h.palette(&format!("retract #{severity_change}"))).is_empty());
    assert!(said(&h).contains("retracted already"), "{}", said(&h));
}

#[test]
fn a_severity_or_status_change_can_carry_a_reason_typed_at_the_yes() {
    let mut h = Harness::with_sample();
    h.key(KeyCode::Char('-'));
    h.key(KeyCode::Char('r'));
    h.typed("blast radius is one region");
    let events = appended(h.key(KeyCode::Enter));
    assert!(
        matches!(events.as_slice(), [e] if matches!(&e.body,
            EventBody::SeverityChanged { reason: Some(r), .. } if r == "blast radius is one region")),
        "{events:?}"
    );
    // esc in the reason goes back to the question; y then says yes without one
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Char('r'));
    h.typed("never mind");
    h.key(KeyCode::Esc);
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.reason.is_none()));
    let events = appended(h.key(KeyCode::Char('y')));
    assert!(
        matches!(events.as_slice(), [e] if matches!(&e.body, EventBody::StatusChanged { reason: None, .. })),
        "{events:?}"
    );
    // a question that takes no reason ignores r
    h.palette("release scribe");
    h.key(KeyCode::Char('r'));
    assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.reason.is_none()));
}

#[test]
fn status_updates_go_to_the_audience_chosen() {
    let mut h = Harness::with_sample();
    let events = appended(h.palette("update external Card payments are failing for some customers."));
    assert!(
        matches!(events.as_slice(), [e] if matches!(&e.body,
            EventBody::StatusUpdatePosted { audience: Audience::External, text } if text.starts_with("Card payments"))),
        "{events:?}"
    );
    // a first word that is not an audience is the text of an internal update
    let events = appended(h.palette("update externally visible errors are down"));
    assert!(matches!(events.as_slice(), [e] if matches!(&e.body,
        EventBody::StatusUpdatePosted { audience: Audience::Internal, .. })));
    // no text: the editor for that audience, with its template; ctrl-t moves on, and the
    // untouched template follows
    h.palette("update executive");
    let Mode::Editor(e) = &h.app.mode else {
        panic!("the editor")
    };
    assert_eq!(
        e.kind,
        EditorKind::StatusUpdate {
            audience: Audience::Executive
        }
    );
    assert!(e.text().contains("Business impact"), "{}", e.text());
    h.ctrl('t');
    let Mode::Editor(e) = &h.app.mode else {
        panic!("the editor")
    };
    assert_eq!(
        e.kind,
        EditorKind::StatusUpdate {
            audience: Audience::External
        }
    );
    assert!(e.text().contains("We are aware"), "{}", e.text());
    // the template's blanks are refused
    assert!(appended(h.ctrl('s')).is_empty());
    assert!(matches!(h.app.mode, Mode::Editor(_)));
}

#[test]
fn an_overdue_status_update_is_reminded_once_each_time_it_falls_due() {
    let notices = |fx: Vec<Effect>| -> Vec<Notification> {
        fx.into_iter()
            .filter_map(|f| match f {
                Effect::Notify(n) => Some(n),
                _ => None,
            })
            .collect()
    };
    let mut h = Harness::with_sample();
    let inc = h.app.incident().expect("incident");
    let due = inc.update_due(&Default::default()).expect("SEV1 owes updates");
    assert!(
        due.at < now(),
        "the sample's last update is older than SEV1's 15 minutes"
    );
    let sent = notices(h.app.update(Msg::Tick, now()));
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].title, "INC-1: internal status update due");
    assert!(sent[0].body.contains("every 15 minutes"), "{}", sent[0].body);
    assert!(
        notices(h.app.update(Msg::Tick, now())).is_empty(),
        "once per due time"
    );

    // Posting it leaves the external update owed (the sample's last was 22 minutes ago);
    // posting that too moves both clocks on 15 minutes: quiet until then, reminded after.
    let post = |h: &mut Harness, audience: Audience| {
        h.store(&[NewEvent::at(
            now(),
            IncidentId("INC-1".into()),
            Author("kenji@jump-02".into()),
            EventBody::StatusUpdatePosted {
                text: "Payments recovering.".into(),
                audience,
            },
        )])
    };
    post(&mut h, Audience::Internal);
    let sent = notices(h.app.update(Msg::Tick, now()));
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].title, "INC-1: external status update due");
    post(&mut h, Audience::External);
    let later = |m: i64| now() + Duration::minutes(m);
    assert!(notices(h.app.update(Msg::Tick, later(14))).is_empty());
    assert_eq!(notices(h.app.update(Msg::Tick, later(16))).len(), 1);

    // A console that cannot write an update is not nagged for one.
    let mut ro = Harness::new(true);
    ro.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
    ro.app.start();
    assert!(notices(ro.app.update(Msg::Tick, now())).is_empty());
}

fn presence_asked(fx: Vec<Effect>) -> Option<(Option<crate::timeline::store::Presence>, DateTime<Utc>)> {
    fx.into_iter().find_map(|f| match f {
        Effect::Presence { mark, since } => Some((mark, since)),
        _ => None,
    })
}

#[test]
fn presence_is_read_every_few_seconds_marked_now_and_then_and_shown_as_here() {
    use crate::timeline::store::Presence;
    let mut h = Harness::with_sample();
    let inc = IncidentId("INC-1".into());
    let (mark, since) = presence_asked(h.app.update(Msg::Tick, at(0))).expect("asked at once");
    let mark = mark.expect("marks itself");
    assert_eq!(
        (mark.who.as_str(), mark.incident.as_ref()),
        ("maria@jump-01", Some(&inc))
    );
    assert_eq!((mark.seen_at, since), (at(0), at(0) - PRESENT_WITHIN));
    // A slow store is not asked again while its answer is awaited.
    assert!(presence_asked(h.app.update(Msg::Tick, at(8))).is_none());
    let kenji = Presence {
        console: uuid::Uuid::from_u128(7),
        who: "Kenji (ops@jump-02)".into(),
        incident: Some(inc.clone()),
        seen_at: at(0),
    };
    h.app.update(Msg::Presence(vec![mark.clone(), kenji]), at(8));
    assert!(
        h.app.model.present[&inc].contains("kenji"),
        "matched whatever the case"
    );
    assert!(h.app.model.present[&inc].contains("maria"));
    // Read again five seconds on, without a mark; marked again after thirty, as the same console.
    let (again, _) = presence_asked(h.app.update(Msg::Tick, at(9))).expect("read again");
    assert!(again.is_none());
    h.app.update(Msg::Presence(Vec::new()), at(9));
    assert!(h.app.model.present.is_empty(), "nobody, as last read");
    let (later, _) = presence_asked(h.app.update(Msg::Tick, at(31))).expect("read again");
    assert_eq!(later.map(|p| p.console), Some(mark.console));

    // A read-only console reads who is here and marks nothing: it writes nothing.
    let mut watcher = Harness::new(true);
    watcher.store(&crate::demo::sample_events(&inc, now()));
    watcher.app.start();
    let (mark, _) = presence_asked(watcher.app.update(Msg::Tick, at(0))).expect("asked");
    assert!(mark.is_none());
}

#[test]
fn a_shared_login_asks_who_is_there_before_anything_else() {
    let opts = Options {
        ask_name: true,
        ..Options::new("ops@jump-01", "test.db")
    };
    let mut h = Harness {
        app: App::builder(opts).counted_ids().build().expect("app"),
        seq: 0,
        prev: Hash::GENESIS,
    };
    h.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
    h.app.start();
    assert!(matches!(h.app.mode, Mode::Identify { .. }));
    // Keys are the question's: `n` is a letter of the name, not a note.
    h.typed("pri(ya");
    h.key(KeyCode::Enter);
    assert!(matches!(&h.app.mode, Mode::Identify { error: Some(e), .. } if e.contains("cannot be a name")));
    for _ in 0..3 {
        h.key(KeyCode::Backspace);
    }
    h.typed("ya");
    let fx = h.key(KeyCode::Enter);
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Identified(n) if n == "priya"))
    );
    assert!(h.app.mode.is_normal());
    let e = appended(h.palette("note on it"));
    assert_eq!(e[0].author, Author("priya (ops@jump-01)".into()));

    // esc leaves: nothing is done as the shared login.
    let opts = Options {
        ask_name: true,
        ..Options::new("ops@jump-01", "test.db")
    };
    let mut app = App::builder(opts).counted_ids().build().expect("app");
    app.start();
    let fx = app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)), now());
    assert!(fx.iter().any(|f| matches!(f, Effect::Quit)));
}

#[test]
fn no_question_offers_what_already_is() {
    let mut h = Harness::with_sample();
    // The sample ends a mitigated SEV1 under kenji.
    for (line, said) in [
        ("sev 1", "It is already SEV1."),
        ("status mitigated", "It is already mitigated."),
        ("role commander kenji", "kenji is IC already."),
    ] {
        assert!(appended(h.palette(line)).is_empty(), "{line}");
        assert!(h.app.mode.is_normal(), "{line} asked");
        assert_eq!(h.said(), said);
    }
    h.key(KeyCode::Char('+'));
    assert!(h.app.mode.is_normal());
    assert_eq!(h.said(), "Already SEV1.");
    // Resolved, `R` says so rather than asking "resolved → resolved?".
    let resolved = by(
        "kenji",
        "INC-1",
        EventBody::StatusChanged {
            status: Status::Resolved,
            reason: None,
        },
    );
    h.store(&[resolved]);
    h.key(KeyCode::Char('R'));
    assert!(h.app.mode.is_normal());
    assert_eq!(h.said(), "It is already resolved.");
}

#[test]
fn a_late_note_or_decision_says_when_it_happened_from_the_palette_or_the_editor() {
    let mut h = Harness::with_sample();
    let e = appended(h.palette("note @-10m db-01 failed over"));
    assert_eq!(
        e[0].body,
        EventBody::Note {
            text: "db-01 failed over".into()
        }
    );
    assert_eq!(e[0].occurred_at, Some(now() - chrono::TimeDelta::minutes(10)));
    let e = appended(h.palette("decision @-2m keep the rollback"));
    assert!(matches!(&e[0].body, EventBody::Decision { text, .. } if text == "keep the rollback"));
    assert_eq!(e[0].occurred_at, Some(now() - chrono::TimeDelta::minutes(2)));
    // A mention is text, not a time; a bad time is refused, not written as text.
    let e = appended(h.palette("note @kenji please look"));
    assert_eq!(e[0].occurred_at, None);
    assert!(appended(h.palette("note @25:99 typo")).is_empty());
    assert!(h.said().contains("not a time"), "{}", h.said());
    // The editor reads the same prefix.
    h.key(KeyCode::Char('n'));
    h.typed("@-5m paged the DBA");
    let e = appended(h.ctrl('s'));
    assert_eq!(
        e[0].body,
        EventBody::Note {
            text: "paged the DBA".into()
        }
    );
    assert_eq!(e[0].occurred_at, Some(now() - chrono::TimeDelta::minutes(5)));
}

#[test]
fn checklist_items_go_by_their_titles_and_the_selected_row() {
    let mut h = Harness::with_sample();
    // Words of the title, not the id the checklist never shows.
    let e = appended(h.palette("assign verify recovery kenji"));
    assert!(e.is_empty(), "three words: an item in quotes, then a person");
    h.key(KeyCode::Esc);
    let e = appended(h.palette("assign \"Verify recovery against the impact metrics\" kenji"));
    assert!(!e.is_empty(), "{}", h.said());
    assert_eq!(
        e[0].body,
        EventBody::ChecklistAssigned {
            item: "generic/verify-recovery".into(),
            person: "kenji".into()
        }
    );
    let e = appended(h.palette("check review"));
    assert_eq!(
        e[0].body,
        EventBody::ChecklistChecked {
            item: "generic/schedule-review".into()
        }
    );
    // Words that fit several items say which.
    assert!(appended(h.palette("check assign")).is_empty());
    assert!(h.said().contains("matches 2 items"), "{}", h.said());
    h.key(KeyCode::Esc);
    // No words: the selected row.
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Down);
    let e = appended(h.palette("check"));
    assert_eq!(
        e[0].body,
        EventBody::ChecklistChecked {
            item: "generic/set-severity".into()
        }
    );
    let e = appended(h.palette("assign priya"));
    assert_eq!(
        e[0].body,
        EventBody::ChecklistAssigned {
            item: "generic/set-severity".into(),
            person: "priya".into()
        }
    );
    // And the timeline says the title.
    let feed = h.app.feed().expect("feed");
    let texts: Vec<&str> = (0..feed.len())
        .filter_map(|i| feed.get(i))
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        texts.contains(&"Checked Assign an incident commander"),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.contains("generic/")), "{texts:?}");
}
