//! AWS requests: credentials from the standard chain (environment, shared config and
//! credentials files with profiles, web identity, SSO, process, EC2 instance metadata with
//! IMDSv2 — all `aws-config`'s), cached until shortly before they expire, and SigV4 signatures
//! (`aws-sigv4`) on plain reqwest requests.
//!
//! Credentials stay in memory: never logged, never in an error message.

use super::SourceError;
use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// Refresh credentials this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Where a source's AWS requests go and how they are signed.
pub struct AwsAuth {
    provider: SharedCredentialsProvider,
    pub region: String,
    cached: Mutex<Option<Credentials>>,
}

impl std::fmt::Debug for AwsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsAuth")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl AwsAuth {
    /// The default chain, for `profile` if given. `region` wins over the profile's region.
    pub async fn from_chain(profile: Option<&str>, region: Option<&str>) -> Result<AwsAuth, SourceError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = region {
            loader = loader.region(aws_config::Region::new(r.to_string()));
        }
        let config = loader.load().await;
        let region = match (region, config.region()) {
            (Some(r), _) => r.to_string(),
            (None, Some(r)) => r.to_string(),
            (None, None) => {
                return Err(SourceError::Credentials(
                    "no region: set `region` on the source, AWS_REGION, or the profile's region".into(),
                ));
            }
        };
        let provider = config
            .credentials_provider()
            .ok_or_else(|| SourceError::Credentials("no AWS credentials provider is available".into()))?;
        Ok(AwsAuth {
            provider,
            region,
            cached: Mutex::new(None),
        })
    }

    async fn credentials(&self) -> Result<Credentials, SourceError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.expiry()
                .is_none_or(|at| at > SystemTime::now() + REFRESH_MARGIN)
        {
            return Ok(c.clone());
        }
        let fresh = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| SourceError::Credentials(credentials_error(&e)))?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forget cached credentials (after the service refused them).
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }

    /// Sign `request` (whose body, if any, is already set as bytes) for `service`.
    pub async fn sign(&self, request: &mut reqwest::Request, service: &str) -> Result<(), SourceError> {
        let credentials = self.credentials().await?;
        sign_with(request, &credentials, &self.region, service, SystemTime::now())
    }
}

/// The chain's error, with its causes, for the health pane. It names what was tried, not the
/// secrets.
fn credentials_error(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    crate::text::truncate(&crate::text::clean_line(&message), 300).into_owned()
}

/// SigV4 over method, URL, the headers already set, and the body.
pub fn sign_with(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), SourceError> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SourceError::Credentials(format!("signing: {e}")))?
        .into();
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .unwrap_or_default()
        .to_vec();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.url().as_str(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| SourceError::Credentials(format!("signing: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| SourceError::Credentials(format!("signing: {e}")))?
        .into_parts();
    for (name, value) in instructions.headers() {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| SourceError::Credentials(format!("signing: {e}")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|e| SourceError::Credentials(format!("signing: {e}")))?;
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

/// `https://{service}.{region}.amazonaws.com` (and the China partition's suffix).
pub fn default_endpoint(service: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{service}.{region}.{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_names_service_region_and_signed_headers() {
        let mut request = reqwest::Request::new(
            reqwest::Method::POST,
            "https://securityhub.eu-west-1.amazonaws.com/findings"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        request.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        *request.body_mut() = Some(b"{}".to_vec().into());
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("tok".into()), None, "t");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_824_000); // 2026-11-28
        sign_with(&mut request, &credentials, "eu-west-1", "securityhub", at)
            .unwrap_or_else(|e| panic!("{e}"));
        let auth = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-west-1/securityhub/aws4_request"
            ),
            "{auth}"
        );
        assert!(auth.contains("SignedHeaders="), "{auth}");
        assert!(!auth.contains("secret"));
        assert!(request.headers().contains_key("x-amz-date"));
        assert_eq!(
            request
                .headers()
                .get("x-amz-security-token")
                .and_then(|v| v.to_str().ok()),
            Some("tok")
        );
    }

    #[test]
    fn default_endpoints_follow_the_partition() {
        assert_eq!(
            default_endpoint("backup", "us-east-1"),
            "https://backup.us-east-1.amazonaws.com"
        );
        assert_eq!(
            default_endpoint("securityhub", "cn-north-1"),
            "https://securityhub.cn-north-1.amazonaws.com.cn"
        );
    }
}
