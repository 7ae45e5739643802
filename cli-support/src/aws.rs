//! AWS SDK configuration and error reporting shared by the tools that call AWS.
//!
//! Configuration comes from the standard chain (environment, shared config and credentials
//! files with `--profile`, SSO, web identity, container and instance metadata, credential
//! process), with `--region`, `--profile` and `--endpoint-url` on top. `AWS_ENDPOINT_URL`
//! (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`) are read by the SDK itself. HTTPS goes
//! through rustls with the ring provider; there is no other TLS stack.

use std::error::Error as StdError;
use std::fmt;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// The AWS flags every AWS tool takes: flatten into its arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// AWS region [default: AWS_REGION, else the profile's region].
    #[arg(long, value_name = "REGION", help_heading = "AWS")]
    pub region: Option<String>,
    /// Named profile from the shared config and credentials files [default: AWS_PROFILE].
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    pub profile: Option<String>,
    /// Send AWS requests to URL (a local emulator, a VPC endpoint) [default: AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL", help_heading = "AWS")]
    pub endpoint_url: Option<String>,
}

/// The attempts per call (the first and the retries) when nothing else sets them: the SDK's
/// own default is 3, which a run of a few hundred calls against an API that fails now and
/// then (throttling in a busy account, a 503 storm) exhausts often enough to fail CI jobs.
/// At 8, with the SDK's exponential backoff (up to 20 s) and jitter, a call fails only after
/// about a minute of errors in a row.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// The SDK's retry configuration the tools run with when `AWS_MAX_ATTEMPTS` and the profile's
/// `max_attempts` say nothing: the standard mode (backoff with jitter, a retry quota) with
/// [`DEFAULT_MAX_ATTEMPTS`]. Mock clients in unit tests use it, so the calls they count are
/// the calls production sends.
pub fn default_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS)
}

/// How long a call may take, so that an API that accepts connections and never answers
/// cannot hang a tool (the SDK's own default is no limit): 5 s to connect, 30 s per attempt,
/// 2 minutes for a call with all its retries. A tool with a `--timeout` bounds its calls by
/// what is left of it as well.
pub fn default_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(30))
        .operation_timeout(std::time::Duration::from_mins(2))
        .build()
}

/// Load the SDK configuration; fails when no region can be found. `fallback_region` (for
/// example the region in a task ARN) wins over the chain but not over `--region`.
pub async fn load_config(
    args: &AwsArgs,
    fallback_region: Option<&str>,
) -> anyhow::Result<SdkConfig> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http.clone());
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = args.region.as_deref().or(fallback_region) {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let mut config = loader.load().await;
    // The attempts: the user's (AWS_MAX_ATTEMPTS, the profile's max_attempts) if set, else
    // ours. The SDK resolves an unset value to 3, which cannot be told apart from an
    // explicit 3 in a profile; an explicit AWS_MAX_ATTEMPTS=3 is kept.
    let resolved = config.retry_config().cloned();
    let user_set = std::env::var_os("AWS_MAX_ATTEMPTS").is_some()
        || resolved.as_ref().is_some_and(|r| r.max_attempts() != 3);
    let mut builder = config.into_builder().timeout_config(default_timeouts());
    if !user_set {
        let retries = resolved
            .unwrap_or_else(RetryConfig::standard)
            .with_max_attempts(DEFAULT_MAX_ATTEMPTS);
        builder = builder.retry_config(retries);
    }
    config = builder.build();
    let Some(region) = config.region().cloned() else {
        return Err(crate::usage(
            "no AWS region: pass --region, or set AWS_REGION (or a region in the profile)",
        ));
    };
    if let Some(profile) = &args.profile {
        // As in the AWS CLI, an explicit --profile wins over AWS_ACCESS_KEY_ID and
        // AWS_SECRET_ACCESS_KEY: the SDK's default chain would read the environment's keys
        // first and sign with them (a purge in CI could hit another account). The profile
        // provider still does everything a profile can (static keys, role_arn with a
        // source profile, SSO, credential_process).
        let provider_config = aws_config::provider_config::ProviderConfig::default()
            .with_http_client(http)
            .with_region(Some(region.clone()))
            .with_behavior_version(Some(BehaviorVersion::latest()));
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(profile)
            .build();
        config = config
            .into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build();
    }
    let target = match config.endpoint_url() {
        Some(url) => format!("at {url} (region {region})"),
        None => format!("in {region}"),
    };
    let endpoint = match config.endpoint_url() {
        Some(url) => format!("{url} (region {region})"),
        None => format!("the AWS endpoint of region {region}"),
    };
    // One configuration per process: the first one loaded is where requests go.
    let _ = TARGET.set(target);
    let _ = ENDPOINT.set(endpoint);
    Ok(config)
}

