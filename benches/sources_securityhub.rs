//! Security Hub parsing target: `parse_findings` reads 10,000 realistic ASFF findings (about
//! 1.5 KB each: resources with `Details`, `ProductFields`, `Types`, remediation) in ≤ 100 ms.
//!
//! The body is generated once, deterministically, before timing starts.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::Duration;
use warroom::sources::securityhub::parse_findings;

mod common;
use common::findings::{FINDINGS, findings_body};

/// The same allocator as the `warroom` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn parse(c: &mut Criterion) {
    let body = findings_body();
    println!(
        "securityhub: {FINDINGS} findings, {} bytes ({} bytes each)",
        body.len(),
        body.len() / FINDINGS
    );
    let page = parse_findings(&body).expect("the generated page parses");
    assert_eq!(page.findings.len(), FINDINGS);

    let mut group = c.benchmark_group("securityhub");
    group
        .throughput(Throughput::Bytes(body.len() as u64))
        .sample_size(30)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    // The page is returned, so freeing it is not part of the timing.
    group.bench_function("parse_findings_10k", |b| {
        b.iter_with_large_drop(|| parse_findings(&body).expect("parse"))
    });
    // A damaged page: a field of the wrong type (read as missing) and a finding without its
    // `Id` (skipped). Same single pass, so it should cost the same.
    let mut findings: Value = serde_json::from_slice(&body).expect("the generated page is JSON");
    findings["Findings"][0]["Title"] = json!({"unexpected": "object"});
    findings["Findings"][1]["Id"] = Value::Null;
    let one_bad = serde_json::to_vec(&findings).expect("serialise the page");
    let page = parse_findings(&one_bad).expect("the page survives one bad finding");
    assert_eq!(page.findings.len(), FINDINGS - 1);
    group.bench_function("parse_findings_10k_one_bad", |b| {
        b.iter_with_large_drop(|| parse_findings(&one_bad).expect("parse"))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
