//! How an `App` is made: by the loader (`run::load`), and by every test and bench. Everything
//! has a default — the built-in theme, keys and runbooks, no sources, ids from the clock — and
//! each is changed one at a time, so a test says only what matters to it.

use super::{App, IdSource, Msg, Options};
use crate::config::ConfigError;
use crate::drill::facilitator::Facilitator;
use crate::incident::runbook::{self, Runbook};
use crate::sources::SourceConfig;
use crate::timeline::store::RawEvent;
use crate::timeline::{Hash, NewEvent};
use crate::tui::keymap::Keymap;
use crate::tui::theme::{self, Theme};
use chrono::{DateTime, Utc};

pub struct Builder {
    opts: Options,
    keymap: Keymap,
    theme: Option<Theme>,
    runbooks: Option<Vec<Runbook>>,
    themes: Vec<String>,
    ids: Option<IdSource>,
    sources: Vec<SourceConfig>,
    drill: Option<(Facilitator, bool)>,
    stored: Vec<NewEvent>,
    size: Option<(u16, u16, DateTime<Utc>)>,
}

impl Builder {
    pub(super) fn new(opts: Options) -> Builder {
        Builder {
            opts,
            keymap: Keymap::default(),
            theme: None,
            runbooks: None,
            themes: Vec::new(),
            ids: None,
            sources: Vec::new(),
            drill: None,
            stored: Vec::new(),
            size: None,
        }
    }

    pub fn keymap(mut self, keymap: Keymap) -> Builder {
        self.keymap = keymap;
        self
    }

    pub fn theme(mut self, theme: Theme) -> Builder {
        self.theme = Some(theme);
        self
    }

    /// The themes `:theme` offers.
    pub fn themes(mut self, themes: Vec<String>) -> Builder {
        self.themes = themes;
        self
    }

    pub fn runbooks(mut self, runbooks: Vec<Runbook>) -> Builder {
        self.runbooks = Some(runbooks);
        self
    }

    /// Where new events get their ids (tests give a counter).
    pub fn ids(mut self, ids: IdSource) -> Builder {
        self.ids = Some(ids);
        self
    }

    /// Ids 1, 2, 3…: the same events every run.
    pub fn counted_ids(self) -> Builder {
        let mut n = 0u128;
        self.ids(Box::new(move || {
            n += 1;
            uuid::Uuid::from_u128(n)
        }))
    }

    /// Watch these sources.
    pub fn sources(mut self, sources: &[SourceConfig]) -> Builder {
        self.sources = sources.to_vec();
        self
    }

    /// The facilitator's console: the drill it plays, and whether the MSEL shows at first.
    pub fn drill(mut self, drill: Option<Facilitator>, show_msel: bool) -> Builder {
        self.drill = drill.map(|f| (f, show_msel));
        self
    }

    /// Events as the store would hold them (numbered and chained in this order), loaded before
    /// the console starts.
    pub fn stored(mut self, events: &[NewEvent]) -> Builder {
        self.stored.extend_from_slice(events);
        self
    }

    /// The terminal's size, as the loop would report it at `now`.
    pub fn size(mut self, width: u16, height: u16, now: DateTime<Utc>) -> Builder {
        self.size = Some((width, height, now));
        self
    }

    /// The app, loaded from what was given as stored and started, unless nothing was.
    pub fn build(self) -> Result<App, ConfigError> {
        let theme = match self.theme {
            Some(t) => t,
            None => theme::load("dark", None)?,
        };
        let runbooks = match self.runbooks {
            Some(r) => r,
            None => runbook::load_runbooks(None)?,
        };
        let ids = self.ids.unwrap_or_else(|| Box::new(uuid::Uuid::now_v7));
        let mut app = App::new(self.opts, self.keymap, theme, runbooks, ids);
        app.cx.themes = self.themes;
        if let Some((drill, show_msel)) = self.drill {
            app.model.drill = Some(drill);
            app.panes.show_msel = show_msel;
        }
        if !self.sources.is_empty() {
            app.set_sources(&self.sources);
        }
        if !self.stored.is_empty() {
            let mut prev = Hash::GENESIS;
            let mut fx = Vec::new();
            for (n, e) in self.stored.iter().enumerate() {
                let raw = RawEvent::place(e, n as u64 + 1, prev);
                prev = raw.hash;
                app.ingest(raw.decode(), &mut fx);
            }
            app.start();
        }
        if let Some((w, h, now)) = self.size {
            app.update(Msg::Resize(w, h), now);
        }
        Ok(app)
    }
}
