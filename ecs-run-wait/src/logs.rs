//! Following the containers' CloudWatch Logs streams: GetLogEvents from the head with forward
//! tokens, paging while the token moves; a stream that does not exist yet is normal. Output
//! goes to the writer given (stdout), one line per event, `[container] `-prefixed when more than
//! one stream is followed; under GitHub Actions inside a group and a stop-commands fence.

use std::io::Write;

use aws_sdk_cloudwatchlogs::operation::describe_log_streams::DescribeLogStreamsError;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError;
use cli_support::aws::AwsError;

use crate::log_clients::LogsClients;
use crate::retry::no_sdk_retries;
use crate::status::Reporter;
use crate::step_summary::Tail;
use crate::taskdef::{LogState, LogTarget};

/// Pages read from one stream in one poll before the others get their turn.
const MAX_PAGES_PER_POLL: usize = 50;

struct Stream {
    target: LogTarget,
    token: Option<String>,
    disabled: bool,
    failing: bool,
    /// A read succeeded: the stream exists.
    seen: bool,
    /// The last read found no stream (or no group): what CloudWatch Logs said.
    missing: Option<String>,
    /// Why the stream was given up.
    error: Option<String>,
}

/// The streams of one task.
pub struct Follower {
    streams: Vec<Stream>,
    clients: LogsClients,
    prefix: bool,
    /// GitHub Actions: (group title, stop-commands line, resume line).
    gha: Option<(String, String, String)>,
    opened: bool,
    /// Output failed or its reader left: stop reading.
    done: bool,
    lines: u64,
    /// The last lines written, for the step summary.
    tail: Tail,
    report: Reporter,
}

impl Follower {
    pub fn new(
        targets: Vec<LogTarget>,
        clients: LogsClients,
        gha: bool,
        task_id: &str,
        report: Reporter,
    ) -> Follower {
        let prefix = targets.len() > 1;
        let names: Vec<&str> = targets.iter().map(|t| t.container.as_str()).collect();
        let gha = gha.then(|| {
            let (stop, resume) = cli_support::gha::stop_commands();
            (
                format!("Logs of task {task_id} ({})", names.join(", ")),
                stop,
                resume,
            )
        });
        Follower {
            streams: targets
                .into_iter()
                .map(|target| Stream {
                    target,
                    token: None,
                    disabled: false,
                    failing: false,
                    seen: false,
                    missing: None,
                    error: None,
                })
                .collect(),
            clients,
            prefix,
            gha,
            opened: false,
            done: false,
            lines: 0,
            tail: Tail::default(),
            report,
        }
    }

