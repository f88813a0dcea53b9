//! Splunk export parsing: throughput and memory of `ExportParser` on a realistic stream.
//!
//! - `splunk_export/parse_100mb`: ~100 MB of event rows (~400–650 bytes, 14–15 fields, the
//!   multi-value `_si` and sometimes `tag`) pushed in 64 KiB chunks into
//!   `ExportParser::new(1000)`. Target: ≥ 100 MB/s.
//! - `splunk_export/keep_all_10mb`: the first ~10 MB with no row cap, so every row is built and
//!   cleaned: the cost of a kept row, for comparison.
//! - Before the criterion group (only under `cargo bench`), streams of 10 MB, 100 MB and 400 MB
//!   are generated chunk by chunk and parsed, printing the peak RSS (`VmHWM`) after each:
//!   it must not grow with the stream.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};
use warroom::sources::splunk::{ExportParser, SearchResult};

mod common;
use common::{Rng, SERVICES};

/// The same allocator as the `warroom` binary, so the figures are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MB: usize = 1_000_000;
const CHUNK: usize = 64 * 1024;
const MAX_ROWS: usize = 1000;

const INDEXERS: &[&str] = &["idx-01", "idx-02", "idx-03"];
const SOURCETYPES: &[(&str, &str)] = &[
    ("aws:cloudtrail", "s3://org-trail/AWSLogs/CloudTrail/eu-west-1/"),
    ("nginx:access", "/var/log/nginx/access.log"),
    ("kube:container", "/var/log/containers/app.log"),
];
const TAGS: &[&str] = &["error", "web", "authentication", "prod", "pci"];

/// Export NDJSON event rows, as `search index=main … | fields *` sends them.
struct Export {
    rng: Rng,
    offset: u64,
}

impl Export {
    fn new() -> Export {
        Export {
            rng: Rng(42),
            offset: 0,
        }
    }

    fn row(&mut self, out: &mut Vec<u8>) {
        let rng = &mut self.rng;
        let (n, t) = (self.offset, 1_764_288_000 + self.offset / 50);
        let idx = *rng.pick(INDEXERS);
        let svc = *rng.pick(SERVICES);
        let (st, src) = *rng.pick(SOURCETYPES);
        let host = format!("{svc}-{}", rng.below(40));
        let status = [200, 200, 200, 404, 500, 502, 503][rng.below(7)];
        let raw = match st {
            "nginx:access" => format!(
                r#"10.{}.{}.{} - - [28/Nov/2026:00:{:02}:{:02} +0000] \"GET /api/v1/{svc}/orders?id={} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\""#,
                rng.below(255),
                rng.below(255),
                rng.below(255),
                rng.below(60),
                rng.below(60),
                rng.next() % 1_000_000,
                rng.below(40_000)
            ),
            "aws:cloudtrail" => format!(
                r#"{{\"eventVersion\":\"1.09\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"AssumeRole\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"203.0.113.{}\",\"errorCode\":\"AccessDenied\"}}"#,
                rng.below(255)
            ),
            _ => format!(
                "2026-11-28T00:00:{:02}.{:03}Z level=error svc={svc} msg=\\\"upstream timed out after {} ms\\\" trace={:016x}",
                rng.below(60),
                rng.below(1000),
                rng.below(5000),
                rng.next()
            ),
        };
        let tag = if rng.below(3) == 0 {
            format!(r#","tag":["{}","{}"]"#, rng.pick(TAGS), rng.pick(TAGS))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"{{"preview":false,"offset":{n},"result":{{"_bkt":"main~{}~6D3E8B0C-5B8F-4C1A-9F2E-1A2B3C4D5E6F","_cd":"{}:{}","_indextime":"{t}","_raw":"{raw}","_serial":"{n}","_si":["{idx}","main"],"_time":"2026-11-28T00:{:02}:{:02}.000+00:00","host":"{host}","index":"main","linecount":"1","source":"{src}","sourcetype":"{st}","splunk_server":"{idx}","status":"{status}"{tag}}}}}"#,
            rng.below(500),
            rng.below(500),
            rng.below(100_000),
            (n / 3000) % 60,
            (n / 50) % 60,
        );
        out.push(b'\n');
        self.offset += 1;
    }

    fn last_row(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"preview":false,"lastrow":true}"#);
        out.push(b'\n');
    }
}

