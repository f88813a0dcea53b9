//! The two back ends side by side (`docs/performance.md`, "Stores"):
//!
//! - **append**: one durable `append` of a note, sequentially, `APPENDS` times: p50 and p99.
//! - **propagation**: an append in this process until a subscription in *another* process
//!   (this binary again, as a listener) receives it: p50 and p99 over `PINGS` events spaced
//!   20 ms apart. Measured from the event's `recorded_at` (set just before the append) to the
//!   listener's clock on arrival: one machine, one clock.
//!
//! PostgreSQL is the server `.ci/pg start` runs (`WARROOM_TEST_PG`, password in `PGPASSFILE`);
//! the bench makes a database of its own and drops it. Without the variable it measures SQLite
//! only and says so. Run: `cargo bench --bench stores`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use warroom::timeline::{Author, EventBody, IncidentId, NewEvent, Store, StoreSpec, open_store};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const APPENDS: usize = 1000;
const PINGS: usize = 200;

fn note(i: usize) -> NewEvent {
    NewEvent::new(
        IncidentId("INC-BENCH".into()),
        Author("bench@host".into()),
        EventBody::Note {
            text: format!("bench note {i}: db-01 failed over to db-02"),
        },
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<36} n={:<5} p50 {:>9.1} µs   p99 {:>9.1} µs   max {:>9.1} µs",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e6,
    );
}

fn bench_append(label: &str, store: &dyn Store) {
    for i in 0..20 {
        let _ = store.append(note(i)); // warm up: connections, statement caches
    }
    let mut samples = Vec::with_capacity(APPENDS);
    for i in 0..APPENDS {
        let e = note(i);
        let start = Instant::now();
        if let Err(e) = store.append(e) {
            eprintln!("{label}: append failed: {e}");
            return;
        }
        samples.push(start.elapsed());
    }
    report(&format!("append/{label}"), samples);
}

/// The listener: subscribe after the current head, say "ready", then print each arrival's lag
/// behind its `recorded_at`, in microseconds, one a line.
fn listen(spec: &str, count: usize) {
    let store = match open_store(&StoreSpec::parse(spec)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("listener: {e}");
            return;
        }
    };
    let head = store.head().map(|h| h.seq).unwrap_or(0);
    let (tx, rx) = mpsc::channel();
    let sub = store.subscribe(
        head,
        Box::new(move |e| {
            let lag = chrono::Utc::now() - e.recorded_at;
            tx.send(lag.num_microseconds().unwrap_or(i64::MAX)).is_ok()
        }),
    );
    let Ok(_sub) = sub else {
        eprintln!("listener: cannot subscribe");
        return;
    };
    std::thread::sleep(Duration::from_millis(300)); // listening before the first ping
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    for _ in 0..count {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(us) => {
                let _ = writeln!(out, "{us}");
                let _ = out.flush();
            }
            Err(_) => return,
        }
    }
}

fn bench_propagation(label: &str, spec: &str, store: &dyn Store) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let child = Command::new(exe)
        .env("WARROOM_BENCH_LISTEN", spec)
        .env("WARROOM_BENCH_COUNT", PINGS.to_string())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("{label}: cannot start the listener");
        return;
    };
    let Some(stdout) = child.stdout.take() else {
        return;
    };
    let mut lines = BufReader::new(stdout).lines();
    if !matches!(lines.next(), Some(Ok(l)) if l == "ready") {
        eprintln!("{label}: the listener did not start");
        let _ = child.kill();
        return;
    }
    let writer = std::thread::scope(|s| {
        let h = s.spawn(|| {
            for i in 0..PINGS {
                if store.append(note(i)).is_err() {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            true
        });
        let mut samples = Vec::with_capacity(PINGS);
        for line in lines.by_ref().take(PINGS) {
            match line.ok().and_then(|l| l.trim().parse::<i64>().ok()) {
                Some(us) => samples.push(Duration::from_micros(us.max(0) as u64)),
                None => break,
            }
        }
        (h.join().unwrap_or(false), samples)
    });
    let _ = child.wait();
    if !writer.0 || writer.1.len() != PINGS {
        eprintln!("{label}: received {} of {PINGS}", writer.1.len());
    }
    report(&format!("propagation/{label}"), writer.1);
}

fn main() {
    if let Ok(spec) = std::env::var("WARROOM_BENCH_LISTEN") {
        let count = std::env::var("WARROOM_BENCH_COUNT")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(PINGS);
        listen(&spec, count);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = match tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("tempdir: {e}");
            return;
        }
    };
    let sqlite = dir.path().join("bench.db").display().to_string();
    match open_store(&StoreSpec::parse(&sqlite)) {
        Ok(s) => {
            bench_append("sqlite", &*s);
            bench_propagation("sqlite", &sqlite, &*s);
        }
        Err(e) => eprintln!("sqlite: {e}"),
    }

    let Some(base) = std::env::var("WARROOM_TEST_PG").ok().filter(|u| !u.is_empty()) else {
        println!("PostgreSQL: not measured (start the server with `eval \"$(bash .ci/pg start)\"`)");
        return;
    };
    let db = format!("wbench_{}", std::process::id());
    let psql = |url: &str, sql: &str| {
        Command::new("psql")
            .args(["-X", "-q", url, "-c", sql])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !psql(&base, &format!("CREATE DATABASE {db}")) {
        eprintln!("PostgreSQL: cannot create the bench database");
        return;
    }
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h.to_string(), format!("?{q}")),
        None => (base.clone(), String::new()),
    };
    let url = match head.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{db}{query}"),
        None => base.clone(),
    };
    match open_store(&StoreSpec::parse(&url)) {
        Ok(s) => {
            bench_append("postgres", &*s);
            bench_propagation("postgres", &url, &*s);
        }
        Err(e) => eprintln!("postgres: {e}"),
    }
    psql(&base, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}
