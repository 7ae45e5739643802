//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use cli_support::generate::GenerateArgs;
use reqwest::Method;
use reqwest::header::HeaderName;

use crate::expect::HeaderExpect;
use crate::matcher::StatusMatcher;
use crate::request::{self, Resolve};
use cli_support::duration;

/// `--expect-status` when not given.
pub const DEFAULT_STATUS: &str = "200-299";

/// `--max-body` when not given (bytes).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The `EXIT STATUS` section of `--help`; the README's table is the same text.
pub const EXIT_STATUS: &str = "\
EXIT STATUS
  0    every URL is healthy (and stayed healthy through --stay-healthy)
  1    a URL was not healthy by the deadline, gave up early (--max-attempts,
       --fail-on, a Retry-After past the deadline) or failed the --stay-healthy
       watch
  2    usage error: a malformed URL, matcher, regex, filter, header, duration
       or file
  130  interrupted (SIGINT)
  143  terminated (SIGTERM)";

/// Typical runs for `--help` and the man page's EXAMPLES section (each line at most 80
/// columns; a long command goes on after a backslash).
const EXAMPLES: &str = "\
EXAMPLES
  health-probe --timeout 5m --expect-json '.status == \"healthy\"' \\
      https://app.example.com/health
  health-probe --healthy-threshold 3 --expect-status 200,204 --stay-healthy 2m \\
      https://app.example.com/health
  health-probe https://app.example.com/health tcp://db.internal:5432
  health-probe --header-from-env Authorization=HEALTH_TOKEN \\
      https://app.example.com/internal/health
  health-probe -q --json https://app.example.com/health > probe.json";

/// Probe HTTP(S) endpoints (or TCP ports) until every one is healthy or a deadline passes.
///
/// Each URL is probed concurrently until it gives --healthy-threshold consecutive answers
/// that meet every expectation (by default a 2xx status). Failed attempts (refused, reset,
/// DNS, TLS, timeouts, 5xx, 429, unmet expectations) are retried every --interval until the
/// --timeout deadline, which is hard: the process ends by it even when a server hangs.
/// One line per attempt goes to stderr; --json prints a report on stdout in every outcome.
/// Header values, URL credentials and token-like query parameters are never shown.
// Flags are bools; grouping them into enums would not make the command line clearer.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Parser)]
#[command(
    name = "health-probe",
    version,
    about,
    long_about,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}")
)]
pub struct Cli {
    /// URLs to probe: http://, https://, or tcp://HOST:PORT (a TCP connect). All must become
    /// healthy.
    #[arg(value_name = "URL", required_unless_present = "generate")]
    pub urls: Vec<String>,