    /// True when there is nothing (left) to read.
    pub fn finished(&self) -> bool {
        self.done || self.streams.iter().all(|s| s.disabled)
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The last lines written.
    pub fn tail(&self) -> &Tail {
        &self.tail
    }

    /// Read every stream up to its current end. True when every stream is caught up (or does
    /// not exist yet, or was given up); false when a read failed and should be retried.
    pub async fn poll(&mut self, out: &mut dyn Write) -> bool {
        let mut caught_up = true;
        for i in 0..self.streams.len() {
            if self.finished() {
                break;
            }
            if self.streams[i].disabled {
                continue;
            }
            caught_up &= self.poll_stream(i, out).await;
        }
        caught_up
    }

    async fn poll_stream(&mut self, i: usize, out: &mut dyn Write) -> bool {
        let client = self
            .clients
            .client(self.streams[i].target.region.as_deref());
        for _ in 0..MAX_PAGES_PER_POLL {
            let stream = &self.streams[i];
            let sent = stream.token.clone();
            let result = client
                .get_log_events()
                .log_group_name(&stream.target.group)
                .log_stream_name(&stream.target.stream)
                .start_from_head(true)
                .set_next_token(sent.clone())
                // Read again at the next poll, not by the SDK (`retry.rs`).
                .customize()
                .config_override(
                    aws_sdk_cloudwatchlogs::Config::builder().retry_config(no_sdk_retries()),
                )
                .send()
                .await;
            let page = match result {
                Ok(page) => page,
                // The stream is created when the container first writes: not yet.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(GetLogEventsError::is_resource_not_found_exception) =>
                {
                    let said = AwsError::from_sdk("GetLogEvents", e).message;
                    self.streams[i].missing = Some(said);
                    return true;
                }
                Err(e) => return self.read_failed(i, &AwsError::from_sdk("GetLogEvents", e)),
            };
            self.streams[i].seen = true;
            self.streams[i].missing = None;
            if self.streams[i].failing {
                self.streams[i].failing = false;
                self.report.status(format_args!(
                    "reading the logs of container {} again",
                    self.streams[i].target.container
                ));
            }
            let mut buf = Vec::new();
            for event in page.events() {
                let msg = event.message().unwrap_or_default();
                let msg = msg.strip_suffix('\n').unwrap_or(msg);
                let start = buf.len();
                if self.prefix {
                    let _ = write!(buf, "[{}] ", self.streams[i].target.container);
                }
                buf.extend_from_slice(msg.as_bytes());
                self.tail.push(&String::from_utf8_lossy(&buf[start..]));
                buf.push(b'\n');
                self.lines += 1;
            }
            if !buf.is_empty() {
                self.write(out, &buf);
            }
            let next = page.next_forward_token().map(str::to_owned);
            let moved = next.is_some() && next != sent;
            if next.is_some() {
                self.streams[i].token = next;
            }
            if !moved || self.done {
                return true;
            }
        }
        // More pages are waiting: the next poll goes on from here.
        false
    }

    fn read_failed(&mut self, i: usize, err: &AwsError) -> bool {
        let stream = &mut self.streams[i];
        let what = format!(
            "container {} (log group {}, stream {})",
            stream.target.container, stream.target.group, stream.target.stream
        );
        if err.is_retryable() {
            if !stream.failing {
                stream.failing = true;
                cli_support::warn(format_args!(
                    "cannot read the logs of {what} for now: {err}; retrying"
                ));
            }
            false
        } else {
            stream.disabled = true;
            stream.error = Some(err.to_string());
            cli_support::warn(format_args!(
                "cannot read the logs of {what}: {err}; no longer following them (the task is still watched)"
            ));
            true
        }
    }

    fn write(&mut self, out: &mut dyn Write, bytes: &[u8]) {
        let mut all = Vec::new();
        if !self.opened {
            self.opened = true;
            if let Some((title, stop, _)) = &self.gha {
                // The runner does not keep the order between stdout and stderr: the commands
                // that follow the fence (the final `::error::`) must follow it on stdout, the
                // stream `out` is.
                cli_support::gha::commands_on_stdout();
                let _ = writeln!(all, "{}", cli_support::gha::group_command(title));
                let _ = writeln!(all, "{stop}");
            }
        }
        all.extend_from_slice(bytes);
        if let Err(e) = out.write_all(&all).and_then(|()| out.flush()) {
            self.done = true;
            cli_support::warn(format_args!(
                "cannot write the task's output: {e}; no longer following its logs (the task is still watched)"
            ));
        }
        if cli_support::output::stdout_closed() {
            // `| head` is gone: reading on would only cost API calls.
            self.done = true;
        }
    }

    /// What came of each stream. `settle`: the task has stopped and the grace has passed, so
    /// a stream still missing will not come; find out whether its group exists
    /// (DescribeLogStreams) and say so once on stderr (a missing stream only if the
    /// containers ran: `!failed_to_start`).
    pub async fn states(&mut self, settle: bool, failed_to_start: bool) -> Vec<LogState> {
        let mut states = Vec::new();
        for i in 0..self.streams.len() {
            let region = self
                .clients
                .region(self.streams[i].target.region.as_deref());
            let s = &self.streams[i];
            let mut state = LogState {
                container: s.target.container.clone(),
                state: "followed",
                group: Some(s.target.group.clone()),
                stream: Some(s.target.stream.clone()),
                region: region.clone(),
                detail: None,
            };
            if let Some(error) = &s.error {
                state.state = "unreadable";
                state.detail = Some(error.clone());
            } else if let (false, Some(said)) = (s.seen, s.missing.clone()) {
                state.state = "missing";
                state.detail = Some(said);
                if settle {
                    state.state = self.which_missing(i).await;
                    if !(failed_to_start && state.state == "missing_stream") {
                        warn_missing(&state);
                    }
                }
            } else if !s.seen {
                state.state = "not_read";
            }
            states.push(state);
        }
        states
    }

    /// `missing_group` or `missing_stream` (`missing` when CloudWatch Logs cannot tell).
    async fn which_missing(&mut self, i: usize) -> &'static str {
        let target = self.streams[i].target.clone();
        let client = self.clients.client(target.region.as_deref());
        match client
            .describe_log_streams()
            .log_group_name(&target.group)
            .log_stream_name_prefix(&target.stream)
            .limit(1)
            .send()
            .await
        {
            Ok(out)
                if out
                    .log_streams()
                    .iter()
                    .any(|s| s.log_stream_name() == Some(&target.stream)) =>
            {
                "missing"
            }
            Ok(_) => "missing_stream",
            Err(e)
                if e.as_service_error()
                    .is_some_and(DescribeLogStreamsError::is_resource_not_found_exception) =>
            {
                "missing_group"
            }
            // No logs:DescribeLogStreams: what GetLogEvents said.
            Err(_) => match self.streams[i].missing.as_deref() {
                Some(m) if m.contains("log stream") => "missing_stream",
                _ => "missing",
            },
        }
    }

