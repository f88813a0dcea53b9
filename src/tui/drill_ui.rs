//! The facilitator's console: the drill's player inside the app. Injects fall due on the loop's
//! drill timer (or the clock tick), controls come from `:drill …`, and every one of them is an
//! append like any other action — the MSEL on screen changes when the events come back.

use super::app::{App, Effect};
use super::layout::Pane;
use crate::drill::facilitator::Control;
use crate::timeline::Event;
use chrono::{DateTime, Utc};

impl App {
    /// A stored event, for the drill's scoring (only its own incident's are kept).
    pub(super) fn drill_observe(&mut self, e: &Event) {
        if let Some(f) = self.drill.as_mut() {
            f.observe(e, e.recorded_at);
        }
    }

    /// The clock moved: score again, deliver what is due, and end the drill when its time is up.
    pub(super) fn drill_tick(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let Some(f) = self.drill.as_mut() else { return };
        f.rescore(now);
        let mut events = f.due(now);
        if f.finished(now) {
            events.extend(f.player.end("scenario time is up", now));
        }
        self.append(events, now, fx);
    }

    /// When the loop should wake for the next inject.
    pub fn drill_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.drill.as_ref().and_then(|f| f.next_due(now))
    }

    pub(super) fn drill_control(&mut self, control: Control, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let Some(f) = self.drill.as_mut() else {
            return self.fail(
                "Only the facilitator's console controls a drill (`warroom drill run SCENARIO`).".into(),
                now,
            );
        };
        match f.control(&control, now) {
            Ok(events) => {
                let done = match &control {
                    Control::Pause => "Paused.".to_string(),
                    Control::Resume => "Resumed.".into(),
                    Control::Speed(s) => format!("Playing at {s}×."),
                    Control::Skip(seq) => format!("Inject {seq} skipped."),
                    Control::Inject(seq) => format!("Inject {seq} delivered."),
                    Control::Adhoc { .. } => "Ad-hoc inject delivered.".into(),
                    Control::End(_) => {
                        "Drill ended: `warroom drill report` writes the after-action report.".into()
                    }
                };
                self.append(events, now, fx);
                self.say(done, now);
            }
            Err(e) => self.fail(e, now),
        }
    }

    /// The MSEL and the metrics share a place on a facilitator's screen.
    pub(super) fn toggle_msel(&mut self, now: DateTime<Utc>) {
        if self.drill.is_none() {
            return self.fail("The MSEL is the facilitator's (`warroom drill run`).".into(), now);
        }
        self.show_msel = !self.show_msel;
        self.dirty = true;
    }

    /// The facilitator's MSEL is on screen in the metrics' place.
    pub fn msel_shown(&self) -> bool {
        self.drill.is_some() && self.show_msel
    }

    /// A pane's name on screen (the metrics' place says MSEL while it shows the MSEL).
    pub fn pane_title(&self, pane: Pane) -> &'static str {
        match pane {
            Pane::Metrics if self.msel_shown() => "MSEL",
            _ => pane.title(),
        }
    }
}