    /// Overall deadline for every URL to become healthy (30s, 2m, 1m30s; a unit is required).
    #[arg(short = 't', long, value_name = "DURATION", default_value = "5m",
          value_parser = duration::parse_positive, help_heading = "Timing")]
    pub timeout: Duration,

    /// Timeout of one attempt (connect, request, body), clamped to the time left.
    #[arg(long, value_name = "DURATION", default_value = "5s",
          value_parser = duration::parse_positive, help_heading = "Timing")]
    pub attempt_timeout: Duration,

    /// Time between the starts of two attempts on one URL.
    #[arg(short = 'i', long, value_name = "DURATION", default_value = "5s",
          value_parser = duration::parse_positive, help_heading = "Timing")]
    pub interval: Duration,

    /// After each failure, wait longer: exponential from --interval up to --max-interval,
    /// with jitter; a success resets it.
    #[arg(long, help_heading = "Timing")]
    pub backoff: bool,

    /// The longest wait with --backoff.
    #[arg(long, value_name = "DURATION", default_value = "30s", requires = "backoff",
          value_parser = duration::parse_positive, help_heading = "Timing")]
    pub max_interval: Duration,

    /// Give up on a URL after N attempts, even before the deadline.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          help_heading = "Timing")]
    pub max_attempts: Option<u32>,

    /// Consecutive successes a URL needs to count as healthy (like an ALB target group).
    #[arg(long, value_name = "N", default_value = "1",
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Timing")]
    pub healthy_threshold: u32,

    /// Once every URL is healthy, keep probing for this long (after, not within, --timeout)
    /// and fail on --unhealthy-threshold consecutive failures: a canary watch.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse_positive,
          help_heading = "Timing")]
    pub stay_healthy: Option<Duration>,

    /// Consecutive failures that fail the --stay-healthy watch.
    #[arg(long, value_name = "N", default_value = "2", requires = "stay_healthy",
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Timing")]
    pub unhealthy_threshold: u32,

    /// Healthy status codes, in ALB matcher syntax: 200, 200,204, 200-299, or a mix.
    #[arg(short = 's', long, value_name = "CODES", default_value = DEFAULT_STATUS,
          value_parser = StatusMatcher::parse, help_heading = "Expectations")]
    pub expect_status: StatusMatcher,

    /// The body must contain TEXT (repeatable: all must hold).
    #[arg(long, value_name = "TEXT", help_heading = "Expectations")]
    pub expect_body: Vec<String>,

    /// The body must match the regular expression (repeatable).
    #[arg(long, value_name = "REGEX", value_parser = parse_body_regex,
          help_heading = "Expectations")]
    pub expect_body_regex: Vec<regex::bytes::Regex>,

    /// A jq filter over the JSON body that must give exactly `true`, e.g.
    /// '.status == "ok"' or '.commit == env.GITHUB_SHA' (repeatable). A body that is not
    /// JSON fails the attempt.
    #[arg(long, value_name = "FILTER", help_heading = "Expectations")]
    pub expect_json: Vec<String>,

    /// Make $NAME a string variable of the --expect-json filters.
    #[arg(long, num_args = 2, value_names = ["NAME", "VALUE"], requires = "expect_json",
          help_heading = "Expectations")]
    pub arg: Vec<String>,

    /// End the probe at once (exit 1) when an attempt answers one of these statuses, e.g.
    /// 404,401 (codes and ranges as in --expect-status). Without it a wrong path is retried
    /// to the deadline (a warning says so after 3 attempts in a row answer the same 4xx).
    #[arg(long, value_name = "CODES", value_parser = StatusMatcher::parse,
          help_heading = "Expectations")]
    pub fail_on: Option<StatusMatcher>,

    /// A response header that must be present ('Name') or have a value matching a regex
    /// ('Name: regex') (repeatable).
    #[arg(long, value_name = "NAME[: REGEX]", value_parser = HeaderExpect::parse,
          help_heading = "Expectations")]
    pub expect_header: Vec<HeaderExpect>,

    /// Slower answers (or TCP connects) fail the attempt.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse_positive,
          help_heading = "Expectations")]
    pub max_latency: Option<Duration>,

    /// Request method [default: GET, or POST with --data/--data-file].
    #[arg(short = 'X', long, value_name = "METHOD", value_parser = request::parse_method,
          help_heading = "Request")]
    pub method: Option<Method>,

    /// A request header 'Name: value' (repeatable). For tokens prefer --header-file or
    /// --header-from-env, which keep the value out of the process list.
    #[arg(
        short = 'H',
        long,
        value_name = "NAME: VALUE",
        help_heading = "Request"
    )]
    pub header: Vec<String>,

    /// Request headers from a file, one 'Name: value' a line ('#' comments, blank lines).
    #[arg(long, value_name = "FILE", help_heading = "Request")]
    pub header_file: Vec<PathBuf>,

    /// A request header whose value is the environment variable VAR (repeatable).
    #[arg(long, value_name = "NAME=VAR", value_parser = request::parse_header_from_env,
          help_heading = "Request")]
    pub header_from_env: Vec<(HeaderName, String)>,

    /// Request body (implies POST unless --method is given).
    #[arg(
        short = 'd',
        long,
        value_name = "DATA",
        conflicts_with = "data_file",
        help_heading = "Request"
    )]
    pub data: Option<String>,

    /// Request body from a file ('-' for stdin; implies POST unless --method is given).
    #[arg(long, value_name = "FILE", help_heading = "Request")]
    pub data_file: Option<PathBuf>,

    /// Do not follow redirects: a 3xx is the answer, matched like any other status. Without
    /// it, up to 20 are followed; credentials (Authorization, Cookie, credential-named
    /// --header, every --header-file and --header-from-env header, the URL's user and
    /// password) are not sent again once a redirect has left the URL's origin (scheme, host,
    /// port), even back to it.
    #[arg(long, help_heading = "Request")]
    pub no_redirect: bool,

    /// Accept any TLS certificate (self-signed, expired, wrong name).
    #[arg(short = 'k', long, help_heading = "Request")]
    pub insecure: bool,

    /// Also trust the CA certificates (PEM) in FILE, in addition to the system's roots
    /// (repeatable).
    #[arg(long, value_name = "FILE", help_heading = "Request")]
    pub cacert: Vec<PathBuf>,

    /// Connect to ADDR for HOST:PORT, keeping HOST for the Host header and TLS name, to
    /// probe one target behind a load balancer's name (repeatable; ADDR may be a list).
    #[arg(long, value_name = "HOST:PORT:ADDR", value_parser = Resolve::parse,
          help_heading = "Request")]
    pub resolve: Vec<Resolve>,

    /// Read at most this much of a body (bytes, or 64KiB, 1MiB).
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = request::parse_size,
          help_heading = "Request")]
    pub max_body: usize,

    /// No status lines on stderr (errors and warnings still show): no line per attempt, and
    /// nothing at all on success.
    #[arg(short = 'q', long, help_heading = "Output")]
    pub quiet: bool,

    /// Print a JSON report on stdout when done, whatever the outcome.
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    #[command(flatten)]
    pub generate: GenerateArgs,
}

fn parse_body_regex(text: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::Regex::new(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["health-probe", "http://x/"]).unwrap();
        assert_eq!(cli.timeout, Duration::from_mins(5));
        assert_eq!(cli.attempt_timeout, Duration::from_secs(5));
        assert_eq!(cli.interval, Duration::from_secs(5));
        assert_eq!(cli.max_interval, Duration::from_secs(30));
        assert_eq!(cli.healthy_threshold, 1);
        assert_eq!(cli.unhealthy_threshold, 2);
        assert_eq!(cli.expect_status.to_string(), "200-299");
        assert_eq!(cli.max_body, 1024 * 1024);
        assert_eq!(cli.max_body, DEFAULT_MAX_BODY);
        assert_eq!(cli.expect_status.to_string(), DEFAULT_STATUS);
        assert!(!cli.backoff && cli.stay_healthy.is_none() && cli.method.is_none());
    }

    #[test]
    fn dependent_flags() {
        assert!(Cli::try_parse_from(["hp", "--max-interval", "1m", "http://x/"]).is_err());
        assert!(Cli::try_parse_from(["hp", "--unhealthy-threshold", "3", "http://x/"]).is_err());
        assert!(Cli::try_parse_from(["hp", "-d", "x", "--data-file", "f", "http://x/"]).is_err());
        assert!(Cli::try_parse_from(["hp"]).is_err());
        assert!(Cli::try_parse_from(["hp", "--generate", "man"]).is_ok());
    }
}
