//! When a request is tried again, and after how long.
//!
//! A 500, 502, 503 or 504 answer, a timeout or a lost connection is retried after the
//! tool's own backoff ([`Backoff`]). A rate limit (a 429, or a 403 that says so), and a 503
//! with `Retry-After`, wait as long as GitHub asks (`Retry-After`, or `x-ratelimit-reset`
//! when the limit is exhausted, else GitHub's advice of a minute), at most [`MAX_WAIT`]: a
//! longer wait is an error that says so. `--retries` counts the retries whatever the wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cli_support::duration;
use rand::Rng;
use reqwest::header::HeaderMap;

use super::answer::Answer;

/// The longest wait for a rate limit the tool accepts before giving up.
pub const MAX_WAIT: Duration = Duration::from_mins(1);

/// The longest pause of the tool's own backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The tool's own pause before a retry, when GitHub does not say how long.
///
/// Retry `n` (from 0) waits at most `first × 2ⁿ`, never more than [`MAX_BACKOFF`] (the
/// ceiling); the wait itself is drawn uniformly between half the ceiling and all of it
/// ("equal jitter"), in whole milliseconds, so jobs that failed together (a matrix of
/// workflows against one GitHub outage) do not come back in step, and no retry comes
/// sooner than half the plain exponential pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's pause (doubled for each one after it).
    pub first: Duration,
}

impl Backoff {
    /// The longest pause before retry `attempt` (0 for the first).
    pub fn ceiling(self, attempt: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(MAX_BACKOFF)
    }

    /// The pause before retry `attempt`: between half [`Backoff::ceiling`] and all of it.
    pub fn wait(self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let hi = u64::try_from(self.ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(hi.div_ceil(2)..=hi))
    }
}

