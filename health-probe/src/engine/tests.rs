//! The schedule on paused time: scripted probes, exact start times.

use super::*;
use std::cell::Cell;
use std::time::Duration;

use crate::matcher::StatusMatcher;
use crate::pacing::Pacing;
use crate::probe::Attempt;

/// A probe that plays a script of answers: `true` healthy, `false` failed, each taking
/// `latency` (or timing out if that is longer than the attempt's timeout).
struct Script {
    answers: Vec<bool>,
    latency: Duration,
    retry_after: Option<Duration>,
    calls: Cell<usize>,
    starts: RefCell<Vec<Duration>>,
    origin: Instant,
}

impl Script {
    fn new(answers: &[bool]) -> Script {
        Script {
            answers: answers.to_vec(),
            latency: Duration::from_millis(10),
            retry_after: None,
            calls: Cell::new(0),
            starts: RefCell::new(Vec::new()),
            origin: Instant::now(),
        }
    }
}

impl Probe for Script {
    async fn attempt(&self, timeout: Duration, _at_deadline: bool) -> Attempt {
        self.starts.borrow_mut().push(self.origin.elapsed());
        let n = self.calls.get();
        self.calls.set(n + 1);
        if self.latency > timeout {
            tokio::time::sleep(timeout).await;
            return Attempt {
                latency: timeout,
                error: Some("timed out".into()),
                ..Attempt::default()
            };
        }
        tokio::time::sleep(self.latency).await;
        let ok = self
            .answers
            .get(n)
            .copied()
            .unwrap_or(*self.answers.last().unwrap());
        Attempt {
            latency: self.latency,
            status: Some(if ok { 200 } else { 503 }),
            failures: if ok { vec![] } else { vec!["503".into()] },
            retry_after: if ok { None } else { self.retry_after },
            ..Attempt::default()
        }
    }
}

struct Quiet;
impl Observer for Quiet {
    fn attempt(&self, _: usize, _: Phase, _: &Stats, _: &Attempt, _: Option<Duration>) {}
    fn healthy(&self, _: usize, _: &Stats) {}
    fn watching(&self, _: &Watch) {}
}

const S: fn(u64) -> Duration = Duration::from_secs;

fn plan(timeout: Duration) -> Plan {
    let started = Instant::now();
    Plan {
        started,
        deadline: started + timeout,
        attempt_timeout: S(5),
        pacing: Pacing {
            interval: S(5),
            backoff_max: None,
        },
        healthy_threshold: 1,
        max_attempts: None,
        watch: None,
        fail_on: None,
    }
}

fn never() -> std::future::Pending<Signal> {
    std::future::pending()
}

#[tokio::test(start_paused = true)]
async fn healthy_after_failures_at_the_interval_start_to_start() {
    let probe = Script::new(&[false, false, true]);
    let p = plan(S(60));
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Healthy);
    assert_eq!(stats[0].attempts, 3);
    assert_eq!(stats[0].state, State::Healthy);
    assert_eq!(*probe.starts.borrow(), [S(0), S(5), S(10)]);
    assert_eq!(
        stats[0].healthy_after,
        Some(S(10) + Duration::from_millis(10))
    );
}

#[tokio::test(start_paused = true)]
async fn threshold_needs_consecutive_successes() {
    let probe = Script::new(&[true, true, false, true, true, true]);
    let mut p = plan(S(60));
    p.healthy_threshold = 3;
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Healthy);
    assert_eq!(stats[0].attempts, 6);
    assert_eq!(stats[0].successes, 5);
}

#[tokio::test(start_paused = true)]
async fn no_sleep_after_the_last_attempt() {
    let probe = Script::new(&[false]);
    let p = plan(S(12));
    let t0 = Instant::now();
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::TimedOut);
    // attempts at 0, 5, 10; the next would start at 15 > 12: stop right after the third
    assert_eq!(stats[0].attempts, 3);
    assert_eq!(stats[0].state, State::TimedOut);
    assert_eq!(t0.elapsed(), S(10) + Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn attempts_are_clamped_to_the_deadline() {
    let mut probe = Script::new(&[false]);
    probe.latency = S(30); // hangs
    let mut p = plan(S(7));
    p.attempt_timeout = S(5);
    let t0 = Instant::now();
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::TimedOut);
    assert_eq!(stats[0].attempts, 2); // 0..5 timed out, 5..7 clamped
    assert_eq!(t0.elapsed(), S(7));
}

