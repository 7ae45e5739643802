//! The command line converted and checked ([`Settings::from_cli`]): targets, the request,
//! expectations, the plan. Reads the files and environment variables the flags name; every problem is a
//! usage error that names the flag (and never shows a header value).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use cli_support::{jq, usage, warn};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName};
use rustls::pki_types::CertificateDer;

use crate::cli::{self, Cli};
use crate::engine::Watch;
use crate::expect::Expectations;
use crate::files::{self, Deadline};
use crate::matcher::StatusMatcher;
use crate::pacing::Pacing;
use crate::probe::ClientOptions;
use crate::redact::{self, Secrets};
use crate::request::{self, Header, Kind, Target};

/// Everything the run needs, in plain values.
#[derive(Debug)]
pub struct Settings {
    pub targets: Vec<Target>,
    pub method: Method,
    pub headers: HeaderMap,
    /// The names of the headers that are credentials: not sent once a redirect has left the
    /// URL's origin.
    pub credentials: Vec<HeaderName>,
    /// What the request sends that must not be shown when a server echoes it.
    pub secrets: Secrets,
    /// Shared by every attempt (a clone is a reference count, not a copy).
    pub body: Option<Bytes>,
    pub client: ClientOptions,
    pub expect: Expectations,
    pub timeout: Duration,
    pub attempt_timeout: Duration,
    pub pacing: Pacing,
    pub healthy_threshold: u32,
    pub max_attempts: Option<u32>,
    pub watch: Option<Watch>,
    /// `--fail-on`.
    pub fail_on: Option<StatusMatcher>,
    pub quiet: bool,
    pub json: bool,
    /// When the tool started: `--timeout` counts from here (reading the files included).
    pub started: Instant,
}

impl Settings {
    /// Check the flags together (usage errors, exit 2), read the files and variables they
    /// name, build the TLS configuration.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        build(cli)
    }
}

fn build(cli: Cli) -> anyhow::Result<Settings> {
    let started = Instant::now();
    let deadline = Deadline {
        at: started + cli.timeout,
        timeout: cli.timeout,
    };
    let targets = cli
        .urls
        .iter()
        .map(|u| Target::parse(u).map_err(usage))
        .collect::<anyhow::Result<Vec<_>>>()?;
    check_flags(&cli, &targets)?;
    let filters = filters(&cli)?;
    let Headers {
        map: headers,
        credentials,
        mut secrets,
    } = headers(&cli, deadline)?;
    for target in &targets {
        for form in target.credential_forms() {
            secrets.add(&form);
        }
        for (name, value) in target.url.query_pairs() {
            if redact::is_secret_param(&name) {
                secrets.add(&value);
            }
        }
    }
    let body = body(&cli, deadline)?;
    let method = cli.method.clone().unwrap_or(if body.is_some() {
        Method::POST
    } else {
        Method::GET
    });
    let mut ca_certs = Vec::new();
    for path in &cli.cacert {
        ca_certs.extend(ca_file(path, deadline)?);
    }
    let https = targets.iter().any(|t| t.url.scheme() == "https");
    let tls =
        crate::tls::client_config(ca_certs, cli.insecure, https).context("cannot set up TLS")?;

    Ok(Settings {
        method,
        headers,
        credentials,
        secrets,
        body,
        client: ClientOptions {
            tls,
            follow_redirects: !cli.no_redirect,
            resolve: cli.resolve,
        },
        expect: Expectations {
            status: cli.expect_status,
            body_contains: cli.expect_body,
            body_regex: cli.expect_body_regex,
            json: filters,
            headers: cli.expect_header,
            max_latency: cli.max_latency,
            max_body: cli.max_body,
        },
        timeout: cli.timeout,
        attempt_timeout: cli.attempt_timeout,
        pacing: Pacing {
            interval: cli.interval,
            backoff_max: cli.backoff.then_some(cli.max_interval),
        },
        healthy_threshold: cli.healthy_threshold,
        max_attempts: cli.max_attempts,
        watch: cli.stay_healthy.map(|duration| Watch {
            duration,
            unhealthy_threshold: cli.unhealthy_threshold,
        }),
        fail_on: cli.fail_on,
        quiet: cli.quiet,
        json: cli.json,
        targets,
        started,
    })
}