/// Whether `answer` is retried and after how long. `None`: a final answer.
/// `Some(Ok(wait))`: retry after `wait` (`backoff` when GitHub does not say how long).
/// `Some(Err(_))`: the wait GitHub asks for is longer than [`MAX_WAIT`].
pub fn retry_wait(
    answer: &Answer,
    headers: &HeaderMap,
    backoff: Duration,
) -> Option<Result<Duration, String>> {
    let now = SystemTime::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Seconds or an HTTP date (RFC 9110).
    let retry_after = header("retry-after").and_then(|v| duration::retry_after(v, now));
    let exhausted = header("x-ratelimit-remaining") == Some("0");
    let says_rate_limit = String::from_utf8_lossy(&answer.body)
        .to_ascii_lowercase()
        .contains("rate limit");
    let rate_limited = answer.status == 429
        || (answer.status == 403 && (retry_after.is_some() || exhausted || says_rate_limit));
    let (wait, why) = if rate_limited {
        let wait = if let Some(wait) = retry_after {
            wait
        } else if exhausted {
            let reset = header("x-ratelimit-reset")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
            let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            Duration::from_secs(reset.saturating_sub(now).max(1))
        } else {
            // GitHub's advice for a secondary rate limit without a header: a minute.
            MAX_WAIT
        };
        (wait, "rate limit")
    } else if answer.status == 503
        && let Some(wait) = retry_after
    {
        (wait, "Retry-After")
    } else {
        return matches!(answer.status, 500 | 502 | 503 | 504).then_some(Ok(backoff));
    };
    Some(if wait > MAX_WAIT {
        Err(format!(
            "GitHub asks to wait {} ({why}); re-run after that",
            duration::format(wait)
        ))
    } else {
        Ok(wait)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling_with_jitter_below_it() {
        let backoff = Backoff {
            first: Duration::from_millis(500),
        };
        assert_eq!(backoff.ceiling(0), Duration::from_millis(500));
        assert_eq!(backoff.ceiling(2), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(6), MAX_BACKOFF);
        assert_eq!(backoff.ceiling(u32::MAX), MAX_BACKOFF);
        let mut rng = rand::rng();
        for attempt in [0, 1, 2, 10] {
            let ceiling = backoff.ceiling(attempt);
            let waits: Vec<Duration> = (0..200).map(|_| backoff.wait(attempt, &mut rng)).collect();
            for wait in &waits {
                assert!(*wait <= ceiling && *wait >= ceiling / 2, "{wait:?}");
                assert_eq!(wait.subsec_nanos() % 1_000_000, 0, "{wait:?}");
            }
            // jitter: 200 draws from hundreds of milliseconds are not all the same
            assert!(waits.iter().any(|w| *w != waits[0]), "{waits:?}");
        }
        let none = Backoff {
            first: Duration::ZERO,
        };
        assert_eq!(none.wait(3, &mut rng), Duration::ZERO);
    }

    #[test]
    fn retry_decisions() {
        let none = HeaderMap::new();
        assert!(retry_wait(&answer(422, "{}"), &none, backoff(0)).is_none());
        assert!(
            retry_wait(
                &answer(403, r#"{"message":"Resource not accessible"}"#),
                &none,
                backoff(0)
            )
            .is_none()
        );
        assert_eq!(
            retry_wait(&answer(502, ""), &none, backoff(2)),
            Some(Ok(Duration::from_millis(400)))
        );
        let mut retry_after = HeaderMap::new();
        retry_after.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            retry_wait(&answer(403, ""), &retry_after, backoff(0)),
            Some(Ok(Duration::from_secs(3)))
        );
        assert_eq!(
            retry_wait(
                &answer(
                    403,
                    r#"{"message":"You have exceeded a secondary rate limit"}"#
                ),
                &none,
                backoff(0)
            ),
            Some(Ok(MAX_WAIT))
        );
        let mut long = HeaderMap::new();
        long.insert("retry-after", HeaderValue::from_static("3600"));
        assert!(
            retry_wait(&answer(429, ""), &long, backoff(0))
                .unwrap()
                .is_err()
        );
        let mut reset = HeaderMap::new();
        reset.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 5;
        reset.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let wait = retry_wait(&answer(403, ""), &reset, backoff(0))
            .unwrap()
            .unwrap();
        assert!(
            wait <= Duration::from_secs(5) && wait >= Duration::from_secs(3),
            "{wait:?}"
        );
    }

    #[test]
    fn retry_after_is_seconds_or_a_date_and_counts_on_a_503() {
        let with = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_static(value));
            h
        };
        // a 503 waits as long as it asks; other 5xx keep their backoff
        assert_eq!(
            retry_wait(&answer(503, ""), &with("2"), backoff(0)),
            Some(Ok(Duration::from_secs(2)))
        );
        assert_eq!(
            retry_wait(&answer(502, ""), &with("2"), backoff(0)),
            Some(Ok(Duration::from_millis(100)))
        );
        assert_eq!(
            retry_wait(&answer(503, ""), &HeaderMap::new(), backoff(1)),
            Some(Ok(Duration::from_millis(200)))
        );
        assert_eq!(
            retry_wait(&answer(503, ""), &with("7200"), backoff(0)),
            Some(Err(
                "GitHub asks to wait 2h (Retry-After); re-run after that".to_owned()
            ))
        );
        // an HTTP date: one in the past means now
        let past = with("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(
            retry_wait(&answer(503, ""), &past, backoff(0)),
            Some(Ok(Duration::ZERO))
        );
        assert_eq!(
            retry_wait(&answer(429, ""), &past, backoff(0)),
            Some(Ok(Duration::ZERO))
        );
        assert_eq!(
            retry_wait(&answer(403, ""), &past, backoff(0)),
            Some(Ok(Duration::ZERO))
        );
        // nonsense is ignored: a 503 backs off, a 429 waits GitHub's minute
        assert_eq!(
            retry_wait(&answer(503, ""), &with("soon"), backoff(0)),
            Some(Ok(Duration::from_millis(100)))
        );
        assert_eq!(
            retry_wait(&answer(429, ""), &with("soon"), backoff(0)),
            Some(Ok(MAX_WAIT))
        );
    }

    /// What the caller passes as the tool's own pause for retry `attempt` (without jitter,
    /// so the decisions are exact): 100 ms doubled.
    fn backoff(attempt: u32) -> Duration {
        Backoff {
            first: Duration::from_millis(100),
        }
        .ceiling(attempt)
    }
}