#[tokio::test(start_paused = true)]
async fn one_target_failing_stops_the_others() {
    let good = Script::new(&[true]);
    let mut bad = Script::new(&[false]);
    bad.retry_after = Some(S(600));
    let probes = [good, bad];
    let p = plan(S(60));
    let (outcome, stats) = run(&probes, &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::GaveUp);
    assert_eq!(stats[0].state, State::Healthy);
    assert!(
        matches!(&stats[1].state, State::GaveUp(why) if why.contains("retry after 10m")),
        "{:?}",
        stats[1].state
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_within_the_deadline_is_honoured() {
    let mut probe = Script::new(&[false, true]);
    probe.retry_after = Some(S(20));
    let p = plan(S(60));
    let (outcome, _) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Healthy);
    let starts = probe.starts.borrow();
    assert_eq!(starts[1], S(20) + Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn fail_on_stops_at_the_first_such_answer_in_either_phase() {
    let probe = Script::new(&[false]);
    let mut p = plan(S(600));
    p.fail_on = Some(StatusMatcher::parse("404,503").unwrap());
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::GaveUp);
    assert_eq!(stats[0].attempts, 1);
    assert_eq!(
        stats[0].state,
        State::GaveUp("answered 503 (--fail-on 404,503)".into())
    );

    let probe = Script::new(&[true, true, false]);
    p.watch = Some(Watch {
        duration: S(60),
        unhealthy_threshold: 3,
    });
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Unhealthy);
    assert_eq!(stats[0].watch_attempts, 2);
    assert!(matches!(&stats[0].state, State::GaveUp(why) if why.contains("--fail-on")));
}

#[tokio::test(start_paused = true)]
async fn max_attempts_gives_up() {
    let probe = Script::new(&[false]);
    let mut p = plan(S(600));
    p.max_attempts = Some(4);
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::GaveUp);
    assert_eq!(stats[0].attempts, 4);
}

#[tokio::test(start_paused = true)]
async fn watch_fails_on_consecutive_failures_only() {
    // healthy, then in the watch: ok, fail, ok, fail, fail
    let probe = Script::new(&[true, true, false, true, false, false, true]);
    let mut p = plan(S(60));
    p.watch = Some(Watch {
        duration: S(60),
        unhealthy_threshold: 2,
    });
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Unhealthy);
    assert_eq!(stats[0].state, State::Unhealthy);
    assert_eq!(stats[0].watch_attempts, 5);
    assert_eq!(stats[0].watch_failures, 3);
    assert_eq!(stats[0].watch_max_consecutive_failures, 2);
}

#[tokio::test(start_paused = true)]
async fn watch_gives_up_on_a_retry_after_past_its_end() {
    let mut probe = Script::new(&[true, false]);
    probe.retry_after = Some(S(600));
    let mut p = plan(S(60));
    p.watch = Some(Watch {
        duration: S(60),
        unhealthy_threshold: 3,
    });
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Unhealthy);
    assert!(
        matches!(&stats[0].state, State::GaveUp(why) if why.contains("past the end of the --stay-healthy watch")),
        "{:?}",
        stats[0].state
    );
    assert_eq!(stats[0].watch_attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn watch_passes_and_ends_with_its_window() {
    let probe = Script::new(&[true]);
    let mut p = plan(S(60));
    p.watch = Some(Watch {
        duration: S(21),
        unhealthy_threshold: 2,
    });
    let t0 = Instant::now();
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
    assert_eq!(outcome, Outcome::Healthy);
    // healthy at 0; the window runs 0.01..21.01; watch attempts at 5, 10, 15, 20
    assert_eq!(stats[0].watch_attempts, 4);
    assert_eq!(t0.elapsed(), S(20) + Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_stops_everything() {
    let probe = Script::new(&[false]);
    let p = plan(S(600));
    let interrupt = async {
        tokio::time::sleep(S(12)).await;
        Signal::Term
    };
    let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, interrupt).await;
    assert_eq!(outcome, Outcome::Interrupted(Signal::Term));
    assert_eq!(stats[0].state, State::Stopped);
    assert_eq!(stats[0].attempts, 3);
}
