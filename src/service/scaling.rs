//! Service autoscaling as ECS Service Auto Scaling does it (Application Auto
//! Scaling user guide, target tracking and step scaling policies): a metric
//! per period (one minute, or 20 seconds at high resolution), alarms that
//! need several consecutive breaching datapoints, target tracking that scales
//! out in proportion to the metric and in more slowly, step scaling,
//! cooldowns, and scheduled actions that set min and max at a time of day.
//! How a datapoint reaches the alarm late is `service/signals.rs`.
//!
//! With several policies the service scales out if any policy says so (to the
//! largest proposal) and scales in only if every policy says so.

use crate::time::SimTime;

/// What a policy watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Average CPU utilisation of the running replicas, percent: busy
    /// request slots over all slots (a request in service uses 1/concurrency
    /// of its replica's CPU).
    Cpu,
    /// Requests that arrived in the minute per routable replica (ALB
    /// `RequestCountPerTarget`).
    RequestsPerTarget,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cpu => "cpu",
            Metric::RequestsPerTarget => "requests_per_target",
        }
    }
}

/// How often the metric is published (`ECSServiceAverageCPUUtilization`, or
/// `...HighResolution`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// One datapoint a minute.
    Standard,
    /// One datapoint every 20 seconds (CPU only).
    High,
}

impl Resolution {
    pub fn name(self) -> &'static str {
        match self {
            Resolution::Standard => "standard",
            Resolution::High => "high",
        }
    }
}

/// The road from the replicas to a policy's alarm: the metric is averaged
/// over each `period`, the datapoint becomes visible `delay` after its period
/// ends, and the alarm looks at what is visible every `alarm_every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    pub resolution: Resolution,
    pub period: SimTime,
    pub delay: SimTime,
    pub alarm_every: SimTime,
}

impl Signal {
    /// No lag: a datapoint a minute, acted on as its minute ends (the model
    /// before issue 21, and the form of the unit tests below).
    pub const IMMEDIATE: Signal = Signal {
        resolution: Resolution::Standard,
        period: crate::time::MINUTE,
        delay: 0,
        alarm_every: crate::time::MINUTE,
    };
}

/// A target-tracking policy.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetTracking {
    pub metric: Metric,
    pub target: f64,
    pub signal: Signal,
    /// Consecutive datapoints above the target before scaling out (3).
    pub out_datapoints: u32,
    /// Consecutive datapoints below `in_ratio` × target before scaling in (15).
    pub in_datapoints: u32,
    pub in_ratio: f64,
    pub out_cooldown: SimTime,
    pub in_cooldown: SimTime,
    pub disable_scale_in: bool,
}

/// A step-scaling policy.
#[derive(Clone, Debug, PartialEq)]
pub struct StepScaling {
    pub metric: Metric,
    pub signal: Signal,
    /// Consecutive datapoints a step must hold before it acts.
    pub datapoints: u32,
    /// After a change, no further change until this has passed.
    pub cooldown: SimTime,
    pub steps: Vec<Step>,
}

/// One step: when the metric is at or above (or at or below) a bound,
/// change the desired count by `change`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub bound: Bound,
    pub change: i32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    Above(f64),
    Below(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    TargetTracking(TargetTracking),
    Step(StepScaling),
}

impl Policy {
    pub fn metric(&self) -> Metric {
        match self {
            Policy::TargetTracking(t) => t.metric,
            Policy::Step(s) => s.metric,
        }
    }

    pub fn signal(&self) -> Signal {
        match self {
            Policy::TargetTracking(t) => t.signal,
            Policy::Step(s) => s.signal,
        }
    }
}

/// Sets min and/or max every day at a time of day (from the start of the
/// run, which is midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledAction {
    pub at: SimTime,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// What a policy proposes after a datapoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    Out(u32),
    In(u32),
    Hold,
}

/// A policy's alarm streaks and the times it last acted.
#[derive(Clone, Debug, Default)]
pub struct PolicyState {
    above: u32,
    below: u32,
    last_out: Option<SimTime>,
    last_in: Option<SimTime>,
}

impl PolicyState {
    /// The service acted on this policy's proposal.
    pub fn acted(&mut self, now: SimTime, out: bool) {
        if out {
            self.last_out = Some(now);
        } else {
            self.last_in = Some(now);
        }
    }
}

