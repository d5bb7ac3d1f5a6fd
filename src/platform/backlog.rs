//! How a platform's backlog (tasks waiting for a launch or for room) moved
//! during a run, kept in bounded memory, so that a report can say when it
//! grows without bound (issue 22): a cluster pinned at its `max`, a fixed
//! fleet or Fargate's launch rate falling behind the arrivals never
//! catches up, and its cost then pays for a fraction of the work.

use crate::time::{MINUTE, SimTime};

/// Samples kept before the step doubles (and every other one is dropped).
const KEEP: usize = 256;

/// The backlog is called unbounded when, at the end of the run, at least
/// this share of the submitted tasks is still waiting…
pub const UNBOUNDED_SHARE: f64 = 0.10;
/// …it grew over this last share of the run…
pub const LAST_PART: f64 = 0.25;
// …and the platform could not add capacity when the run ended (`Capped`).

/// Why a platform could not take on more work when the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capped {
    /// A cluster at its `max` instances (or Karpenter's limit) with tasks waiting.
    AtMax,
    /// A fixed fleet (`autoscaler = "none"`).
    FixedFleet,
    /// Fargate: tasks queue for the account's launch rate.
    LaunchRate,
}

/// The number of waiting tasks over the run: the first observation at or
/// after each multiple of a step, the step doubling whenever more than
/// [`KEEP`] samples are held, so memory does not grow with the run.
#[derive(Clone, Debug)]
pub struct Backlog {
    step: SimTime,
    next: SimTime,
    samples: Vec<(SimTime, u64)>,
    /// Set by the model's `finish`: the end, the tasks waiting then, and
    /// why no capacity could be added (None: it could).
    end: Option<(SimTime, u64, Option<Capped>)>,
}

impl Default for Backlog {
    fn default() -> Backlog {
        Backlog {
            step: MINUTE,
            next: 0,
            samples: Vec::new(),
            end: None,
        }
    }
}

/// A backlog that grew without bound: what the reports say.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unbounded {
    pub waiting_at_end: u64,
    /// Tasks waiting at the start of the last part of the run, and when.
    pub waiting_before: u64,
    pub before: SimTime,
    pub end: SimTime,
    pub capped: Capped,
}

impl Backlog {
    /// `waiting` tasks wait at `now` (called after every change; O(1)).
    #[inline]
    pub fn observe(&mut self, now: SimTime, waiting: u64) {
        if now < self.next {
            return;
        }
        self.samples.push((now, waiting));
        if self.samples.len() > KEEP {
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.step = self.step.saturating_mul(2);
        }
        self.next = (now / self.step)
            .saturating_add(1)
            .saturating_mul(self.step);
    }

    /// The run ended at `end` with `waiting` tasks waiting; `capped` says
    /// why the platform could not add capacity then (None: it could).
    pub fn close(&mut self, end: SimTime, waiting: u64, capped: Option<Capped>) {
        self.end = Some((end, waiting, capped));
    }

    /// The backlog when it grew without bound: at the end at least
    /// [`UNBOUNDED_SHARE`] of the `submitted` tasks wait, more than at the
    /// start of the last [`LAST_PART`] of the run, and the platform could
    /// not add capacity.
    pub fn unbounded(&self, submitted: u64) -> Option<Unbounded> {
        let (end, waiting_at_end, capped) = self.end?;
        let capped = capped?;
        if submitted == 0 || (waiting_at_end as f64) < UNBOUNDED_SHARE * submitted as f64 {
            return None;
        }
        let from = end - (end as f64 * LAST_PART) as SimTime;
        let &(before, waiting_before) = self.samples.iter().rev().find(|s| s.0 <= from)?;
        (waiting_at_end > waiting_before).then_some(Unbounded {
            waiting_at_end,
            waiting_before,
            before,
            end,
            capped,
        })
    }
}

impl Unbounded {
    /// How fast the backlog grew over the last part of the run, in tasks an hour.
    pub fn growth_per_hour(&self) -> f64 {
        let hours = (self.end - self.before) as f64 / crate::time::HOUR as f64;
        if hours > 0.0 {
            (self.waiting_at_end - self.waiting_before) as f64 / hours
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;

    #[test]
    fn a_growing_capped_backlog_is_unbounded_and_a_drained_one_is_not() {
        let mut b = Backlog::default();
        // 100 tasks more every hour for 8 hours, observed every second.
        for s in 0..8 * 3600u64 {
            b.observe(s * 1_000_000, s / 36);
        }
        b.close(8 * HOUR, 800, Some(Capped::AtMax));
        let u = b.unbounded(1000).expect("grows");
        // The last quarter starts at 6 h: the last sample at or before it
        // holds 600 (step doubled from 1 min to 2 min to keep 256 samples).
        assert_eq!((u.before, u.waiting_before), (6 * HOUR, 600));
        assert_eq!(u.growth_per_hour(), 100.0);
        // Fewer than 10 % of submitted waiting: not called unbounded.
        assert!(b.unbounded(8001).is_none());
        // A platform that could still scale is not either.
        b.close(8 * HOUR, 800, None);
        assert!(b.unbounded(1000).is_none());
        // Nor one whose backlog shrank over the last quarter.
        b.close(8 * HOUR, 500, Some(Capped::FixedFleet));
        assert!(b.unbounded(1000).is_none());
        assert!(b.samples.len() <= KEEP);
    }
}
