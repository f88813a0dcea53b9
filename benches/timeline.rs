//! Timeline performance targets (issue: the shared timeline). `docs/performance.md` has the
//! targets, the figures and how they were produced.
//!
//! - `append/warroom_append`: one durable `SqliteStore::append` of a note (WAL, synchronous=FULL),
//!   beside `append/bare_sqlite_insert`: the same row shape inserted with plain rusqlite in its
//!   own `BEGIN IMMEDIATE … COMMIT`, same pragmas, same filesystem. Target: ≤ 1.5× the bare insert.
//! - `ingest/append_batch_10k`: one `append_batch` of 10,000 events into a fresh store (a new
//!   store per iteration, made in untimed setup). Target: ≥ 20,000 events/s.
//! - `million/fold` and `million/verify`: the whole 1,000,000-event store. Targets: ≤ 1.5 s, ≤ 3 s.
//! - `export/markdown_100k`: the Markdown report of one incident of 100,000 events. Target: ≤ 2 s.
//!
//! The big stores are built once and cached under `target/bench-data/` (rebuilt when their event
//! count is wrong), so only the first run pays for them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rusqlite::{Connection, params};
use serde_json::json;
use std::cell::OnceCell;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration as StdDuration, Instant};
use warroom::export::{Format, export};
use warroom::incident::fold_store;
use warroom::incident::runbook;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::store::verify;
use warroom::timeline::{
    Audience, Author, ChecklistItemSpec, EventBody, IncidentId, NewEvent, Role, Severity, Status, Store,
};

mod common;
use common::*;

/// The same allocator as the `warroom` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MILLION: u64 = 1_000_000;
const HUNDRED_K: u64 = 100_000;
const BATCH: usize = 10_000;
const MILLION_INCIDENTS: usize = 20;

/// The events that open an incident: its declaration and the generic runbook's checklist.
fn declaration(id: &IncidentId, n: usize, checklist: &[ChecklistItemSpec]) -> [EventBody; 2] {
    [
        EventBody::IncidentDeclared {
            title: format!(
                "{} failing: elevated 5xx in eu-west-1 (#{n})",
                SERVICES[n % SERVICES.len()]
            ),
            severity: Severity::new((n % 4) as u8 + 1).unwrap_or(Severity::WORST),
            summary: Some(format!(
                "Customers see errors from {id}; declared by the on-call engineer."
            )),
            detected_at: None,
            drill: false,
        },
        EventBody::ChecklistAdded {
            runbook: runbook::DEFAULT_RUNBOOK.into(),
            items: checklist.to_vec(),
        },
    ]
}

/// One event of the ongoing work, in a realistic mix: mostly notes, then signals, status
/// updates, checklist work, responders, roles, decisions and severity/status changes.
fn work_event(rng: &mut Rng, checklist: &[ChecklistItemSpec]) -> EventBody {
    let who = |rng: &mut Rng| rng.pick(PEOPLE).to_string();
    match rng.below(100) {
        0..50 => EventBody::Note { text: note_text(rng) },
        50..65 => {
            let svc = rng.pick(SERVICES);
            EventBody::Signal {
                source: rng.pick(SOURCES).to_string(),
                title: format!(
                    "{svc} 5xx rate {}.{}% (threshold 2%)",
                    rng.below(30),
                    rng.below(10)
                ),
                severity: Some(["HIGH", "MEDIUM", "LOW"][rng.below(3)].into()),
                detail: json!({ "service": svc, "count": rng.below(5000) }),
            }
        }
        65..71 => EventBody::StatusUpdatePosted {
            text: format!(
                "We are investigating errors affecting {}. Next update in 30 minutes.",
                rng.pick(SERVICES)
            ),
            audience: [Audience::Internal, Audience::External, Audience::Executive][rng.below(3)],
        },
        71..77 => EventBody::ChecklistChecked {
            item: rng.pick(checklist).id.clone(),
        },
        77..80 => EventBody::ResponderPaged {
            person: who(rng),
            via: Some("pagerduty".into()),
        },
        80..83 => EventBody::ResponderAcknowledged { person: who(rng) },
        83..87 => EventBody::RoleAssigned {
            role: rng.pick(&Role::STANDARD).clone(),
            person: who(rng),
        },
        87..91 => EventBody::Decision {
            text: format!("Fail over {} to the standby region", rng.pick(SERVICES)),
            rationale: Some("the primary is not recovering and failover is rehearsed".into()),
        },
        91..95 => EventBody::SeverityChanged {
            severity: Severity::new(rng.below(5) as u8 + 1).unwrap_or(Severity::WORST),
            reason: Some("impact reassessed".into()),
        },
        _ => EventBody::StatusChanged {
            status: *rng.pick(&[
                Status::Active,
                Status::Mitigated,
                Status::Active,
                Status::Resolved,
            ]),
            reason: None,
        },
    }
}

