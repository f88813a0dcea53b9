//! What the benchmarks share: where cached stores live, a deterministic generator, and the
//! vocabulary of a realistic incident.
#![allow(dead_code)]

pub mod findings;

use std::path::{Path, PathBuf};

/// Where the cached stores live: `target/bench-data/` of this package.
pub fn bench_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// A small deterministic generator (splitmix64), so every build of a store has the same mix.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

pub const PEOPLE: &[&str] = &[
    "maria", "kenji", "priya", "sam", "olu", "ines", "tomas", "wei", "fatima", "jonas", "leah", "raj",
];
pub const HOSTS: &[&str] = &["jump-01", "jump-02", "laptop-7"];
pub const SERVICES: &[&str] = &[
    "checkout-api",
    "payments-gw",
    "auth",
    "search",
    "cart",
    "edge-proxy",
];
pub const SOURCES: &[&str] = &["splunk-errors", "prometheus", "pagerduty", "statuspage"];

/// A note of about 60 characters.
pub fn note_text(rng: &mut Rng) -> String {
    let svc = rng.pick(SERVICES);
    let n = rng.below(900) + 100;
    match rng.below(4) {
        0 => format!("{svc} p99 latency at {n} ms on pod {svc}-7f9c4; restarting it"),
        1 => format!(
            "Error rate on {svc} down to {}.{}% after the config push",
            n / 100,
            n % 10
        ),
        2 => format!(
            "Checked dashboards: {svc} saturation {}%, no queue growth seen",
            n % 100
        ),
        _ => format!("Deploy #{n} of {svc} rolled back in eu-west-1; watching 5xx rate"),
    }
}
