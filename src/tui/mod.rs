//! The console: a full-screen ratatui war room on the shared timeline.
//!
//! `app` holds the state and the pure update function; `view` draws it; `run` is the event
//! loop that connects the terminal, the store and the clock to them.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod drafts;
pub mod entry_detail;
pub mod feed;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod modal;
pub mod model;
pub mod notify;
pub mod palette;
pub mod panes;
pub mod refs;
pub mod run;
pub mod sources_ui;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wrap;
