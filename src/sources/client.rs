//! The network side of each kind of source: build the requests, send them through [`Http`],
//! hand the bytes to the kind's parser. One `poll` is one look at the source (all pages, all
//! searches).

use super::aws::AwsAuth;
use super::backup::{self, BackupJob, BackupQuery};
use super::config::{SourceConfig, SourceKind, SplunkAuth};
use super::http::Http;
use super::securityhub::{self, Finding, FindingsQuery, Workflow};
use super::splunk::{self, ExportParser, SearchConfig, SearchOutcome};
use super::{Snapshot, SourceError};
use chrono::Utc;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Request, Url};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;

/// What one poll read.
#[derive(Debug)]
pub struct Poll {
    pub snapshot: Snapshot,
    pub pages: u32,
    pub bytes: u64,
}

pub enum Client {
    SecurityHub(SecurityHub),
    Splunk(Splunk),
    Backup(Backup),
}

impl Client {
    /// Credentials and HTTP client for `config`. AWS credentials may take a moment (the chain
    /// can ask the instance metadata service), so this runs in the source's own task.
    pub async fn connect(config: &SourceConfig) -> Result<Client, SourceError> {
        let http = Http::new(
            config.timeout,
            config.max_response_bytes,
            config.ca_file.as_deref(),
            config.insecure_skip_verify,
        )?;
        Ok(match config.kind {
            SourceKind::Securityhub => {
                let auth = AwsAuth::from_chain(config.profile.as_deref(), config.region.as_deref()).await?;
                let base = config.endpoint(&auth.region);
                Client::SecurityHub(SecurityHub {
                    http,
                    findings: url(&base, "/findings")?,
                    batch_update: url(&base, "/findings/batchupdate")?,
                    auth,
                    query: config.findings_query.clone(),
                })
            }
            SourceKind::Backup => {
                let auth = AwsAuth::from_chain(config.profile.as_deref(), config.region.as_deref()).await?;
                let base = config.endpoint(&auth.region);
                Client::Backup(Backup {
                    http,
                    jobs: url(&base, "/backup-jobs/")?,
                    auth,
                    query: config.backup_query.clone(),
                })
            }
            SourceKind::Splunk => Client::Splunk(Splunk {
                http,
                base: config.endpoint(""),
                searches: config.search.clone(),
                credentials: SplunkCredentials::load(config)?,
                session: Mutex::new(None),
                v1: AtomicBool::new(false),
            }),
        })
    }

    pub async fn poll(&self) -> Result<Poll, SourceError> {
        match self {
            Client::SecurityHub(c) => c.poll().await,
            Client::Splunk(c) => c.poll().await,
            Client::Backup(c) => c.poll().await,
        }
    }
}

fn url(base: &str, path: &str) -> Result<Url, SourceError> {
    Url::parse(&format!("{}{path}", base.trim_end_matches('/')))
        .map_err(|e| SourceError::Connect(format!("{base}: {e}")))
}

fn json_request(method: Method, url: &Url, body: Vec<u8>) -> Request {
    let mut request = Request::new(method, url.clone());
    request
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    *request.body_mut() = Some(body.into());
    request
}

pub struct SecurityHub {
    http: Http,
    auth: AwsAuth,
    findings: Url,
    batch_update: Url,
    query: FindingsQuery,
}

impl SecurityHub {
    async fn poll(&self) -> Result<Poll, SourceError> {
        let mut findings: Vec<Finding> = Vec::new();
        let mut token: Option<String> = None;
        let (mut pages, mut bytes) = (0u32, 0u64);
        loop {
            let body = securityhub::findings_request(&self.query, token.as_deref());
            let mut request = json_request(Method::POST, &self.findings, body);
            let response = self.send(&mut request).await?;
            pages += 1;
            bytes += response.len() as u64;
            let page = securityhub::parse_findings(&response)?;
            findings.extend(page.findings);
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() || pages >= self.query.max_pages.max(1) {
                break;
            }
        }
        Ok(Poll {
            snapshot: Snapshot::Findings(findings),
            pages,
            bytes,
        })
    }