/// Where requests go (`in us-east-1`, `at http://127.0.0.1:5000 (region us-east-1)`), for
/// messages about failing to get there.
static TARGET: OnceLock<String> = OnceLock::new();

/// The endpoint and region requests go to, for "not an AWS answer" messages.
static ENDPOINT: OnceLock<String> = OnceLock::new();

/// The longest body excerpt shown from an answer that is not AWS's.
const EXCERPT_CHARS: usize = 160;

/// An answer that did not come from an AWS service (an HTML page from a proxy, a crashed
/// emulator's traceback): the SDK found no error code in it and the body is not a JSON
/// object, the form of every answer of the JSON protocols these tools use (ECS, ECR,
/// CloudWatch Logs). Returns the message: `HTTP 500 from ENDPOINT, not an AWS answer:
/// EXCERPT` with the first line of the body (or an HTML page's title), sanitised and capped.
fn not_aws_answer(status: u16, body: Option<&[u8]>) -> Option<String> {
    let body = body?;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if serde_json::from_str::<serde_json::Value>(trimmed).is_ok_and(|v| v.is_object()) {
        return None;
    }
    let excerpt = html_title(trimmed)
        .or_else(|| trimmed.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or_default();
    let mut shown: String = excerpt
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    if excerpt.chars().count() > EXCERPT_CHARS {
        shown.push_str("...");
    }
    let endpoint = ENDPOINT.get().map_or("the endpoint", String::as_str);
    Some(format!(
        "HTTP {status} from {endpoint}, not an AWS answer: {shown}"
    ))
}

/// The text of an HTML page's `<title>`, if it has one.
fn html_title(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then_some(title)
}

/// The kind of a non-AWS answer: a gateway's 502/503/504 may pass, anything else will not
/// become an AWS answer on a retry.
fn not_aws_kind(status: u16) -> ErrorKind {
    if matches!(status, 502..=504) {
        ErrorKind::Transient
    } else {
        ErrorKind::Other
    }
}

/// What kind of failure an AWS call had, for retry and exit decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The service answered with an error (`ClusterNotFoundException`, ...).
    Service,
    /// Throttled: try again later.
    Throttling,
    /// A 5xx, a timeout or a network failure: may work on a retry.
    Transient,
    /// No credentials, or they expired or were rejected.
    Credentials,
    /// Anything else (the request could not be built, the response not read).
    Other,
}

/// An AWS call that failed: the operation, the service's error code and message.
/// Displayed as `DescribeTasks: ClusterNotFoundException: Cluster not found.`
#[derive(Debug, Clone)]
pub struct AwsError {
    pub operation: String,
    pub code: Option<String>,
    pub message: String,
    pub kind: ErrorKind,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.operation)?;
        match &self.code {
            Some(code) if self.message.is_empty() => f.write_str(code),
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl StdError for AwsError {}

impl AwsError {
    /// Throttling or a transient failure (5xx, timeout, network): the same call may work
    /// if it is made again.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throttling | ErrorKind::Transient)
    }
}

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

const CREDENTIAL_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "MissingAuthenticationToken",
];

const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServerException",
];