/// Combinations clap cannot check, and `--resolve` entries that match nothing.
fn check_flags(cli: &Cli, targets: &[Target]) -> anyhow::Result<()> {
    if !targets.iter().any(|t| t.kind == Kind::Http) {
        // Flags with a default count as given when their value is not the default (an
        // explicit `-s 200-299` asks for nothing the default does not).
        let http_only = [
            (
                cli.expect_status.to_string() != cli::DEFAULT_STATUS,
                "--expect-status",
            ),
            (!cli.expect_body.is_empty(), "--expect-body"),
            (!cli.expect_body_regex.is_empty(), "--expect-body-regex"),
            (!cli.expect_json.is_empty(), "--expect-json"),
            (!cli.expect_header.is_empty(), "--expect-header"),
            (cli.method.is_some(), "--method"),
            (!cli.header.is_empty(), "--header"),
            (!cli.header_file.is_empty(), "--header-file"),
            (!cli.header_from_env.is_empty(), "--header-from-env"),
            (cli.data.is_some(), "--data"),
            (cli.data_file.is_some(), "--data-file"),
            (cli.insecure, "--insecure"),
            (!cli.cacert.is_empty(), "--cacert"),
            (cli.no_redirect, "--no-redirect"),
            (cli.max_body != cli::DEFAULT_MAX_BODY, "--max-body"),
            (cli.fail_on.is_some(), "--fail-on"),
        ];
        if let Some((_, flag)) = http_only.iter().find(|(given, _)| *given) {
            return Err(usage(format!(
                "{flag} applies to http:// and https:// URLs, and every URL given is tcp://"
            )));
        }
    }
    if cli.method == Some(Method::HEAD) {
        let body_checks: Vec<&str> = [
            (!cli.expect_body.is_empty(), "--expect-body"),
            (!cli.expect_body_regex.is_empty(), "--expect-body-regex"),
            (!cli.expect_json.is_empty(), "--expect-json"),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect();
        if !body_checks.is_empty() {
            return Err(usage(format!(
                "-X HEAD has no body (use GET), so {} can never hold",
                body_checks.join(", ")
            )));
        }
    }
    if let Some(fail_on) = &cli.fail_on
        && let Some(both) =
            (100..=599).find(|s| fail_on.contains(*s) && cli.expect_status.contains(*s))
    {
        return Err(usage(format!(
            "--fail-on {fail_on} and --expect-status {} both hold {both}: a status cannot be healthy and fail the probe",
            cli.expect_status
        )));
    }
    if cli.backoff && cli.max_interval < cli.interval {
        let interval = cli_support::duration::format(cli.interval);
        return Err(usage(format!(
            "--max-interval ({}) is shorter than --interval ({interval}): pass --max-interval {interval} or more",
            cli_support::duration::format(cli.max_interval),
        )));
    }
    for entry in &cli.resolve {
        if !targets.iter().any(|t| {
            let (host, port) = t.host_port();
            entry.applies_to(&host, port)
        }) {
            warn(format!(
                "--resolve {}:{}: no URL has that host and port; it is not used",
                entry.host, entry.port
            ));
        }
    }
    Ok(())
}

/// `--data` or `--data-file` (`-` is stdin; at most [`files::DATA_LIMIT`]).
fn body(cli: &Cli, deadline: Deadline) -> anyhow::Result<Option<Bytes>> {
    Ok(match (&cli.data, &cli.data_file) {
        (Some(data), _) => Some(Bytes::from(data.clone())),
        (None, Some(path)) => {
            let path = path.clone();
            let what = format!("--data-file {}", path.display());
            let input = deadline.read(&what, move || {
                cli_support::input::read_input_limited(
                    Some(&path),
                    "the request body (--data-file)",
                    "health-probe --data-file - URL < body.json",
                    files::DATA_LIMIT,
                )
                .map_err(|e| usage(format!("{e:#}")))
            })?;
            Some(input.bytes.into())
        }
        (None, None) => None,
    })
}

/// The `--expect-json` filters, compiled with the `--arg` variables; a warning for each
/// environment variable they read that is not set.
fn filters(cli: &Cli) -> anyhow::Result<Vec<jq::Filter>> {
    let args = jq::arg_pairs(&cli.arg);
    let mut filters = Vec::new();
    for code in &cli.expect_json {
        let filter = jq::compile(code, &args)
            .map_err(|e| usage(format!("--expect-json '{code}': {}", e.message)))?;
        for name in jq::referenced_env_vars(code) {
            if std::env::var_os(&name).is_none() {
                warn(format!(
                    "--expect-json '{code}' reads the environment variable {name}, which is not set (it reads as null)"
                ));
            }
        }
        filters.push(filter);
    }
    Ok(filters)
}

/// The request headers, which of them are credentials, and every value (secret or not: a
/// server that echoes them must not show them).
struct Headers {
    map: HeaderMap,
    credentials: Vec<HeaderName>,
    secrets: Secrets,
}

/// `--header`, `--header-file`, `--header-from-env`, in that order; a later header of the
/// same name is sent too (as curl does). Every header of `--header-file` and
/// `--header-from-env` is a credential, and those of `--header` whose name says so (see
/// [`request::is_credential_name`]).
fn headers(cli: &Cli, deadline: Deadline) -> anyhow::Result<Headers> {
    let mut all: Vec<Header> = Vec::new();
    let mut credentials: Vec<HeaderName> = [
        reqwest::header::AUTHORIZATION,
        reqwest::header::PROXY_AUTHORIZATION,
        reqwest::header::COOKIE,
    ]
    .into();
    for text in &cli.header {
        all.push(request::parse_header(text).map_err(|e| usage(format!("--header: {e}")))?);
    }
    credentials.extend(
        all.iter()
            .map(|(name, _)| name)
            .filter(|name| request::is_credential_name(name))
            .cloned(),
    );
    let from_argv = all.len();
    for path in &cli.header_file {
        let text = read_limited("--header-file", path, files::HEADER_LIMIT, deadline)?;
        let text = String::from_utf8(text).map_err(|_| {
            usage(format!(
                "--header-file {}: cannot read it: it is not UTF-8 text",
                path.display()
            ))
        })?;
        all.extend(
            request::parse_header_file(&text, &path.display().to_string())
                .map_err(|e| usage(format!("--header-file {e}")))?,
        );
    }
    for (name, var) in &cli.header_from_env {
        let value = match std::env::var(var) {
            Ok(v) => v,
            Err(std::env::VarError::NotPresent) => {
                return Err(usage(format!(
                    "--header-from-env {name}={var}: the variable {var} is not set"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(usage(format!(
                    "--header-from-env {name}={var}: the value of {var} is not UTF-8 text"
                )));
            }
        };
        if value.trim().is_empty() {
            warn(format!(
                "--header-from-env {name}={var}: {var} is empty; sending an empty {name} header"
            ));
        }
        all.push(
            request::header_from_value(name.clone(), var, &value)
                .map_err(|e| usage(format!("--header-from-env {name}={var}: {e}")))?,
        );
    }
    credentials.extend(all[from_argv..].iter().map(|(name, _)| name.clone()));
    credentials.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    credentials.dedup();
    let mut map = HeaderMap::new();
    let mut secrets = Secrets::new();
    for (name, value) in all {
        secrets.add(&String::from_utf8_lossy(value.as_bytes()));
        map.append(name, value);
    }
    Ok(Headers {
        map,
        credentials,
        secrets,
    })
}

/// The bytes of the file `flag` names, at most `limit`, before the deadline; an unreadable
/// file is a usage error naming the flag.
fn read_limited(
    flag: &str,
    path: &Path,
    limit: cli_support::input::Limit,
    deadline: Deadline,
) -> anyhow::Result<Vec<u8>> {
    let what = format!("{flag} {}", path.display());
    let path: PathBuf = path.to_owned();
    let shown = what.clone();
    deadline.read(&what, move || {
        cli_support::input::read_file_limited(&path, limit)
            .with_context(|| format!("{shown}: cannot read it"))
            .map_err(|e| usage(format!("{e:#}")))
    })
}

fn ca_file(path: &Path, deadline: Deadline) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let bytes = read_limited("--cacert", path, files::CA_LIMIT, deadline)?;
    crate::tls::parse_pem_bundle(&bytes)
        .map_err(|e| usage(format!("--cacert {}: {e}", path.display())))
}