    async fn send(&self, request: &mut Request) -> Result<Vec<u8>, SourceError> {
        self.auth.sign(request, "securityhub").await?;
        let Some(request) = request.try_clone() else {
            return Err(SourceError::Connect("request body cannot be resent".into()));
        };
        match self.http.fetch(request).await {
            Ok(r) => Ok(r.body),
            Err(e) => {
                if e.is_unauthorized() {
                    self.auth.forget().await;
                }
                Err(e)
            }
        }
    }

    /// Set the workflow status and/or add a note through `BatchUpdateFindings`. Findings the
    /// service did not process make the whole call an error naming them.
    pub async fn update(
        &self,
        findings: &[(String, String)],
        workflow: Option<&Workflow>,
        note: Option<(&str, &str)>,
    ) -> Result<usize, SourceError> {
        let ids: Vec<(&str, &str)> = findings
            .iter()
            .map(|(id, arn)| (id.as_str(), arn.as_str()))
            .collect();
        let body = securityhub::batch_update_request(&ids, workflow, note)?;
        let mut request = json_request(Method::PATCH, &self.batch_update, body);
        let response = self.send(&mut request).await?;
        securityhub::parse_batch_update(&response)?.into_result()
    }
}

pub struct Backup {
    http: Http,
    auth: AwsAuth,
    jobs: Url,
    query: BackupQuery,
}

impl Backup {
    async fn poll(&self) -> Result<Poll, SourceError> {
        let mut jobs: Vec<BackupJob> = Vec::new();
        let mut token: Option<String> = None;
        let (mut pages, mut bytes) = (0u32, 0u64);
        let now = Utc::now();
        loop {
            let mut url = self.jobs.clone();
            url.query_pairs_mut()
                .extend_pairs(backup::list_query(&self.query, now, token.as_deref()));
            let mut request = Request::new(Method::GET, url);
            self.auth.sign(&mut request, "backup").await?;
            let response = match self.http.fetch(request).await {
                Ok(r) => r.body,
                Err(e) => {
                    if e.is_unauthorized() {
                        self.auth.forget().await;
                    }
                    return Err(e);
                }
            };
            pages += 1;
            bytes += response.len() as u64;
            let page = backup::parse_jobs(&response)?;
            jobs.extend(page.jobs);
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() || pages >= self.query.max_pages.max(1) {
                break;
            }
        }
        Ok(Poll {
            snapshot: Snapshot::Backups(jobs),
            pages,
            bytes,
        })
    }
}

/// A secret read from the environment or a file: never printed, never logged.
#[derive(Clone)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl Secret {
    /// From the variable `env`, else the file `file`. The error names where it looked.
    pub fn load(env: Option<&str>, file: Option<&Path>) -> Result<Secret, SourceError> {
        if let Some(name) = env {
            return match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                _ => Err(SourceError::Credentials(format!(
                    "the environment variable {name} is not set"
                ))),
            };
        }
        if let Some(path) = file {
            return match std::fs::read_to_string(path) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                Ok(_) => Err(SourceError::Credentials(format!("{} is empty", path.display()))),
                Err(e) => Err(SourceError::Credentials(format!("{}: {e}", path.display()))),
            };
        }
        Err(SourceError::Credentials("no secret configured".into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug)]
enum SplunkCredentials {
    Bearer(Secret),
    Basic { username: String, password: Secret },
    Session { username: String, password: Secret },
}

impl SplunkCredentials {
    fn load(c: &SourceConfig) -> Result<SplunkCredentials, SourceError> {
        let password = || Secret::load(c.password_env.as_deref(), c.password_file.as_deref());
        let username = || c.username.clone().unwrap_or_default();
        Ok(match c.auth.unwrap_or(SplunkAuth::Bearer) {
            SplunkAuth::Bearer => {
                SplunkCredentials::Bearer(Secret::load(c.token_env.as_deref(), c.token_file.as_deref())?)
            }
            SplunkAuth::Basic => SplunkCredentials::Basic {
                username: username(),
                password: password()?,
            },
            SplunkAuth::Session => SplunkCredentials::Session {
                username: username(),
                password: password()?,
            },
        })
    }
}

