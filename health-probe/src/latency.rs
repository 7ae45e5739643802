//! The latency figures of the report (min, median, max, last), in whole milliseconds.
//!
//! Kept as a count per distinct millisecond value rather than a list of every attempt: memory
//! grows with the spread of the latencies (at most one entry per millisecond up to the
//! attempt timeout), not with the length of the run, and the figures are exactly those of the
//! full list, since the report shows truncated milliseconds and truncation keeps the order.

use std::collections::BTreeMap;
use std::time::Duration;

use cli_support::duration;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latencies {
    /// Milliseconds -> how many attempts took that long.
    counts: BTreeMap<u64, u64>,
    total: u64,
    last: Option<u64>,
}

/// What the report shows, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub min: u64,
    /// The lower median: the middle value, or the lower of the two middle values.
    pub median: u64,
    pub max: u64,
    pub last: u64,
}

impl Latencies {
    pub fn push(&mut self, latency: Duration) {
        let ms = duration::millis(latency);
        *self.counts.entry(ms).or_default() += 1;
        self.total += 1;
        self.last = Some(ms);
    }

    /// The figures; `None` before the first latency.
    pub fn figures(&self) -> Option<Figures> {
        let last = self.last?;
        let (&min, _) = self.counts.first_key_value()?;
        let (&max, _) = self.counts.last_key_value()?;
        // The value at index (n - 1) / 2 of the sorted list.
        let mut rank = (self.total - 1) / 2;
        let median = self.counts.iter().find_map(|(&ms, &count)| {
            if rank < count {
                Some(ms)
            } else {
                rank -= count;
                None
            }
        })?;
        Some(Figures {
            min,
            median,
            max,
            last,
        })
    }
}

impl FromIterator<Duration> for Latencies {
    fn from_iter<I: IntoIterator<Item = Duration>>(iter: I) -> Latencies {
        let mut latencies = Latencies::default();
        for latency in iter {
            latencies.push(latency);
        }
        latencies
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng as _};

    /// The figures as computed from the full list, sorted.
    fn from_list(list: &[Duration]) -> Figures {
        let mut sorted = list.to_vec();
        sorted.sort_unstable();
        Figures {
            min: duration::millis(sorted[0]),
            median: duration::millis(sorted[(sorted.len() - 1) / 2]),
            max: duration::millis(sorted[sorted.len() - 1]),
            last: duration::millis(list[list.len() - 1]),
        }
    }

    #[test]
    fn none_before_the_first() {
        assert_eq!(Latencies::default().figures(), None);
    }

    #[test]
    fn small_lists() {
        let ms = Duration::from_millis;
        let l: Latencies = [ms(9), ms(3)].into_iter().collect();
        assert_eq!(
            l.figures(),
            Some(Figures {
                min: 3,
                median: 3,
                max: 9,
                last: 3
            })
        );
        let l: Latencies = [ms(5), ms(7), ms(7), ms(1), ms(7)].into_iter().collect();
        assert_eq!(
            l.figures(),
            Some(Figures {
                min: 1,
                median: 7,
                max: 7,
                last: 7
            })
        );
    }

    #[test]
    fn the_same_figures_as_the_full_list_in_bounded_memory() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for len in [1, 2, 3, 10, 101, 5000] {
            let list: Vec<Duration> = (0..len)
                .map(|_| Duration::from_micros(rng.random_range(0..300_000)))
                .collect();
            let l: Latencies = list.iter().copied().collect();
            assert_eq!(l.figures(), Some(from_list(&list)), "{len} latencies");
            assert!(l.counts.len() <= 300, "{} entries", l.counts.len());
        }
    }
}
