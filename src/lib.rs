//! warroom: a terminal war-room console for incident response, on one shared, append-only
//! timeline. The binary is a thin shell over this library.

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod drill;
pub mod export;
pub mod incident;
pub mod logging;
pub mod sources;
pub mod text;
pub mod timeline;
pub mod tui;
pub mod when;