/// The events `from..to` of a store of `incidents` incidents: each incident is declared with
/// the generic runbook's checklist up front, then work events land on random incidents, one
/// second apart (about one in fifty logged late, with an earlier `occurred_at`).
fn mix(from: u64, to: u64, incidents: &[IncidentId], checklist: &[ChecklistItemSpec]) -> Vec<NewEvent> {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("valid time");
    let opening = 2 * incidents.len() as u64;
    (from..to)
        .map(|i| {
            let mut rng = Rng(i.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5752_524D);
            let (incident, body) = if i < opening {
                let n = (i / 2) as usize;
                let [declared, added] = declaration(&incidents[n], n, checklist);
                (&incidents[n], if i % 2 == 0 { declared } else { added })
            } else {
                (rng.pick(incidents), work_event(&mut rng, checklist))
            };
            let author = if matches!(body, EventBody::Signal { .. }) {
                Author::source(rng.pick::<&str>(SOURCES))
            } else {
                Author(format!("{}@{}", rng.pick(PEOPLE), rng.pick(HOSTS)))
            };
            let t: DateTime<Utc> = start + Duration::seconds(i as i64);
            let mut e = NewEvent::new(incident.clone(), author, body);
            e.recorded_at = t;
            if i >= opening && rng.below(50) == 0 {
                e = e.occurred_at(t - Duration::minutes(rng.below(30) as i64 + 1));
            }
            e
        })
        .collect()
}

fn generic_checklist() -> Vec<ChecklistItemSpec> {
    let books = runbook::load_runbooks(None).expect("built-in runbooks load");
    runbook::find(&books, runbook::DEFAULT_RUNBOOK)
        .expect("the generic runbook is built in")
        .checklist()
}

/// The incident ids of a built store: fixed, so a cached store can be found again.
fn incident_ids(count: usize) -> Vec<IncidentId> {
    (0..count)
        .map(|n| IncidentId(format!("INC-20261101-B{n:04}")))
        .collect()
}

/// The store at `target/bench-data/{name}`, holding `events` events of the mix spread over
/// `incidents` incidents: reused if it has exactly that many events, else rebuilt with
/// `append_batch` in chunks of 10,000.
fn cached_store(name: &str, events: u64, incidents: usize) -> (SqliteStore, Vec<IncidentId>) {
    let dir = bench_data();
    let path = dir.join(name);
    let ids = incident_ids(incidents);
    if path.exists() {
        let store = SqliteStore::open(&path).expect("open the cached bench store");
        if store.head().expect("read the head").seq == events {
            return (store, ids);
        }
        drop(store);
        eprintln!("{}: wrong event count, rebuilding", path.display());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
        }
    }
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let store = SqliteStore::open(&path).expect("create the bench store");
    let checklist = generic_checklist();
    let started = Instant::now();
    for from in (0..events).step_by(BATCH) {
        let chunk = mix(from, (from + BATCH as u64).min(events), &ids, &checklist);
        store.append_batch(&chunk).expect("append a chunk");
    }
    eprintln!(
        "built {} ({events} events, {incidents} incidents) in {:.1} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    (store, ids)
}

