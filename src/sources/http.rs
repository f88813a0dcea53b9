//! HTTP for sources: one reqwest client per source, with its TLS settings; every exchange
//! bounded in time (a deadline over the whole exchange, so a server that trickles one byte a
//! second cannot hold a poll forever) and in size (the response-size cap, checked while
//! reading, so a 200 MB body is refused without being held).

use super::SourceError;
use crate::text::{clean_line, truncate};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// Error bodies are read up to this much: enough for any message, not a flood.
const ERROR_BODY_CAP: u64 = 64 * 1024;

/// A source's HTTP client and its limits.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    pub timeout: Duration,
    pub cap: u64,
}

/// A successful (2xx) response, body read in full.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Http {
    pub fn new(
        timeout: Duration,
        cap: u64,
        ca_file: Option<&Path>,
        insecure: bool,
    ) -> Result<Http, SourceError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            .danger_accept_invalid_certs(insecure);
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| SourceError::Connect(format!("CA bundle {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| SourceError::Connect(format!("CA bundle {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(SourceError::Connect(format!(
                    "CA bundle {}: no certificates in it",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| SourceError::Connect(format!("HTTP client: {e}")))?;
        Ok(Http { client, timeout, cap })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Send, and read the whole body of a 2xx response (up to the cap).
    pub async fn fetch(&self, request: reqwest::Request) -> Result<Response, SourceError> {
        let mut body = Vec::new();
        let (status, headers) = self
            .exchange(request, |chunk| {
                body.extend_from_slice(chunk);
                Ok(())
            })
            .await?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// Send, and hand a 2xx body to `on_chunk` as it arrives (for streams parsed as they come).
    /// Non-2xx answers become errors. The deadline covers the whole exchange.
    pub async fn exchange(
        &self,
        request: reqwest::Request,
        on_chunk: impl FnMut(&[u8]) -> Result<(), SourceError>,
    ) -> Result<(u16, HeaderMap), SourceError> {
        let deadline = Instant::now() + self.timeout;
        match tokio::time::timeout_at(deadline, self.exchange_inner(request, on_chunk)).await {
            Ok(result) => result,
            Err(_) => Err(SourceError::Timeout(self.timeout)),
        }
    }

    async fn exchange_inner(
        &self,
        request: reqwest::Request,
        mut on_chunk: impl FnMut(&[u8]) -> Result<(), SourceError>,
    ) -> Result<(u16, HeaderMap), SourceError> {
        let mut response = self.client.execute(request).await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if !(200..300).contains(&status) {
            let mut body = Vec::new();
            // The error body is only for the message: a broken one still leaves the status.
            let _ = read_capped(&mut response, ERROR_BODY_CAP, |c| {
                body.extend_from_slice(c);
                Ok(())
            })
            .await;
            return Err(status_error(status, &headers, &body));
        }
        if let Some(len) = response.content_length()
            && len > self.cap
        {
            return Err(SourceError::TooLarge { cap: self.cap });
        }
        read_capped(&mut response, self.cap, &mut on_chunk).await?;
        Ok((status, headers))
    }
}

/// Read the body chunk by chunk; more than `cap` bytes is an error, not a bigger buffer.
async fn read_capped(
    response: &mut reqwest::Response,
    cap: u64,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), SourceError>,
) -> Result<u64, SourceError> {
    let mut read = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        read += chunk.len() as u64;
        if read > cap {
            return Err(SourceError::TooLarge { cap });
        }
        on_chunk(&chunk)?;
    }
    Ok(read)
}

fn transport(e: reqwest::Error) -> SourceError {
    // reqwest's message names the URL and the cause; it never carries credentials (they
    // travel in headers).
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let message = truncate(&clean_line(&message), 300).into_owned();
    if e.is_decode() || e.is_body() {
        SourceError::Malformed(format!("the response broke off: {message}"))
    } else {
        SourceError::Connect(message)
    }
}

/// Map a non-2xx answer to an error: 401/403 unauthorised; 429, 503 and AWS throttling codes
/// throttled (with `Retry-After`); the rest by status, each with the service's own message.
pub fn status_error(status: u16, headers: &HeaderMap, body: &[u8]) -> SourceError {
    let aws_type = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_string());
    let message = error_message(aws_type.as_deref(), body);
    let throttling = aws_type.as_deref().is_some_and(|t| {
        [
            "Throttl",
            "TooManyRequests",
            "LimitExceeded",
            "SlowDown",
            "RequestLimitExceeded",
        ]
        .iter()
        .any(|k| t.contains(k))
    });
    match status {
        401 | 403 => SourceError::Unauthorized { status, message },
        429 | 503 => SourceError::Throttled {
            status,
            retry_after: retry_after(headers),
            message,
        },
        _ if throttling => SourceError::Throttled {
            status,
            retry_after: retry_after(headers),
            message,
        },
        _ => SourceError::Http { status, message },
    }
}

/// `Retry-After`: seconds, or an HTTP date. Capped at an hour; a broken value is ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(Duration::from_secs(3600)))
}

/// The human part of an error body: AWS's `Message`/`message`, Splunk's `messages[].text`,
/// an HTML page's title; else the start of the body. Always one clean, short line.
pub fn error_message(aws_type: Option<&str>, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_CAP as usize)]);
    let trimmed = text.trim();
    let from_json = serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .and_then(|v| {
            let aws = ["Message", "message", "errorMessage"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|m| m.as_str()).map(str::to_string));
            let splunk = v.get("messages").and_then(|m| m.as_array()).map(|list| {
                list.iter()
                    .filter_map(|m| m.get("text").and_then(|t| t.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            aws.or(splunk.filter(|s| !s.is_empty()))
        });
    let message = match from_json {
        Some(m) => m,
        None if trimmed.starts_with('<') => html_summary(trimmed),
        None if trimmed.is_empty() => "no message".to_string(),
        None => trimmed.to_string(),
    };
    let message = match aws_type {
        Some(t) if !t.is_empty() => format!("{t}: {message}"),
        _ => message,
    };
    truncate(&clean_line(&message), 200).into_owned()
}

fn html_summary(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        lower[from..]
            .find("</title>")
            .map(|len| html[from..from + len].trim().to_string())
    });
    match title {
        Some(t) if !t.is_empty() => format!("an HTML page instead of data (\"{t}\")"),
        _ => "an HTML page instead of data".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.insert(*k, v);
            }
        }
        h
    }

    #[test]
    fn statuses_map_to_health() {
        let none = HeaderMap::new();
        assert!(matches!(
            status_error(401, &none, b""),
            SourceError::Unauthorized { status: 401, .. }
        ));
        assert!(matches!(
            status_error(403, &none, b""),
            SourceError::Unauthorized { status: 403, .. }
        ));
        assert_eq!(
            status_error(429, &headers(&[("retry-after", "7")]), b"").retry_after(),
            Some(Duration::from_secs(7))
        );
        let throttled = status_error(
            400,
            &headers(&[("x-amzn-errortype", "ThrottlingException:http://internal")]),
            br#"{"message":"Rate exceeded"}"#,
        );
        assert_eq!(
            throttled.to_string(),
            "throttled (HTTP 400): ThrottlingException: Rate exceeded"
        );
        assert!(matches!(
            status_error(500, &none, b"oops"),
            SourceError::Http { status: 500, .. }
        ));
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date_and_caps_both() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")])),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "999999")])),
            Some(Duration::from_secs(3600))
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let wait = retry_after(&headers(&[("retry-after", &soon)])).unwrap_or_default();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }

    #[test]
    fn error_messages_are_found_and_cleaned() {
        assert_eq!(
            error_message(
                Some("InvalidInputException"),
                br#"{"__type":"InvalidInputException","Message":"bad filter"}"#
            ),
            "InvalidInputException: bad filter"
        );
        assert_eq!(
            error_message(
                None,
                br#"{"messages":[{"type":"ERROR","text":"Unknown search command 'foo'."}]}"#
            ),
            "Unknown search command 'foo'."
        );
        assert_eq!(
            error_message(None, b"<html><head><title>502 Bad Gateway</title></head></html>"),
            "an HTML page instead of data (\"502 Bad Gateway\")"
        );
        assert_eq!(
            error_message(None, b"\x1b]0;pwned\x07evil \x1b[2Jtext"),
            "evil text"
        );
        assert!(error_message(None, &[b'x'; 5000]).chars().count() <= 200);
    }
}