fn since(last: Option<SimTime>, now: SimTime) -> SimTime {
    last.map_or(SimTime::MAX, |t| now - t)
}

/// Replicas in proportion to the metric: `base × value / target`, rounded up.
fn proportional(base: f64, value: f64, target: f64) -> u32 {
    let n = (base * value / target - 1e-9).ceil();
    if n.is_finite() {
        n.clamp(0.0, u32::MAX as f64) as u32
    } else {
        u32::MAX
    }
}

impl Policy {
    /// Reads one datapoint of the metric. `value`: None when there is no
    /// data (no replica running and no request); infinite when requests came
    /// and no replica could take them. `base`: the replicas the metric was
    /// measured on (time-averaged over its period).
    pub fn evaluate(
        &self,
        state: &mut PolicyState,
        value: Option<f64>,
        base: f64,
        desired: u32,
        now: SimTime,
    ) -> Proposal {
        let Some(v) = value else {
            state.above = 0;
            state.below = 0;
            return Proposal::Hold;
        };
        match self {
            Policy::TargetTracking(t) => {
                if v > t.target {
                    state.above += 1;
                    state.below = 0;
                } else if v < t.target * t.in_ratio {
                    state.below += 1;
                    state.above = 0;
                } else {
                    state.above = 0;
                    state.below = 0;
                }
                if state.above >= t.out_datapoints {
                    let want = if v.is_infinite() || base <= 0.0 {
                        desired.max(1)
                    } else {
                        proportional(base, v, t.target)
                    };
                    // During the scale-out cooldown only a larger scale-out
                    // goes ahead; `want > desired` is that test either way.
                    if want > desired {
                        return Proposal::Out(want);
                    }
                } else if state.below >= t.in_datapoints
                    && !t.disable_scale_in
                    && since(state.last_in, now) >= t.in_cooldown
                {
                    let want = proportional(base, v, t.target);
                    if want < desired {
                        return Proposal::In(want);
                    }
                }
                Proposal::Hold
            }
            Policy::Step(s) => {
                let out = s
                    .steps
                    .iter()
                    .filter_map(|st| match st.bound {
                        Bound::Above(a) if v >= a => Some((a, st.change)),
                        _ => None,
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                let inn = s
                    .steps
                    .iter()
                    .filter_map(|st| match st.bound {
                        Bound::Below(b) if v <= b => Some((b, st.change)),
                        _ => None,
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                if out.is_some() {
                    state.above += 1;
                    state.below = 0;
                } else if inn.is_some() {
                    state.below += 1;
                    state.above = 0;
                } else {
                    state.above = 0;
                    state.below = 0;
                }
                let cooled = since(state.last_out.max(state.last_in), now) >= s.cooldown;
                if !cooled {
                    return Proposal::Hold;
                }
                match (out, inn) {
                    (Some((_, change)), _) if state.above >= s.datapoints => {
                        let want = (desired as i64 + change as i64).max(desired.max(1) as i64);
                        Proposal::Out(want.min(u32::MAX as i64) as u32)
                    }
                    (None, Some((_, change))) if state.below >= s.datapoints => {
                        Proposal::In((desired as i64 + change as i64).max(0) as u32)
                    }
                    _ => Proposal::Hold,
                }
            }
        }
    }
}

/// Combines the policies' proposals: out to the largest if any says out;
/// in to the largest if all say in; else unchanged. Returns the new desired
/// count (not yet clamped to min and max) and whether it was a scale-out.
pub fn combine(proposals: &[Proposal], desired: u32) -> Option<(u32, bool)> {
    let out = proposals
        .iter()
        .filter_map(|p| match p {
            Proposal::Out(n) => Some(*n),
            _ => None,
        })
        .max();
    if let Some(n) = out {
        return (n > desired).then_some((n, true));
    }
    if proposals.is_empty() {
        return None;
    }
    let mut ins = proposals.iter().map(|p| match p {
        Proposal::In(n) => Some(*n),
        _ => None,
    });
    let all: Option<Vec<u32>> = ins.by_ref().collect();
    let n = all?.into_iter().max()?;
    (n < desired).then_some((n, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE;

    fn cpu_target(target: f64) -> Policy {
        Policy::TargetTracking(TargetTracking {
            metric: Metric::Cpu,
            target,
            signal: Signal::IMMEDIATE,
            out_datapoints: 3,
            in_datapoints: 15,
            in_ratio: 0.9,
            out_cooldown: 5 * MINUTE,
            in_cooldown: 5 * MINUTE,
            disable_scale_in: false,
        })
    }

    #[test]
    fn target_tracking_waits_three_minutes_then_scales_in_proportion() {
        let p = cpu_target(50.0);
        let mut s = PolicyState::default();
        assert_eq!(
            p.evaluate(&mut s, Some(90.0), 4.0, 4, MINUTE),
            Proposal::Hold
        );
        assert_eq!(
            p.evaluate(&mut s, Some(90.0), 4.0, 4, 2 * MINUTE),
            Proposal::Hold
        );
        // 4 replicas at 90 % for a 50 % target: ceil(7.2) = 8.
        assert_eq!(
            p.evaluate(&mut s, Some(90.0), 4.0, 4, 3 * MINUTE),
            Proposal::Out(8)
        );
        // A minute at the target breaks the streak.
        assert_eq!(
            p.evaluate(&mut s, Some(50.0), 8.0, 8, 4 * MINUTE),
            Proposal::Hold
        );
        assert_eq!(
            p.evaluate(&mut s, Some(90.0), 8.0, 8, 5 * MINUTE),
            Proposal::Hold
        );
    }

    #[test]
    fn target_tracking_scales_in_after_fifteen_low_minutes() {
        let p = cpu_target(50.0);
        let mut s = PolicyState::default();
        for m in 1..15 {
            assert_eq!(
                p.evaluate(&mut s, Some(20.0), 10.0, 10, m * MINUTE),
                Proposal::Hold
            );
        }
        assert_eq!(
            p.evaluate(&mut s, Some(20.0), 10.0, 10, 15 * MINUTE),
            Proposal::In(4)
        );
        s.acted(15 * MINUTE, false);
        // The scale-in cooldown holds the next one for five minutes.
        for m in 16..20 {
            assert_eq!(
                p.evaluate(&mut s, Some(20.0), 4.0, 8, m * MINUTE),
                Proposal::Hold
            );
        }
        assert_eq!(
            p.evaluate(&mut s, Some(20.0), 4.0, 8, 20 * MINUTE),
            Proposal::In(2)
        );
        // 44 % is below the 45 % scale-in threshold; 46 % is not.
        let mut s = PolicyState::default();
        for m in 1..=15 {
            assert_eq!(
                p.evaluate(&mut s, Some(46.0), 10.0, 10, m * MINUTE),
                Proposal::Hold
            );
        }
    }

    #[test]
    fn steps_pick_the_tightest_bound() {
        let p = Policy::Step(StepScaling {
            metric: Metric::Cpu,
            signal: Signal::IMMEDIATE,
            datapoints: 1,
            cooldown: 0,
            steps: vec![
                Step {
                    bound: Bound::Above(70.0),
                    change: 1,
                },
                Step {
                    bound: Bound::Above(90.0),
                    change: 3,
                },
                Step {
                    bound: Bound::Below(20.0),
                    change: -1,
                },
            ],
        });
        let mut s = PolicyState::default();
        assert_eq!(
            p.evaluate(&mut s, Some(75.0), 2.0, 2, MINUTE),
            Proposal::Out(3)
        );
        assert_eq!(
            p.evaluate(&mut s, Some(95.0), 2.0, 2, MINUTE),
            Proposal::Out(5)
        );
        assert_eq!(
            p.evaluate(&mut s, Some(50.0), 2.0, 2, MINUTE),
            Proposal::Hold
        );
        assert_eq!(
            p.evaluate(&mut s, Some(10.0), 2.0, 2, MINUTE),
            Proposal::In(1)
        );
    }

    #[test]
    fn out_if_any_in_only_if_all() {
        use Proposal::*;
        assert_eq!(combine(&[Out(5), In(1)], 3), Some((5, true)));
        assert_eq!(combine(&[Hold, In(1)], 3), None);
        assert_eq!(combine(&[In(2), In(1)], 3), Some((2, false)));
        assert_eq!(combine(&[], 3), None);
    }
}
