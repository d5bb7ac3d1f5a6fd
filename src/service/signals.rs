//! How a scaling metric reaches its alarm, and when the alarm acts (issue 21).
//!
//! ECS publishes a service's CPU utilisation once a period: every minute, or
//! every 20 seconds with high-resolution metrics
//! (`ECSServiceAverageCPUUtilizationHighResolution`). A period's datapoint
//! reaches CloudWatch some time after the period ends (the publication
//! delay). The alarm is evaluated on its own clock (every minute for
//! one-minute periods, every 10 seconds for sub-minute ones) and looks only at
//! the datapoints it can already see; it needs several consecutive breaching
//! datapoints (3 to scale out, 15 to scale in for target tracking). Only then
//! does the policy change the desired count. A load step is therefore acted on
//! after the periods it takes to breach, plus the delay, plus the wait for the
//! alarm's next evaluation.
//!
//! A [`Scaler`] keeps, for each metric period in use, the service's levels at
//! the period's start, and for each policy the datapoints published but not
//! yet seen by its alarm.

use super::scaling::{Metric, Policy, PolicyState, Proposal, combine};
use crate::time::{MINUTE, SimTime};
use std::collections::VecDeque;

/// A service's running totals at an instant: integrals over time (µs) and
/// the requests arrived so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// ∫ busy request slots dt.
    pub busy: u128,
    /// ∫ request slots of running replicas dt.
    pub capacity: u128,
    /// ∫ replicas taking requests dt.
    pub routable: u128,
    pub arrived: u64,
}

/// One period's datapoint, on its way to an alarm.
#[derive(Clone, Copy, Debug)]
struct Datapoint {
    /// When the alarm can first see it: the period's end plus the delay.
    visible_at: SimTime,
    value: Option<f64>,
    /// Replicas the value was measured on (time-averaged over the period).
    base: f64,
}

/// The levels at the start of the current period of one length.
#[derive(Clone, Copy, Debug)]
struct Clock {
    period: SimTime,
    start: SimTime,
    at_start: Levels,
}

/// The service's scaling policies with their metrics' clocks and alarms.
#[derive(Clone, Debug)]
pub struct Scaler {
    policies: Vec<Policy>,
    states: Vec<PolicyState>,
    /// Each policy's clock (an index into `clocks`).
    clock_of: Vec<usize>,
    clocks: Vec<Clock>,
    /// Each policy's datapoints published and not yet seen by its alarm.
    pending: Vec<VecDeque<Datapoint>>,
    /// Each policy's latest proposal.
    current: Vec<Proposal>,
    concurrency: u32,
}

