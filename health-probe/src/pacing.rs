//! When the next attempt starts: a fixed interval (start to start), or exponential backoff
//! with jitter.

use std::time::Duration;

use rand::Rng;

/// The spacing of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    pub interval: Duration,
    /// `--backoff`: the ceiling of the exponential wait (`--max-interval`).
    pub backoff_max: Option<Duration>,
}

impl Pacing {
    /// The longest wait after `failures` consecutive failures: the interval, doubled for every
    /// failure after the first, up to the ceiling (which is at least the interval: the
    /// settings check it). Without backoff, always the interval.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let Some(max) = self.backoff_max else {
            return self.interval;
        };
        let doublings = failures.saturating_sub(1).min(31);
        self.interval
            .checked_mul(1 << doublings)
            .map_or(max, |wait| wait.min(max))
    }

    /// The wait before the next attempt, start to start. With backoff the wait is drawn
    /// uniformly between the interval and [`Pacing::ceiling`] (full jitter above the
    /// interval, so probes never come closer than `--interval`); a success resets it.
    pub fn wait(&self, failures: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(failures);
        if ceiling <= self.interval {
            return self.interval;
        }
        let lo = u64::try_from(self.interval.as_nanos()).unwrap_or(u64::MAX);
        let hi = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(lo..=hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn fixed_interval() {
        let p = Pacing {
            interval: S(5),
            backoff_max: None,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for f in 0..10 {
            assert_eq!(p.wait(f, &mut rng), S(5));
        }
    }

    #[test]
    fn backoff_doubles_to_the_ceiling_with_jitter_above_the_interval() {
        let p = Pacing {
            interval: S(1),
            backoff_max: Some(S(10)),
        };
        let ceilings: Vec<_> = (0..7).map(|f| p.ceiling(f)).collect();
        assert_eq!(ceilings, [S(1), S(1), S(2), S(4), S(8), S(10), S(10)]);
        assert_eq!(p.ceiling(u32::MAX), S(10));
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let waits: Vec<_> = (0..200).map(|_| p.wait(4, &mut rng)).collect();
        assert!(waits.iter().all(|w| *w >= S(1) && *w <= S(8)));
        // jitter: the waits are spread out, not all equal
        assert!(waits.iter().any(|w| *w < S(3)) && waits.iter().any(|w| *w > S(6)));
        assert_eq!(p.wait(1, &mut rng), S(1));
    }
}