    /// End the GitHub Actions group and fence, if they were opened.
    pub fn close(&mut self, out: &mut dyn Write) {
        if !self.opened {
            return;
        }
        self.opened = false;
        if let Some((_, _, resume)) = &self.gha {
            let text = format!("{resume}\n{}\n", cli_support::gha::END_GROUP);
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        }
    }
}

/// Once, when the task has stopped and the grace has passed: a container whose logs never
/// appeared, where they were looked for and what to check.
fn warn_missing(s: &LogState) {
    let group = s.group.as_deref().unwrap_or_default();
    let stream = s.stream.as_deref().unwrap_or_default();
    let region = s.region.as_deref().unwrap_or("(unknown region)");
    let what = match s.state {
        "missing_group" => format!(
            "log group {group} does not exist in region {region} (stream {stream} was expected \
             there); check the task definition's log configuration (awslogs-group, \
             awslogs-region), or set awslogs-create-group to true (the execution role then needs \
             logs:CreateLogGroup)"
        ),
        "missing_stream" => format!(
            "log stream {stream} does not exist in log group {group} (region {region}) though \
             the task has stopped; check the task definition's log configuration \
             (awslogs-stream-prefix) and that the task's execution role may \
             logs:CreateLogStream and logs:PutLogEvents"
        ),
        _ => format!(
            "log stream {stream} of log group {group} (region {region}) was not found though \
             the task has stopped; check the task definition's log configuration, that the \
             task's execution role may logs:CreateLogStream and logs:PutLogEvents, and \
             awslogs-create-group if the group does not exist"
        ),
    };
    cli_support::warn(format_args!("container {}: no logs: {what}", s.container));
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatchlogs::Client;
    use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    use aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use crate::mocks::{QUIET, production_retries, recording, take_statuses};

    fn target(container: &str) -> LogTarget {
        LogTarget {
            container: container.into(),
            group: "/ecs/app".into(),
            region: None,
            stream: format!("ecs/{container}/t1"),
        }
    }

    fn page(token: &str, messages: &[&str]) -> GetLogEventsOutput {
        let mut b = GetLogEventsOutput::builder().next_forward_token(token);
        for (i, m) in messages.iter().enumerate() {
            b = b.events(
                OutputLogEvent::builder()
                    .message(*m)
                    .timestamp(i64::try_from(i).unwrap())
                    .build(),
            );
        }
        b.build()
    }

    fn client(rules: &[&aws_smithy_mocks::Rule]) -> Client {
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, rules, |c| c
            .retry_config(production_retries()))
    }

    // The emulator's logs are covered by the integration tests; these pin down paging, the
    // not-yet-existing stream and throttling, which the emulator cannot produce on demand.
    #[tokio::test]
    async fn pages_while_the_token_moves_then_tails() {
        let first = mock!(Client::get_log_events)
            .match_requests(|r| r.next_token().is_none() && r.start_from_head() == Some(true))
            .then_output(|| page("f/1", &["one", "two\n"]));
        let second = mock!(Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/1"))
            .sequence()
            .output(|| page("f/2", &["three"]))
            .output(|| page("f/1", &[]))
            .build();
        let end = mock!(Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/2"))
            .sequence()
            .output(|| page("f/2", &[]))
            .output(|| page("f/3", &["four"]))
            .output(|| page("f/3", &[]))
            .build();
        let tail = mock!(Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/3"))
            .then_output(|| page("f/3", &[]));
        let logs = client(&[&first, &second, &end, &tail]);
        let mut f = Follower::new(
            vec![target("app")],
            LogsClients::fixed(logs),
            false,
            "t1",
            QUIET,
        );
        let mut out = Vec::new();
        assert!(f.poll(&mut out).await);
        assert_eq!(String::from_utf8_lossy(&out), "one\ntwo\nthree\n");
        assert!(f.poll(&mut out).await);
        assert_eq!(String::from_utf8_lossy(&out), "one\ntwo\nthree\nfour\n");
        assert_eq!(f.lines(), 4);
    }

    #[tokio::test]
    async fn missing_streams_wait_and_failures_are_retried() {
        let not_yet = mock!(Client::get_log_events)
            .match_requests(|r| r.log_stream_name() == Some("ecs/app/t1"))
            .sequence()
            .error(|| {
                GetLogEventsError::ResourceNotFoundException(
                    ResourceNotFoundException::builder()
                        .message("The specified log stream does not exist.")
                        .build(),
                )
            })
            .output(|| page("f/1", &["hello"]))
            .output(|| page("f/1", &[]))
            .build();
        let throttled = mock!(Client::get_log_events)
            .match_requests(|r| r.log_stream_name() == Some("ecs/worker/t1"))
            .sequence()
            .http_status(
                400,
                Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()),
            )
            .output(|| page("f/9", &["working"]))
            .output(|| page("f/9", &[]))
            .build();
        let logs = client(&[&not_yet, &throttled]);
        let mut f = Follower::new(
            vec![target("app"), target("worker")],
            LogsClients::fixed(logs),
            false,
            "t1",
            QUIET,
        );
        let mut out = Vec::new();
        assert!(!f.poll(&mut out).await, "a throttled read is not caught up");
        assert!(out.is_empty());
        assert!(f.poll(&mut out).await);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "[app] hello\n[worker] working\n"
        );
    }

    #[tokio::test]
    async fn access_denied_gives_up_on_the_stream() {
        let denied = mock!(Client::get_log_events).then_http_response(|| {
            aws_smithy_runtime_api::http::Response::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
                aws_smithy_types::body::SdkBody::from(
                    r#"{"__type":"AccessDeniedException","message":"not authorized to perform logs:GetLogEvents"}"#,
                ),
            )
        });
        let logs = client(&[&denied]);
        let mut f = Follower::new(
            vec![target("app")],
            LogsClients::fixed(logs),
            false,
            "t1",
            QUIET,
        );
        let mut out = Vec::new();
        assert!(f.poll(&mut out).await);
        assert!(f.finished());
        assert_eq!(denied.num_calls(), 1);
        f.poll(&mut out).await;
        assert_eq!(denied.num_calls(), 1, "a disabled stream is not read again");
    }

    #[tokio::test]
    async fn github_actions_fence() {
        let rule = mock!(Client::get_log_events)
            .sequence()
            .output(|| page("f/1", &["::error::forged", "%0A"]))
            .output(|| page("f/1", &[]))
            .build();
        let logs = client(&[&rule]);
        let mut f = Follower::new(
            vec![target("app")],
            LogsClients::fixed(logs),
            true,
            "t1",
            QUIET,
        );
        let mut out = Vec::new();
        f.poll(&mut out).await;
        f.close(&mut out);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "::group::Logs of task t1 (app)");
        let token = lines[1].strip_prefix("::stop-commands::").unwrap();
        assert_eq!(&lines[2..4], ["::error::forged", "%0A"]);
        assert_eq!(lines[4], format!("::{token}::"));
        assert_eq!(lines[5], "::endgroup::");
    }

    #[tokio::test]
    async fn reading_again_is_a_status_line_that_quiet_silences() {
        for quiet in [false, true] {
            let throttled = mock!(Client::get_log_events)
                .sequence()
                .http_status(
                    400,
                    Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()),
                )
                .output(|| page("f/1", &["working"]))
                .output(|| page("f/1", &[]))
                .build();
            let logs = client(&[&throttled]);
            let mut f = Follower::new(
                vec![target("worker")],
                LogsClients::fixed(logs),
                false,
                "t1",
                recording(quiet),
            );
            let mut out = Vec::new();
            take_statuses();
            assert!(!f.poll(&mut out).await);
            assert!(f.poll(&mut out).await);
            assert_eq!(String::from_utf8_lossy(&out), "working\n");
            let statuses = take_statuses();
            if quiet {
                assert_eq!(statuses, Vec::<String>::new());
            } else {
                assert_eq!(statuses, ["reading the logs of container worker again"]);
            }
        }
    }
}
