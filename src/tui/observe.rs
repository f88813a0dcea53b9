//! How the console takes in what its sources report: the newest snapshot for the panes, and
//! the signals for the timeline (appended with dedup keys, so every console may append them
//! and each lands once). Read-only consoles watch but never write.

use super::app::{App, Effect};
use crate::sources::signals::{Detector, TRIAGE};
use crate::sources::view::SourceViews;
use crate::sources::{FindingUpdate, Observation, SourceConfig};
use crate::timeline::{EventBody, IncidentId};
use chrono::{DateTime, Utc};

impl App {
    /// Watch these sources (their observations arrive as `Msg::Source`).
    pub fn set_sources(&mut self, sources: &[SourceConfig]) {
        self.sources = SourceViews::new(sources);
        let settings = crate::tui::sources_ui::SourceSettings::new(sources);
        self.sources_ui = crate::tui::sources_ui::SourcesPane::new(settings, &self.sources);
        self.detector = Some(Detector::new(sources));
        self.dirty = true;
    }

    /// Where signals go: the newest open real incident (never a drill's), or the triage
    /// stream when none is open.
    pub fn signal_incident(&self) -> IncidentId {
        self.open_incidents()
            .filter(|i| i.id.as_str() != TRIAGE && !i.drill)
            .max_by_key(|i| i.declared_at)
            .map(|i| i.id.clone())
            .unwrap_or_else(|| IncidentId(TRIAGE.to_string()))
    }

    pub(super) fn observe(&mut self, observation: Observation, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if !self.opts.read_only
            && let Some(detector) = self.detector.as_mut()
        {
            let signals = detector.observe(&observation);
            if !signals.is_empty() {
                let incident = self.signal_incident();
                let events = signals
                    .into_iter()
                    .map(|s| s.into_event(incident.clone(), now))
                    .collect();
                self.append(events, now, fx);
            }
        }
        if let Observation::Updated {
            source,
            update,
            result,
            ..
        } = &observation
        {
            match result {
                Ok(n) => {
                    let titles = self.finding_titles(source, &update.findings);
                    let body = EventBody::FindingUpdated {
                        source: source.clone(),
                        findings: titles,
                        workflow: update.workflow.as_ref().map(|w| w.as_str().to_string()),
                        note: update.note.clone(),
                    };
                    // Filed on the incident it was decided on, whatever is on screen now.
                    let incident = update.incident.clone().unwrap_or_else(|| self.signal_incident());
                    let event = self.event_on(&incident, body, now);
                    self.append(vec![event], now, fx);
                    self.say(format!("{source}: {n} finding(s) updated"), now);
                }
                Err(e) => self.fail(format!("{source}: update refused: {e}"), now),
            }
        }
        if self.sources.apply(observation) {
            self.sources_ui.sources_changed();
            self.dirty = true;
        }
    }

    /// Ask a Security Hub source to change findings. Refused in read-only consoles.
    pub fn request_finding_update(
        &mut self,
        source: &str,
        update: FindingUpdate,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        if self.opts.read_only {
            self.fail("Read-only console: findings cannot be changed".into(), now);
            return;
        }
        if update.findings.is_empty() {
            self.fail("No finding selected".into(), now);
            return;
        }
        // The sandbox: during a drill nothing reaches a real account. The change is recorded
        // on the timeline (where scoring finds it) and never sent.
        let drill_source = self.sources.get(source).is_some_and(|v| v.drill);
        let on = update
            .incident
            .as_ref()
            .and_then(|id| self.projection.incident(id));
        let in_drill = on.is_some_and(|i| i.drill && i.is_open());
        if drill_source || in_drill {
            let body = EventBody::FindingUpdated {
                source: source.to_string(),
                findings: self.finding_titles(source, &update.findings),
                workflow: update.workflow.as_ref().map(|w| w.as_str().to_string()),
                note: update.note.clone(),
            };
            let incident = update.incident.clone().unwrap_or_else(|| self.signal_incident());
            let event = self.event_on(&incident, body, now);
            self.append(vec![event], now, fx);
            self.say(
                format!("DRILL: recorded on the timeline, not sent to {source}"),
                now,
            );
            return;
        }
        self.say(format!("{source}: sending the update…"), now);
        fx.push(Effect::UpdateFindings {
            source: source.to_string(),
            update,
        });
    }

    /// A delivered inject becomes what the source would have shown: findings, a search's
    /// result, backup jobs — parsed by the same parsers as the real answers.
    pub(super) fn drill_inject(&mut self, e: &crate::timeline::Event) {
        let EventBody::DrillInject {
            target,
            source,
            search,
            payload,
            ..
        } = &e.body
        else {
            return;
        };
        let parsed = crate::drill::inject::observe(target, search.as_deref(), payload);
        match parsed {
            Ok(Some((kind, snapshot))) => {
                let name = source.clone().unwrap_or_else(|| target.clone());
                self.sources.apply_drill(&name, kind, snapshot, e.recorded_at);
                self.sources_ui.sources_changed();
                self.dirty = true;
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "a drill inject's payload did not parse"),
        }
    }

    fn finding_titles(&self, source: &str, ids: &[(String, String)]) -> Vec<String> {
        let findings = self.sources.get(source).map(|v| v.findings()).unwrap_or_default();
        ids.iter()
            .map(|(id, arn)| {
                findings
                    .iter()
                    .find(|f| &f.id == id && &f.product_arn == arn)
                    .map_or_else(|| id.clone(), |f| f.title.clone())
            })
            .collect()
    }
}