pub struct Splunk {
    http: Http,
    base: String,
    searches: Vec<SearchConfig>,
    credentials: SplunkCredentials,
    /// The session key from `/services/auth/login`, when logging in that way.
    session: Mutex<Option<Secret>>,
    /// The server answered 404 on v2: a pre-9.0 Splunk, so use v1 from now on.
    v1: AtomicBool,
}

impl Splunk {
    async fn poll(&self) -> Result<Poll, SourceError> {
        let mut outcomes = Vec::with_capacity(self.searches.len());
        let mut bytes = 0u64;
        for search in &self.searches {
            let result = self.run(search, &mut bytes).await;
            let count = result.as_ref().ok().map(|r| splunk::count_of(search, r));
            outcomes.push(SearchOutcome {
                name: search.name.clone(),
                result,
                count,
            });
        }
        // One search failing is that search's problem; all failing is the source's.
        if let Some(Err(first)) = outcomes.first().map(|o| &o.result)
            && outcomes.iter().all(|o| o.result.is_err())
        {
            return Err(first.clone());
        }
        Ok(Poll {
            pages: outcomes.len() as u32,
            snapshot: Snapshot::Searches(outcomes),
            bytes,
        })
    }

    async fn run(&self, search: &SearchConfig, bytes: &mut u64) -> Result<splunk::SearchResult, SourceError> {
        let form = splunk::export_form(search)?;
        let mut relogged = false;
        loop {
            let v1 = self.v1.load(Ordering::Relaxed);
            let path = if v1 {
                "/services/search/jobs/export"
            } else {
                "/services/search/v2/jobs/export"
            };
            let mut request = Request::new(Method::POST, url(&self.base, path)?);
            let body = form_body(&form);
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            *request.body_mut() = Some(body.into());
            self.authorize(&mut request).await?;
            let mut parser = ExportParser::new(search.max_rows);
            let outcome = self
                .http
                .exchange(request, |chunk| {
                    *bytes += chunk.len() as u64;
                    parser.push(chunk)
                })
                .await;
            match outcome {
                Ok(_) => return parser.finish(),
                Err(SourceError::Http { status: 404, .. }) if !v1 => {
                    tracing::info!(base = %self.base, "search/v2 export not found; using v1");
                    self.v1.store(true, Ordering::Relaxed);
                }
                Err(SourceError::Unauthorized { status: 401, .. })
                    if !relogged && matches!(self.credentials, SplunkCredentials::Session { .. }) =>
                {
                    // The session expired: log in again, once.
                    relogged = true;
                    *self.session.lock().await = None;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn authorize(&self, request: &mut Request) -> Result<(), SourceError> {
        let value = match &self.credentials {
            SplunkCredentials::Bearer(token) => format!("Bearer {}", token.expose()),
            SplunkCredentials::Basic { username, password } => {
                format!("Basic {}", base64(&format!("{username}:{}", password.expose())))
            }
            SplunkCredentials::Session { username, password } => {
                let mut session = self.session.lock().await;
                if session.is_none() {
                    *session = Some(self.login(username, password).await?);
                }
                let key = session.as_ref().map(Secret::expose).unwrap_or_default();
                format!("Splunk {key}")
            }
        };
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| SourceError::Credentials("the secret holds characters a header cannot".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    async fn login(&self, username: &str, password: &Secret) -> Result<Secret, SourceError> {
        let mut request = Request::new(Method::POST, url(&self.base, "/services/auth/login")?);
        request.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let form = [
            ("username", username.to_string()),
            ("password", password.expose().to_string()),
            ("output_mode", "json".to_string()),
        ];
        *request.body_mut() = Some(form_body(&form).into());
        let response = self.http.fetch(request).await?;
        splunk::parse_session_key(&response.body).map(Secret)
    }
}

/// `application/x-www-form-urlencoded`.
fn form_body(pairs: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