/// A whole stream of about `bytes` bytes, held in memory.
fn stream(bytes: usize) -> Vec<u8> {
    let mut export = Export::new();
    let mut out = Vec::with_capacity(bytes + 4096);
    while out.len() < bytes {
        export.row(&mut out);
    }
    export.last_row(&mut out);
    out
}

/// Generates about `bytes` bytes chunk by chunk (lines split across chunks) and parses them,
/// never holding more than a chunk and a line of input.
fn parse_streamed(bytes: usize) -> (SearchResult, usize) {
    let mut export = Export::new();
    let mut parser = ExportParser::new(MAX_ROWS);
    let mut pending = Vec::with_capacity(2 * CHUNK);
    let mut sent = 0;
    while sent < bytes {
        while pending.len() < CHUNK {
            export.row(&mut pending);
        }
        parser.push(&pending[..CHUNK]).expect("a valid chunk");
        pending.drain(..CHUNK);
        sent += CHUNK;
    }
    export.last_row(&mut pending);
    parser.push(&pending).expect("the last chunk");
    sent += pending.len();
    (parser.finish().expect("a complete stream"), sent)
}

/// A value of `/proc/self/status`, e.g. `12345 kB` for `VmHWM`.
fn proc_status(key: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim_start_matches(':').trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Peak RSS after parsing ever longer streams: flat means memory does not grow with the stream.
fn memory_check() {
    println!(
        "splunk_export memory: peak RSS (VmHWM) before parsing: {}",
        proc_status("VmHWM")
    );
    for mb in [10, 100, 400] {
        let start = Instant::now();
        let (result, sent) = parse_streamed(mb * MB);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "splunk_export memory: {:>4} MB streamed ({} rows, {} kept, truncated={}) in {:.2} s \
             ({:.0} MB/s, generation included): VmHWM {}, VmRSS {}",
            sent / MB,
            result.total_rows,
            result.rows.len(),
            result.truncated,
            secs,
            sent as f64 / MB as f64 / secs,
            proc_status("VmHWM"),
            proc_status("VmRSS"),
        );
    }
}

fn parse(c: &mut Criterion) {
    let data = stream(100 * MB);
    let mut lens: Vec<usize> = data.split(|&b| b == b'\n').map(<[u8]>::len).collect();
    lens.sort_unstable();
    println!(
        "splunk_export input: {} bytes, {} lines, line length p5/p50/p95 = {}/{}/{} bytes",
        data.len(),
        lens.len(),
        lens[lens.len() / 20],
        lens[lens.len() / 2],
        lens[lens.len() * 19 / 20]
    );
    let mut group = c.benchmark_group("splunk_export");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("parse_100mb", |b| {
        b.iter(|| {
            let mut parser = ExportParser::new(MAX_ROWS);
            for chunk in data.chunks(CHUNK) {
                parser.push(chunk).expect("a valid chunk");
            }
            black_box(parser.finish().expect("a complete stream"))
        })
    });
    let cut = data[..10 * MB]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut small = data[..cut].to_vec();
    Export::new().last_row(&mut small);
    group.throughput(Throughput::Bytes(small.len() as u64));
    group.bench_function("keep_all_10mb", |b| {
        b.iter(|| {
            let mut parser = ExportParser::new(usize::MAX);
            for chunk in small.chunks(CHUNK) {
                parser.push(chunk).expect("a valid chunk");
            }
            black_box(parser.finish().expect("a complete stream"))
        })
    });
    group.finish();
}

criterion_group!(benches, parse);

fn main() {
    // Only a real `cargo bench` run: `cargo test --benches` runs each bench once, quickly.
    if std::env::args().any(|a| a == "--bench") {
        memory_check();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
