//! The sources against real HTTP servers on 127.0.0.1 that speak each service's documented
//! wire format (fixtures in tests/fixtures/): what the client sends, what it makes of good
//! answers, and how it fails on hostile ones.

mod common;

use common::http::{Reply, Request, Server};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use warroom::sources::client::Client;
use warroom::sources::poller::Pollers;
use warroom::sources::securityhub::Workflow;
use warroom::sources::{Observation, Snapshot, SourceConfig, SourceError};

static ENV: Once = Once::new();

/// Credentials for the AWS chain and Splunk, set once before any test reads the environment
/// (every test here calls this first). Nothing reaches beyond loopback: the instance metadata
/// service is off and the shared files do not exist.
fn env() {
    ENV.call_once(|| {
        let extra = [
            ("AWS_REGION", "eu-west-1"),
            ("WARROOM_TEST_SPLUNK_TOKEN", "splunk-token-123"),
            ("WARROOM_TEST_SPLUNK_PASSWORD", "hunter2"),
        ];
        let vars = common::aws::AWS_TEST_ENV.iter().chain(&extra);
        for &(k, v) in vars {
            // SAFETY: runs once, before any test of this binary reads the environment or
            // starts a thread of its own (each test calls `env()` first).
            unsafe { std::env::set_var(k, v) };
        }
    });
}

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn sources(toml: &str) -> Vec<SourceConfig> {
    let mut config: warroom::config::Config =
        warroom::config::parse_toml("test.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    warroom::sources::config::validate(&mut config.source, "test.toml", toml)
        .unwrap_or_else(|e| panic!("{e}"));
    config.source
}

fn one(toml: &str) -> SourceConfig {
    sources(toml).remove(0)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn poll(config: &SourceConfig) -> Result<warroom::sources::client::Poll, SourceError> {
    runtime().block_on(async { Client::connect(config).await?.poll().await })
}

fn securityhub(url: &str, extra: &str) -> SourceConfig {
    one(&format!(
        "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{url}\"\nregion = \"us-east-1\"\ntimeout = \"3s\"\n{extra}\n\
         [source.filters]\nseverity_labels = [\"CRITICAL\", \"HIGH\"]\nworkflow_statuses = [\"NEW\"]\nupdated_within_days = 3\npage_size = 50\n"
    ))
}

fn authorization(r: &Request) -> String {
    r.header("authorization").unwrap_or_default().to_string()
}

#[test]
fn security_hub_sends_signed_filtered_pages_and_reads_every_finding() {
    env();
    let page1 = fixture("securityhub/get_findings_page1.json");
    let page2 = fixture("securityhub/get_findings_page2.json");
    let server = Server::start(move |r| {
        let next = r.json().and_then(|b| b.get("NextToken").cloned());
        Reply::json(
            200,
            if next.is_some() {
                page2.clone()
            } else {
                page1.clone()
            },
        )
    });
    let result = poll(&securityhub(&server.url(), "")).unwrap_or_else(|e| panic!("{e}"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "two pages");
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/findings");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let auth = authorization(r);
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTESTWARROOM/")
                && auth.contains("/us-east-1/securityhub/aws4_request"),
            "{auth}"
        );
        assert!(r.header("x-amz-date").is_some());
    }
    let body = requests[0].json().unwrap_or_default();
    assert_eq!(body["MaxResults"], 50);
    assert_eq!(body["SortCriteria"][0]["Field"], "UpdatedAt");
    assert_eq!(body["SortCriteria"][0]["SortOrder"], "desc");
    let labels: Vec<&str> = body["Filters"]["SeverityLabel"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["Value"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, ["CRITICAL", "HIGH"]);
    assert_eq!(body["Filters"]["WorkflowStatus"][0]["Value"], "NEW");
    assert_eq!(body["Filters"]["UpdatedAt"][0]["DateRange"]["Value"], 3);
    assert_eq!(body["Filters"]["UpdatedAt"][0]["DateRange"]["Unit"], "DAYS");
    assert!(body.get("NextToken").is_none());
    assert!(requests[1].json().unwrap_or_default()["NextToken"].is_string());
    let Snapshot::Findings(findings) = result.snapshot else {
        panic!("not findings")
    };
    assert!(findings.len() >= 4, "{} findings", findings.len());
    assert_eq!(result.pages, 2);
    for f in &findings {
        assert!(!f.title.contains('\u{1b}') && !f.description.contains('\u{1b}'));
    }
}

#[test]
fn security_hub_stops_at_the_page_bound_however_many_pages_are_offered() {
    env();
    let page1 = fixture("securityhub/get_findings_page1.json");
    let server = Server::start(move |_| Reply::json(200, page1.clone()));
    let config = one(&format!(
        "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n[source.filters]\nmax_pages = 3\n",
        server.url()
    ));
    let result = poll(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(result.pages, 3);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn batch_update_sends_the_change_and_reports_unprocessed_findings() {
    env();
    let partial = fixture("securityhub/batch_update_partial.json");
    let server = Server::start(move |r| match r.method.as_str() {
        "PATCH" => Reply::json(200, partial.clone()),
        _ => Reply::json(200, br#"{"Findings":[]}"#.to_vec()),
    });
    let config = securityhub(&server.url(), "");
    let outcome = runtime().block_on(async {
        let Client::SecurityHub(hub) = Client::connect(&config).await? else {
            panic!("not security hub")
        };
        hub.update(
            &[
                (
                    "finding-1".into(),
                    "arn:aws:securityhub:us-east-1::product/aws/guardduty".into(),
                ),
                (
                    "missing".into(),
                    "arn:aws:securityhub:us-east-1::product/aws/guardduty".into(),
                ),
            ],
            Some(&Workflow::Resolved),
            Some(("fixed by rotating the key", "warroom/alice@jump-01")),
        )
        .await
    });
    let requests = server.requests();
    let r = requests
        .iter()
        .find(|r| r.method == "PATCH")
        .unwrap_or_else(|| panic!("no PATCH"));
    assert_eq!(r.path, "/findings/batchupdate");
    assert!(authorization(r).contains("/us-east-1/securityhub/aws4_request"));
    let body = r.json().unwrap_or_default();
    assert_eq!(body["FindingIdentifiers"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["FindingIdentifiers"][0]["Id"], "finding-1");
    assert_eq!(body["Workflow"]["Status"], "RESOLVED");
    assert_eq!(body["Note"]["Text"], "fixed by rotating the key");
    assert_eq!(body["Note"]["UpdatedBy"], "warroom/alice@jump-01");
    match outcome {
        Err(SourceError::Rejected(m)) => assert!(m.contains("FindingNotFound"), "{m}"),
        other => panic!("a partial failure must be an error: {other:?}"),
    }
}

#[test]
fn backup_lists_jobs_with_the_apis_own_query_names_and_pages() {
    env();
    let page1 = fixture("backup/list_jobs_page1.json");
    let page2 = fixture("backup/list_jobs_page2.json");
    let server = Server::start(move |r| {
        if r.query_value("nextToken").is_some() {
            Reply::json(200, page2.clone())
        } else {
            Reply::json(200, page1.clone())
        }
    });
    let config = one(&format!(
        "[[source]]\nkind = \"backup\"\nname = \"backups\"\nendpoint = \"{}\"\nregion = \"eu-central-1\"\n[source.filters]\nstate = \"FAILED\"\ncreated_within_hours = 6\nresource_type = \"RDS\"\npage_size = 25\n",
        server.url()
    ));
    let result = poll(&config).unwrap_or_else(|e| panic!("{e}"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/backup-jobs/");
    assert_eq!(r.query_value("state"), Some("FAILED"));
    assert_eq!(r.query_value("resourceType"), Some("RDS"));
    assert_eq!(r.query_value("maxResults"), Some("25"));
    let after = r.query_value("createdAfter").unwrap_or_default();
    let after = chrono::DateTime::parse_from_rfc3339(after).unwrap_or_else(|e| panic!("{after}: {e}"));
    let hours = (chrono::Utc::now() - after.with_timezone(&chrono::Utc)).num_minutes();
    assert!((355..=365).contains(&hours), "createdAfter {hours} minutes ago");
    assert!(authorization(r).contains("/eu-central-1/backup/aws4_request"));
    assert!(requests[1].query_value("nextToken").is_some());
    let Snapshot::Backups(jobs) = result.snapshot else {
        panic!("not jobs")
    };
    assert_eq!(jobs.len(), 6);
}

fn splunk(url: &str, auth: &str) -> SourceConfig {
    one(&format!(
        "[[source]]\nkind = \"splunk\"\nname = \"splunk\"\nendpoint = \"{url}\"\ntimeout = \"3s\"\n{auth}\n\
         [[source.search]]\nname = \"errors\"\nquery = \"index=prod status>=500\"\nearliest = \"-5m\"\nthreshold = 1\n\
         [[source.search]]\nname = \"logins\"\nsaved_search = \"Failed logins\"\n"
    ))
}

#[test]
fn splunk_streams_each_search_with_a_bearer_token() {
    env();
    let events = fixture("splunk/export_events.ndjson");
    let server = Server::start(move |_| Reply::text(200, "application/json", events.clone()));
    let config = splunk(&server.url(), "token_env = \"WARROOM_TEST_SPLUNK_TOKEN\"");
    let result = poll(&config).unwrap_or_else(|e| panic!("{e}"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one export per search");
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/services/search/v2/jobs/export");
        assert_eq!(r.header("authorization"), Some("Bearer splunk-token-123"));
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    let form = requests[0].form();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("search"), Some("search index=prod status>=500"));
    assert_eq!(get("output_mode"), Some("json"));
    assert_eq!(get("earliest_time"), Some("-5m"));
    assert_eq!(get("latest_time"), Some("now"));
    let form2 = requests[1].form();
    let search2 = form2.iter().find(|(n, _)| n == "search").map(|(_, v)| v.as_str());
    assert_eq!(search2, Some("| savedsearch \"Failed logins\""));
    let Snapshot::Searches(outcomes) = result.snapshot else {
        panic!("not searches")
    };
    assert_eq!(outcomes.len(), 2);
    let rows = outcomes[0].result.as_ref().map(|r| r.rows.len()).unwrap_or(0);
    assert!(rows > 0);
    assert_eq!(outcomes[0].count, Some(rows as u64));
}

#[test]
fn splunk_falls_back_to_v1_on_404_and_stays_there() {
    env();
    let events = fixture("splunk/export_events.ndjson");
    let server = Server::start(move |r| {
        if r.path.contains("/v2/") {
            Reply::json(
                404,
                br#"{"messages":[{"type":"ERROR","text":"Not Found"}]}"#.to_vec(),
            )
        } else {
            Reply::text(200, "application/json", events.clone())
        }
    });
    let config = splunk(&server.url(), "token_env = \"WARROOM_TEST_SPLUNK_TOKEN\"");
    let result = poll(&config).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/services/search/v2/jobs/export",
            "/services/search/jobs/export",
            "/services/search/jobs/export"
        ]
    );
    assert!(matches!(result.snapshot, Snapshot::Searches(ref s) if s.iter().all(|o| o.result.is_ok())));
}

#[test]
fn splunk_logs_in_for_a_session_and_logs_in_again_when_it_expires() {
    env();
    let events = fixture("splunk/export_events.ndjson");
    let logins = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = logins.clone();
    let server = Server::start(move |r| {
        if r.path == "/services/auth/login" {
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::text(
                200,
                "text/xml",
                format!("<response>\n  <sessionKey>key-{n}</sessionKey>\n</response>"),
            );
        }
        match r.header("authorization") {
            // The first session "expires" after one search.
            Some("Splunk key-1") if r.form().iter().any(|(_, v)| v.contains("savedsearch")) => Reply::json(
                401,
                br#"{"messages":[{"type":"WARN","text":"call not properly authenticated"}]}"#.to_vec(),
            ),
            Some(a) if a.starts_with("Splunk key-") => Reply::text(200, "application/json", events.clone()),
            _ => Reply::json(401, b"{}".to_vec()),
        }
    });
    let config = splunk(
        &server.url(),
        "auth = \"session\"\nusername = \"svc-warroom\"\npassword_env = \"WARROOM_TEST_SPLUNK_PASSWORD\"",
    );
    let result = poll(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    let login = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/services/auth/login")
        .unwrap_or_else(|| panic!("no login"));
    let form = login.form();
    assert!(form.contains(&("username".into(), "svc-warroom".into())));
    assert!(form.contains(&("password".into(), "hunter2".into())));
    let Snapshot::Searches(outcomes) = result.snapshot else {
        panic!("not searches")
    };
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
}

#[test]
fn splunk_basic_auth_sends_the_pair() {
    env();
    let events = fixture("splunk/export_empty.ndjson");
    let server = Server::start(move |_| Reply::text(200, "application/json", events.clone()));
    let config = splunk(
        &server.url(),
        "auth = \"basic\"\nusername = \"admin\"\npassword_env = \"WARROOM_TEST_SPLUNK_PASSWORD\"",
    );
    poll(&config).unwrap_or_else(|e| panic!("{e}"));
    // base64("admin:hunter2")
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic YWRtaW46aHVudGVyMg==")
    );
}

/// Every hostile answer: the right error, quickly, and no panic.
#[test]
fn hostile_answers_give_clear_errors_not_hangs_or_panics() {
    env();
    let nested = format!("{{\"Findings\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    type Case = (&'static str, Reply, fn(&SourceError) -> bool);
    let cases: Vec<Case> = vec![
        (
            "html",
            Reply::text(
                200,
                "text/html",
                b"<html><title>Login</title><body>sso</body></html>".to_vec(),
            ),
            |e| matches!(e, SourceError::Malformed(m) if m.contains("HTML")),
        ),
        (
            "401",
            Reply::json(401, br#"{"message":"bad token"}"#.to_vec()),
            |e| matches!(e, SourceError::Unauthorized { status: 401, .. }),
        ),
        (
            "403",
            Reply::json(
                403,
                br#"{"Message":"not authorized to perform securityhub:GetFindings"}"#.to_vec(),
            )
            .with_header("x-amzn-ErrorType", "AccessDeniedException"),
            |e| matches!(e, SourceError::Unauthorized { status: 403, message } if message.contains("AccessDenied")),
        ),
        (
            "429",
            Reply::json(429, br#"{"message":"Rate exceeded"}"#.to_vec()).with_header("Retry-After", "42"),
            |e| e.retry_after() == Some(Duration::from_secs(42)),
        ),
        (
            "500",
            Reply::json(500, br#"{"Message":"InternalException"}"#.to_vec()),
            |e| matches!(e, SourceError::Http { status: 500, .. }),
        ),
        (
            "503",
            Reply::text(503, "text/html", b"<html>unavailable</html>".to_vec()),
            |e| matches!(e, SourceError::Throttled { status: 503, .. }),
        ),
        (
            "garbage",
            Reply::json(200, b"{\"Findings\": [ {\"Id\": ".to_vec()),
            |e| matches!(e, SourceError::Malformed(_)),
        ),
        (
            "truncated",
            Reply::Truncated {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                declared: 5000,
                body: b"{\"Findings\":[".to_vec(),
            },
            |e| matches!(e, SourceError::Malformed(_) | SourceError::Connect(_)),
        ),
        (
            "200MB",
            Reply::Huge {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                len: 200 * 1024 * 1024,
                fill: b"[".to_vec(),
                with_length: false,
            },
            |e| matches!(e, SourceError::TooLarge { .. }),
        ),
        (
            "200MB declared",
            Reply::Huge {
                status: 200,
                headers: vec![],
                len: 200 * 1024 * 1024,
                fill: vec![],
                with_length: true,
            },
            |e| matches!(e, SourceError::TooLarge { .. }),
        ),
        (
            "one byte a second",
            Reply::Trickle {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"Findings":[]}"#.to_vec(),
                per_byte: Duration::from_secs(1),
            },
            |e| matches!(e, SourceError::Timeout(_)),
        ),
        ("hang", Reply::Hang, |e| matches!(e, SourceError::Timeout(_))),
        ("close", Reply::Close, |e| matches!(e, SourceError::Connect(_))),
        (
            "invalid utf-8",
            Reply::json(200, b"{\"Findings\":[{\"Id\":\"\xff\xfe\"}]}".to_vec()),
            |e| matches!(e, SourceError::Malformed(_)),
        ),
        ("deep nesting", Reply::json(200, nested.into_bytes()), |e| {
            matches!(e, SourceError::Malformed(_))
        }),
    ];
    for (name, reply, expected) in cases {
        let server = Server::start(move |_| reply.clone());
        let config = securityhub(&server.url(), "max_response_bytes = 1048576");
        let started = Instant::now();
        let result = poll(&config);
        let took = started.elapsed();
        match result {
            Err(e) => assert!(expected(&e), "{name}: unexpected error {e:?}"),
            Ok(_) => panic!("{name}: a hostile answer was accepted"),
        }
        assert!(took < Duration::from_secs(6), "{name}: took {took:?}");
    }
}

/// A source that hangs or floods does not slow another: the good one keeps its interval.
#[test]
fn a_hung_source_never_slows_a_good_one() {
    env();
    let hung = Server::start(|_| Reply::Hang);
    let huge = Server::start(|_| Reply::Huge {
        status: 200,
        headers: vec![],
        len: 500 * 1024 * 1024,
        fill: b" ".to_vec(),
        with_length: false,
    });
    let good = Server::start(|_| Reply::json(200, br#"{"Findings":[]}"#.to_vec()));
    let config = sources(&format!(
        "[[source]]\nkind = \"securityhub\"\nname = \"hung\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ntimeout = \"30s\"\n\
         [[source]]\nkind = \"securityhub\"\nname = \"huge\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ntimeout = \"30s\"\nmax_response_bytes = 1048576\n\
         [[source]]\nkind = \"securityhub\"\nname = \"good\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"1s\"\n",
        hung.url(),
        huge.url(),
        good.url()
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let good_polls = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let _pollers = Pollers::spawn(&config, tx);
        let mut good = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(4500);
        while let Ok(Some(o)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if let Observation::Data { source, .. } = &o
                && source == "good"
            {
                good += 1;
            }
        }
        good
    });
    assert!(
        good_polls >= 3,
        "the good source polled {good_polls} times in 4.5 s"
    );
}

/// Failures back off: the waits grow, and a Retry-After is honoured.
#[test]
fn failures_back_off_and_honour_retry_after() {
    env();
    let server = Server::start(|_| {
        Reply::json(429, br#"{"message":"slow down"}"#.to_vec()).with_header("Retry-After", "3")
    });
    let config = sources(&format!(
        "[[source]]\nkind = \"securityhub\"\nname = \"throttled\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"1s\"\n",
        server.url()
    ));
    let rt = runtime();
    let waits = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let _pollers = Pollers::spawn(&config, tx);
        let mut waits = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while let Ok(Some(o)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if let Observation::Failed { retry_in, error, .. } = o {
                assert!(matches!(error, SourceError::Throttled { .. }));
                waits.push(retry_in);
            }
        }
        waits
    });
    assert!(!waits.is_empty() && waits.len() <= 2, "{waits:?}");
    assert!(waits.iter().all(|w| *w >= Duration::from_secs(3)), "{waits:?}");
    assert!(
        server.request_count() <= 2,
        "{} requests in 5 s",
        server.request_count()
    );
}