/// The bare-SQLite baseline: its own file, the same pragmas and the same table.
fn bare_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open the baseline database");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("set WAL");
    assert!(mode.eq_ignore_ascii_case("wal"));
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE events (
             seq         INTEGER PRIMARY KEY,
             id          TEXT    NOT NULL UNIQUE,
             schema      INTEGER NOT NULL,
             recorded_at TEXT    NOT NULL,
             occurred_at TEXT,
             author      TEXT    NOT NULL,
             incident    TEXT    NOT NULL,
             kind        TEXT    NOT NULL,
             payload     TEXT    NOT NULL,
             dedup_key   TEXT    UNIQUE,
             prev_hash   BLOB    NOT NULL,
             hash        BLOB    NOT NULL
         );
         CREATE INDEX events_by_incident ON events (incident, seq);",
    )
    .expect("create the baseline table");
    conn
}

fn note(incident: &IncidentId) -> NewEvent {
    NewEvent::new(
        incident.clone(),
        Author("maria@jump-01".into()),
        EventBody::Note {
            text: "Rollback of checkout-api complete; 5xx rate falling to 3.1%".into(),
        },
    )
}

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("warroom.db")).expect("open store");
    let incident = IncidentId("INC-20261101-APPND".into());
    let mut group = c.benchmark_group("append");
    group.bench_function("warroom_append", |b| {
        b.iter_batched(
            || note(&incident),
            |e| store.append(e).expect("append"),
            BatchSize::SmallInput,
        )
    });

    let conn = bare_connection(&dir.path().join("bare.db"));
    let mut insert = conn
        .prepare(
            "INSERT INTO events (seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash)
             VALUES (?1, ?2, 1, ?3, NULL, ?4, ?5, 'note', ?6, NULL, ?7, ?8)",
        )
        .expect("prepare the insert");
    let payload = note(&incident).body.payload_json();
    let (prev, hash) = ([7u8; 32], [9u8; 32]);
    let mut seq = 0i64;
    group.bench_function("bare_sqlite_insert", |b| {
        b.iter_batched(
            || {
                seq += 1;
                (
                    seq,
                    uuid::Uuid::now_v7().to_string(),
                    warroom::timeline::format_time(Utc::now()),
                )
            },
            |(seq, id, at)| {
                conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
                insert
                    .execute(params![
                        seq,
                        id,
                        at,
                        "maria@jump-01",
                        incident.as_str(),
                        payload,
                        &prev[..],
                        &hash[..]
                    ])
                    .expect("insert");
                conn.execute_batch("COMMIT").expect("commit");
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn ingest(c: &mut Criterion) {
    let ids = incident_ids(MILLION_INCIDENTS);
    let checklist = generic_checklist();
    let events = mix(0, BATCH as u64, &ids, &checklist);
    let mut group = c.benchmark_group("ingest");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(StdDuration::from_secs(10))
        .throughput(Throughput::Elements(BATCH as u64));
    // A fresh, empty store per iteration, made (and later removed) outside the timing.
    group.bench_function("append_batch_10k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = SqliteStore::open(dir.path().join("warroom.db")).expect("open store");
                (dir, store)
            },
            |(dir, store)| {
                let out = store.append_batch(&events).expect("append_batch");
                (dir, store, out)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn million(c: &mut Criterion) {
    let store = OnceCell::new();
    let store = || {
        &store
            .get_or_init(|| cached_store("million.db", MILLION, MILLION_INCIDENTS))
            .0
    };
    let mut group = c.benchmark_group("million");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(StdDuration::from_secs(40));
    group.bench_function("fold", |b| {
        let store = store();
        // The projection is returned, so freeing it is not part of the timing.
        b.iter_with_large_drop(|| {
            let p = fold_store(store, None).expect("fold");
            assert_eq!(p.last_seq, MILLION);
            p
        })
    });
    group.bench_function("verify", |b| {
        let store = store();
        b.iter(|| black_box(verify(store).expect("verify")))
    });
    group.finish();
}

fn export_md(c: &mut Criterion) {
    let cached = OnceCell::new();
    let cached = || cached.get_or_init(|| cached_store("hundred-k.db", HUNDRED_K, 1));
    let now = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("valid time");
    let mut group = c.benchmark_group("export");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(StdDuration::from_secs(10));
    group.bench_function("markdown_100k", |b| {
        let (store, ids) = cached();
        b.iter(|| export(store, &ids[0], Format::Md, &mut std::io::sink(), now).expect("export"))
    });
    group.finish();
}

criterion_group!(benches, append, ingest, million, export_md);
criterion_main!(benches);
