//! Drills: exercises played from a scenario (a Master Scenario Events List), on the same
//! shared timeline as real incidents. The player delivers injects as `drill.inject` events;
//! players' consoles turn them into source observations; scoring reads the timeline.

pub mod builtin;
pub mod facilitator;
pub mod headless;
pub mod inject;
pub mod parse;
pub mod player;
pub mod report;
pub mod scenario;
pub mod score;
pub mod simulate;

pub use scenario::Scenario;