fn chain_has_credentials_error(err: &(dyn StdError + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The full chain of an error's sources, `: `-separated.
fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        if parts.last() != Some(&s) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

impl AwsError {
    /// An answer that is not AWS's (see [`not_aws_answer`]), if it is one.
    fn not_aws(operation: &str, status: u16, body: Option<&[u8]>) -> Option<Self> {
        not_aws_answer(status, body).map(|message| AwsError {
            operation: operation.to_owned(),
            code: None,
            message,
            kind: not_aws_kind(status),
        })
    }

    /// Describe a failed SDK call.
    pub fn from_sdk<E, R>(operation: &str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static + HasStatus,
    {
        let operation = operation.to_owned();
        match err {
            SdkError::ServiceError(se) => {
                let status = se.raw().status();
                let body = se.raw().body_bytes().map(<[u8]>::to_vec);
                let e = se.into_err();
                let code = e.code().map(str::to_owned);
                if code.is_none()
                    && let Some(err) = AwsError::not_aws(&operation, status, body.as_deref())
                {
                    return err;
                }
                let message = e.message().map(str::to_owned).unwrap_or_default();
                let kind = match code.as_deref() {
                    Some(c) if THROTTLING_CODES.contains(&c) => ErrorKind::Throttling,
                    Some(c) if CREDENTIAL_CODES.contains(&c) => ErrorKind::Credentials,
                    Some(c) if TRANSIENT_CODES.contains(&c) => ErrorKind::Transient,
                    _ if status == 429 => ErrorKind::Throttling,
                    _ if status >= 500 => ErrorKind::Transient,
                    _ => ErrorKind::Service,
                };
                let message = if code.is_none() && message.is_empty() {
                    format!("HTTP {status} with no error code")
                } else {
                    message
                };
                AwsError {
                    operation,
                    code,
                    message,
                    kind,
                }
            }
            SdkError::TimeoutError(_) => AwsError {
                operation,
                code: None,
                message: "request timed out".to_owned(),
                kind: ErrorKind::Transient,
            },
            SdkError::DispatchFailure(d) => {
                // What the SDK's own retries treat as transient: I/O errors, timeouts, and
                // the connector's "other" errors it marks retryable (a connection closed
                // before the answer was complete: hyper's IncompleteMessage).
                let retryable_other = matches!(
                    d.as_other(),
                    Some(
                        aws_smithy_types::retry::ErrorKind::TransientError
                            | aws_smithy_types::retry::ErrorKind::ServerError
                            | aws_smithy_types::retry::ErrorKind::ThrottlingError
                    )
                );
                let kind = if d.is_io() || d.is_timeout() || retryable_other {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Other
                };
                let (credentials, message) = match d.as_connector_error() {
                    Some(c) => (chain_has_credentials_error(c), chain_text(c)),
                    None => (false, format!("{d:?}")),
                };
                AwsError {
                    operation,
                    code: None,
                    message: if credentials {
                        format!("no usable AWS credentials: {message}")
                    } else {
                        match TARGET.get() {
                            Some(target) => format!("cannot reach AWS {target}: {message}"),
                            None => format!("cannot reach AWS: {message}"),
                        }
                    },
                    kind: if credentials {
                        ErrorKind::Credentials
                    } else {
                        kind
                    },
                }
            }
            other => {
                let status = other.raw_response().map(HasStatus::status);
                if let Some(raw) = other.raw_response()
                    && raw.status() >= 300
                    && let Some(err) = AwsError::not_aws(&operation, raw.status(), raw.body_bytes())
                {
                    return err;
                }
                let boxed: Box<dyn StdError + Send + Sync> = Box::new(other);
                let credentials = chain_has_credentials_error(boxed.as_ref());
                AwsError {
                    operation,
                    code: None,
                    message: chain_text(boxed.as_ref()),
                    kind: if credentials {
                        ErrorKind::Credentials
                    } else if status.is_some_and(|s| s >= 500) {
                        ErrorKind::Transient
                    } else {
                        ErrorKind::Other
                    },
                }
            }
        }
    }
}

/// The HTTP status (and the body, when it was read) of a raw response (implemented for the
/// SDK's response type).
pub trait HasStatus {
    fn status(&self) -> u16;
    fn body_bytes(&self) -> Option<&[u8]> {
        None
    }
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
    fn body_bytes(&self) -> Option<&[u8]> {
        self.body().bytes()
    }
}

/// `.aws("DescribeTasks")?` turns an SDK error into an [`AwsError`] inside anyhow.
pub trait AwsResultExt<T> {
    fn aws(self, operation: &str) -> Result<T, AwsError>;
}

impl<T, E, R> AwsResultExt<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static + HasStatus,
{
    fn aws(self, operation: &str) -> Result<T, AwsError> {
        self.map_err(|e| AwsError::from_sdk(operation, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service(status: u16, code: Option<&str>, message: &str) -> AwsError {
        let mut meta = ErrorMetadata::builder().message(message);
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        let err: SdkError<ErrorMetadata, Response> = SdkError::service_error(meta.build(), raw);
        AwsError::from_sdk("DescribeTasks", err)
    }

    fn dispatch(err: aws_smithy_runtime_api::client::result::ConnectorError) -> AwsError {
        let err: SdkError<ErrorMetadata, Response> = SdkError::dispatch_failure(err);
        AwsError::from_sdk("DescribeTasks", err)
    }

    /// What every AWS tool runs with: the SDK applies these (it cuts an attempt, and a call
    /// with its retries, that takes longer); a hang of 2 minutes per call is not run here.
    #[tokio::test]
    async fn the_configuration_loaded_has_the_timeouts_and_the_attempts() {
        let args = AwsArgs {
            region: Some("us-east-2".into()),
            profile: None,
            endpoint_url: Some("http://127.0.0.1:9".into()),
        };
        let config = load_config(&args, None).await.unwrap();
        let t = config.timeout_config().unwrap();
        let secs = std::time::Duration::from_secs;
        assert_eq!(t.connect_timeout(), Some(secs(5)));
        assert_eq!(t.operation_attempt_timeout(), Some(secs(30)));
        assert_eq!(t.operation_timeout(), Some(secs(120)));
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() {
            let retries = config.retry_config().unwrap();
            assert_eq!(retries.max_attempts(), DEFAULT_MAX_ATTEMPTS);
        }
    }

    #[test]
    fn a_connection_closed_mid_answer_is_transient_as_the_sdk_says() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let closed = || {
            Box::new(std::io::Error::other(
                "connection closed before message completed",
            ))
        };
        let e = dispatch(ConnectorError::other(
            closed(),
            Some(aws_smithy_types::retry::ErrorKind::TransientError),
        ));
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.is_retryable());
        assert!(dispatch(ConnectorError::io(closed())).is_retryable());
        assert!(dispatch(ConnectorError::timeout(closed())).is_retryable());
        // What the SDK does not retry either.
        assert_eq!(
            dispatch(ConnectorError::other(closed(), None)).kind,
            ErrorKind::Other
        );
        assert_eq!(
            dispatch(ConnectorError::user(closed())).kind,
            ErrorKind::Other
        );
    }

    #[test]
    fn service_errors_show_code_and_message() {
        let e = service(400, Some("ClusterNotFoundException"), "Cluster not found.");
        assert_eq!(
            e.to_string(),
            "DescribeTasks: ClusterNotFoundException: Cluster not found."
        );
        assert_eq!(e.kind, ErrorKind::Service);
        assert!(!e.is_retryable());
        assert_eq!(
            service(500, None, "").to_string(),
            "DescribeTasks: HTTP 500 with no error code"
        );
    }

    #[test]
    fn kinds_follow_codes_then_status() {
        assert_eq!(
            service(400, Some("ThrottlingException"), "Rate exceeded").kind,
            ErrorKind::Throttling
        );
        assert_eq!(
            service(429, Some("Whatever"), "").kind,
            ErrorKind::Throttling
        );
        assert_eq!(
            service(400, Some("ExpiredTokenException"), "expired").kind,
            ErrorKind::Credentials
        );
        assert_eq!(
            service(403, Some("UnrecognizedClientException"), "").kind,
            ErrorKind::Credentials
        );
        assert_eq!(
            service(500, Some("ServerException"), "").kind,
            ErrorKind::Transient
        );
        assert_eq!(service(503, Some("Unknown"), "").kind, ErrorKind::Transient);
        assert!(service(503, None, "").is_retryable());
        assert!(service(400, Some("Throttling"), "").is_retryable());
        assert!(!service(400, Some("ExpiredToken"), "").is_retryable());
    }

    #[test]
    fn html_bodies_are_not_aws_answers() {
        let raw = Response::new(
            StatusCode::try_from(500).unwrap(),
            SdkBody::from(
                "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head></html>",
            ),
        );
        let err: SdkError<ErrorMetadata, Response> =
            SdkError::service_error(ErrorMetadata::builder().build(), raw);
        let e = AwsError::from_sdk("ListImages", err);
        assert!(
            e.to_string().starts_with("ListImages: HTTP 500 from ")
                && e.to_string()
                    .ends_with(", not an AWS answer: 500 Internal Server Error"),
            "{e}"
        );
        assert!(!e.is_retryable());
        let line = not_aws_answer(502, Some("Bad gateway\nmore".as_bytes())).unwrap();
        assert!(line.ends_with("not an AWS answer: Bad gateway"), "{line}");
        assert_eq!(not_aws_kind(502), ErrorKind::Transient);
        assert_eq!(not_aws_answer(500, Some(br#"{"__type":"X"}"#)), None);
        assert_eq!(not_aws_answer(500, Some(b"  ")), None);
        let long = "x".repeat(500);
        assert!(
            not_aws_answer(500, Some(long.as_bytes()))
                .unwrap()
                .ends_with("x...")
        );
    }

    #[test]
    fn timeouts_are_transient() {
        let err: SdkError<ErrorMetadata, Response> = SdkError::timeout_error("slow");
        let e = AwsError::from_sdk("RunTask", err);
        assert_eq!(e.to_string(), "RunTask: request timed out");
        assert!(e.is_retryable());
    }
}