/// The greatest common divisor of two spans (the service host's tick).
pub(super) fn gcd(a: SimTime, b: SimTime) -> SimTime {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Scaler {
    pub fn new(policies: &[Policy], concurrency: u32) -> Scaler {
        let mut clocks: Vec<Clock> = Vec::new();
        let clock_of = policies
            .iter()
            .map(|p| {
                let period = p.signal().period.max(1);
                clocks
                    .iter()
                    .position(|c| c.period == period)
                    .unwrap_or_else(|| {
                        clocks.push(Clock {
                            period,
                            start: 0,
                            at_start: Levels::default(),
                        });
                        clocks.len() - 1
                    })
            })
            .collect();
        Scaler {
            policies: policies.to_vec(),
            states: vec![PolicyState::default(); policies.len()],
            clock_of,
            clocks,
            pending: vec![VecDeque::new(); policies.len()],
            current: vec![Proposal::Hold; policies.len()],
            concurrency: concurrency.max(1),
        }
    }

    /// The tick that meets every period's end and every alarm evaluation,
    /// with whole minutes (for the minute books): their greatest common
    /// divisor.
    pub fn tick_every(&self) -> SimTime {
        self.policies.iter().fold(MINUTE, |g, p| {
            let s = p.signal();
            gcd(gcd(g, s.period.max(1)), s.alarm_every.max(1))
        })
    }

    /// At `now`: closes the periods that end now (their datapoints set off
    /// towards the alarms), then runs the alarms due now on what they can
    /// see. Returns the combined decision: the new desired count (not yet
    /// clamped to min and max) and whether it is a scale-out.
    pub fn tick(&mut self, now: SimTime, levels: Levels, desired: u32) -> Option<(u32, bool)> {
        for (c, clock) in self.clocks.iter_mut().enumerate() {
            if now <= clock.start || !now.is_multiple_of(clock.period) {
                continue;
            }
            let span = (now - clock.start) as f64;
            let a = clock.at_start;
            let busy = levels.busy - a.busy;
            let capacity = levels.capacity - a.capacity;
            let routable = levels.routable - a.routable;
            let arrived = levels.arrived - a.arrived;
            // A period with requests and no replica to take them reads as
            // infinitely high; one with neither has no data.
            let none_or_inf = (arrived > 0).then_some(f64::INFINITY);
            let cpu = (capacity > 0)
                .then(|| 100.0 * busy as f64 / capacity as f64)
                .or(none_or_inf);
            let rpt = (routable > 0)
                .then(|| arrived as f64 / (routable as f64 / span))
                .or(none_or_inf);
            for (i, p) in self.policies.iter().enumerate() {
                if self.clock_of[i] != c {
                    continue;
                }
                let (value, base) = match p.metric() {
                    Metric::Cpu => (cpu, capacity as f64 / (self.concurrency as f64 * span)),
                    Metric::RequestsPerTarget => (rpt, routable as f64 / span),
                };
                self.pending[i].push_back(Datapoint {
                    visible_at: now.saturating_add(p.signal().delay),
                    value,
                    base,
                });
            }
            clock.start = now;
            clock.at_start = levels;
        }
        let mut evaluated = false;
        for (i, p) in self.policies.iter().enumerate() {
            if !now.is_multiple_of(p.signal().alarm_every.max(1)) {
                // Not evaluated now: an alarm in the scale-in state stays
                // there (it still agrees to scale in); anything else holds.
                if !matches!(self.current[i], Proposal::In(_)) {
                    self.current[i] = Proposal::Hold;
                }
                continue;
            }
            evaluated = true;
            let mut proposal = Proposal::Hold;
            while let Some(d) = self.pending[i].front().copied() {
                if d.visible_at > now {
                    break;
                }
                self.pending[i].pop_front();
                proposal = p.evaluate(&mut self.states[i], d.value, d.base, desired, now);
            }
            self.current[i] = proposal;
        }
        if !evaluated {
            return None;
        }
        combine(&self.current, desired)
    }

    /// The service acted on the decision `tick` returned at `now`: the
    /// policies that proposed it start their cooldowns.
    pub fn acted(&mut self, now: SimTime, out: bool) {
        for (state, p) in self.states.iter_mut().zip(&self.current) {
            if matches!(p, Proposal::Out(_)) == out && !matches!(p, Proposal::Hold) {
                state.acted(now, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scaling::{Resolution, Signal, TargetTracking};
    use crate::time::SECOND;

    fn policy(signal: Signal) -> Policy {
        Policy::TargetTracking(TargetTracking {
            metric: Metric::Cpu,
            target: 50.0,
            signal,
            out_datapoints: 3,
            in_datapoints: 15,
            in_ratio: 0.9,
            out_cooldown: 5 * MINUTE,
            in_cooldown: 5 * MINUTE,
            disable_scale_in: false,
        })
    }

    /// 4 replicas of one slot each, busy at `cpu` % from time 0; the scaler
    /// ticked every `every` until it decides. Returns the decision's time.
    fn decide(signal: Signal, cpu: u128, until: SimTime) -> Option<(SimTime, u32)> {
        let mut s = Scaler::new(&[policy(signal)], 1);
        let every = s.tick_every();
        let mut t = every;
        while t <= until {
            let lv = Levels {
                busy: 4 * cpu * t as u128 / 100,
                capacity: 4 * t as u128,
                routable: 4 * t as u128,
                arrived: t / SECOND,
            };
            if let Some((n, true)) = s.tick(t, lv, 4) {
                return Some((t, n));
            }
            t += every;
        }
        None
    }

    #[test]
    fn a_datapoint_is_acted_on_after_its_delay_and_the_next_evaluation() {
        // No lag: the third one-minute datapoint, at 3:00; 4 × 90 / 50 → 8.
        assert_eq!(
            decide(Signal::IMMEDIATE, 90, 10 * MINUTE),
            Some((3 * MINUTE, 8))
        );
        // Published 180 s late: 3:00 + 180 s = 6:00.
        let standard = Signal {
            resolution: Resolution::Standard,
            period: MINUTE,
            delay: 180 * SECOND,
            alarm_every: MINUTE,
        };
        assert_eq!(decide(standard, 90, 10 * MINUTE), Some((6 * MINUTE, 8)));
        // 45 s late: visible at 3:45, seen at the next evaluation, 4:00.
        let odd = Signal {
            delay: 45 * SECOND,
            ..standard
        };
        assert_eq!(decide(odd, 90, 10 * MINUTE), Some((4 * MINUTE, 8)));
        // High resolution: three 20 s datapoints (0:60) + 20 s, evaluated
        // every 10 s: 80 s; the tick is 10 s.
        let high = Signal {
            resolution: Resolution::High,
            period: 20 * SECOND,
            delay: 20 * SECOND,
            alarm_every: 10 * SECOND,
        };
        assert_eq!(Scaler::new(&[policy(high)], 1).tick_every(), 10 * SECOND);
        assert_eq!(decide(high, 90, 10 * MINUTE), Some((80 * SECOND, 8)));
        // Below the target nothing happens.
        assert_eq!(decide(high, 49, 10 * MINUTE), None);
    }

    #[test]
    fn scale_in_waits_for_the_same_lag() {
        // 20 % on 4 replicas: 15 low datapoints (15:00) + 180 s → 18:00, to
        // ceil(4 × 20 / 50) = 2.
        let standard = Signal {
            resolution: Resolution::Standard,
            period: MINUTE,
            delay: 180 * SECOND,
            alarm_every: MINUTE,
        };
        let mut s = Scaler::new(&[policy(standard)], 1);
        let mut at = None;
        for m in 1..=30u64 {
            let t = m * MINUTE;
            let lv = Levels {
                busy: 4 * 20 * t as u128 / 100,
                capacity: 4 * t as u128,
                routable: 4 * t as u128,
                arrived: m,
            };
            if let Some((n, false)) = s.tick(t, lv, 4) {
                at = Some((t, n));
                break;
            }
        }
        assert_eq!(at, Some((18 * MINUTE, 2)));
    }
}
