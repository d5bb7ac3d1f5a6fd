//! The cluster autoscalers as policies: each reads a view of the cluster and
//! returns a decision, which the model (`model.rs`) carries out.
//!
//! - [`EcsManagedScaling`]: ECS capacity-provider managed scaling, one
//!   decision per metric period from `CapacityProviderReservation`.
//! - [`Karpenter`]: batches pending pods, then launches the nodes that pack
//!   them most cheaply.

use crate::time::SimTime;

/// Waiting tasks by size class `(milli-vCPU, MiB)`, largest memory first.
pub type Classes = Vec<((u32, u32), u64)>;

/// New instances of capacity `cap` needed for the waiting tasks `classes`
/// (counts per size class, largest first), after filling `open_bins`: a
/// first-fit-decreasing packing by size class. Classes larger than `cap`
/// never fit and need nothing.
pub fn bins_needed(cap: (u32, u32), open_bins: &mut Vec<(u32, u32)>, classes: Classes) -> u64 {
    let mut new_bins = 0u64;
    for ((c, m), mut n) in classes {
        if c > cap.0 || m > cap.1 {
            continue;
        }
        for bin in open_bins.iter_mut() {
            if n == 0 {
                break;
            }
            let k = (bin.0 / c.max(1)).min(bin.1 / m.max(1)) as u64;
            let k = k.min(n);
            bin.0 -= c * k as u32;
            bin.1 -= m * k as u32;
            n -= k;
        }
        if n > 0 {
            let per_bin = (cap.0 / c.max(1)).min(cap.1 / m.max(1)).max(1) as u64;
            let full = n / per_bin;
            let rest = n % per_bin;
            new_bins += full;
            if rest > 0 {
                new_bins += 1;
                open_bins.push((cap.0 - c * rest as u32, cap.1 - m * rest as u32));
            }
        }
    }
    new_bins
}

/// What ECS managed scaling sees at a metric period.
pub struct EcsView {
    /// Instances launching or running, and those the Auto Scaling group has
    /// been asked for (N).
    pub alive: u64,
    /// Running instances with at least one task.
    pub non_empty: u64,
    /// The schedulable capacity of each instance launching or asked for: the
    /// waiting tasks fill these first.
    pub launching: Vec<(u32, u32)>,
    /// Tasks in PROVISIONING (waiting for capacity) by size class, largest
    /// first: at most the cluster's quota of them (empty when none wait).
    pub waiting: Classes,
    /// Whether any task waits at all (also one ECS does not count).
    pub any_waiting: bool,
    /// The largest and the smallest value of each parameter (CPU, memory)
    /// over the group's instance types: ECS counts instances in the largest
    /// and leaves out tasks the smallest cannot run.
    pub largest: (u32, u32),
    pub smallest: (u32, u32),
    pub min: u32,
    pub max: u32,
}

/// What ECS managed scaling decided at a metric period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcsDecision {
    /// Raise the Auto Scaling group's desired capacity by this many
    /// instances, `alarm_delay` from now.
    Launch(u64),
    /// Terminate up to this many empty running instances (managed
    /// termination protection spares those with tasks).
    RemoveEmpty(u64),
    Hold,
}

/// ECS capacity-provider managed scaling.
#[derive(Clone, Debug)]
pub struct EcsManagedScaling {
    pub target_percent: u32,
    pub min_step: u32,
    pub max_step: u32,
    pub warmup: SimTime,
    pub scale_in_after: SimTime,
    pub metric_period: SimTime,
    /// From a metric period's end to the Auto Scaling group asking for the
    /// instances: CloudWatch publishing, the alarm's evaluation and the
    /// target-tracking action.
    pub alarm_delay: SimTime,
    /// Scale in as the Auto Scaling group does, a part each minute while the
    /// low alarm stays in ALARM (true), or every surplus instance at once.
    pub scale_in_ramp: bool,
    last_scale_out: Option<SimTime>,
    below_target_ticks: u32,
}

impl EcsManagedScaling {
    pub fn new(
        target_percent: u32,
        min_step: u32,
        max_step: u32,
        warmup: SimTime,
        scale_in_after: SimTime,
        metric_period: SimTime,
    ) -> EcsManagedScaling {
        EcsManagedScaling {
            target_percent,
            min_step,
            max_step,
            warmup,
            scale_in_after,
            metric_period,
            alarm_delay: 0,
            scale_in_ramp: false,
            last_scale_out: None,
            below_target_ticks: 0,
        }
    }

    /// The same with the alarm's delay and the scale-in ramp.
    pub fn with_alarm(mut self, alarm_delay: SimTime, scale_in_ramp: bool) -> EcsManagedScaling {
        self.alarm_delay = alarm_delay;
        self.scale_in_ramp = scale_in_ramp;
        self
    }

    /// The next metric period's end after `now`.
    pub fn next_tick(&self, now: SimTime) -> SimTime {
        (now / self.metric_period + 1) * self.metric_period
    }

    /// Instances the Auto Scaling group removes in one minute of scale-in
    /// with `surplus` empty instances above the desired count out of `alive`:
    /// "greater than one instance and less than 50 %" of the group each
    /// minute (ECS developer guide, managed scale-in behaviour), so at least
    /// one and at most ⌈alive / 2⌉ − 1, never more than the surplus.
    pub fn scale_in_step(alive: u64, surplus: u64) -> u64 {
        surplus.min(alive.div_ceil(2).saturating_sub(1).max(1))
    }

    /// One metric period at `now`.
    pub fn tick(&mut self, now: SimTime, view: EcsView) -> EcsDecision {
        let n = view.alive;
        // Tasks the smallest type cannot run are left out: "If the smallest
        // instance type cannot run at least one instance of the task, the
        // calculation considers the task as not compatible" [AWS] managed
        // scaling behaviour.
        let small = view.smallest;
        let counted: Classes = view
            .waiting
            .into_iter()
            .filter(|((c, m), _)| *c <= small.0 && *m <= small.1)
            .collect();
        let waiting = !counted.is_empty();
        if view.any_waiting && !waiting {
            // Every waiting task is incompatible: scaling stops and the
            // reservation stays at 100 %.
            self.below_target_ticks = 0;
            return EcsDecision::Hold;
        }
        // Instances needed (M): with tasks waiting, the instances there plus
        // what the waiting tasks need in the largest type beyond the launching
        // ones; otherwise the non-empty ones. CapacityProviderReservation =
        // M / N × 100.
        let m = if waiting {
            let mut launching = view.launching;
            n + bins_needed(view.largest, &mut launching, counted)
        } else {
            view.non_empty
        };
        let desired = if n == 0 && waiting {
            // "When a scale-out process is required and there are no available
            // container instances, ... ECS always scales-out to 200% (two
            // instances)" [AWS] cluster-auto-scaling.
            2
        } else {
            (m * 100).div_ceil(self.target_percent as u64)
        };
        let warming = self.last_scale_out.is_some_and(|t| now < t + self.warmup);
        if desired > n && !warming {
            let step = (desired - n).clamp(self.min_step as u64, self.max_step as u64);
            let step = step.min((view.max as u64).saturating_sub(n));
            self.below_target_ticks = 0;
            if step > 0 {
                // The warm-up runs from the instances' launch.
                self.last_scale_out = Some(now + self.alarm_delay);
                return EcsDecision::Launch(step);
            }
        } else if desired < n && !view.any_waiting {
            self.below_target_ticks += 1;
            let needed_ticks = self.scale_in_after.div_ceil(self.metric_period) as u32;
            if self.below_target_ticks >= needed_ticks {
                let surplus = n - desired.max(view.min as u64).min(n);
                if self.scale_in_ramp {
                    // The alarm stays in ALARM: the next minute removes more.
                    if surplus > 0 {
                        return EcsDecision::RemoveEmpty(Self::scale_in_step(n, surplus));
                    }
                } else {
                    self.below_target_ticks = 0;
                    return EcsDecision::RemoveEmpty(surplus);
                }
            }
        } else {
            self.below_target_ticks = 0;
        }
        EcsDecision::Hold
    }
}

/// Karpenter's provisioning: pending pods are gathered in a batch window
/// (closed after `batch_idle` without new pods, or `batch_max` after it
/// opened), then nodes are launched for them.
#[derive(Clone, Debug)]
pub struct Karpenter {
    pub batch_idle: SimTime,
    pub batch_max: SimTime,
    /// The open window: (first pod, last pod).
    open: Option<(SimTime, SimTime)>,
}

/// A node to launch: its type and the waiting tasks it is for.
pub type NodePlan = (usize, Vec<u64>);

impl Karpenter {
    pub fn new(batch_idle: SimTime, batch_max: SimTime) -> Karpenter {
        Karpenter {
            batch_idle,
            batch_max,
            open: None,
        }
    }

    /// New pods are pending at `now`: opens or extends the window. Returns
    /// when to look again.
    pub fn pending(&mut self, now: SimTime) -> SimTime {
        let (start, _) = *self.open.get_or_insert((now, now));
        self.open = Some((start, now));
        (now + self.batch_idle).min(start + self.batch_max)
    }

    /// Whether the window closes at `now` (a later wake-up closes it
    /// otherwise); closing it empties it.
    pub fn closes(&mut self, now: SimTime) -> bool {
        let Some((start, last)) = self.open else {
            return false;
        };
        if now < (last + self.batch_idle).min(start + self.batch_max) {
            return false;
        }
        self.open = None;
        true
    }

    /// The nodes to launch for the `pending` tasks (ids by size class,
    /// largest first), at most `room` of them: each node is the type that
    /// takes every remaining task at the lowest price, else the one that
    /// packs the most work per dollar. `capacity` and `price_pico_usd` are
    /// per instance type.
    pub fn plan(
        mut pending: Vec<((u32, u32), Vec<u64>)>,
        capacity: &[(u32, u32)],
        price_pico_usd: &[u128],
        room: u64,
    ) -> Vec<NodePlan> {
        let mut nodes = Vec::new();
        while pending.iter().any(|(_, ids)| !ids.is_empty()) && (nodes.len() as u64) < room {
            // For each type: how many of each class one node packs.
            let mut best: Option<(usize, Vec<usize>, bool, f64)> = None;
            for (t, &cap) in capacity.iter().enumerate() {
                let mut free = cap;
                let mut packed = Vec::with_capacity(pending.len());
                let mut value = 0.0;
                for ((c, m), ids) in &pending {
                    let k =
                        ((free.0 / (*c).max(1)).min(free.1 / (*m).max(1)) as usize).min(ids.len());
                    free.0 -= c * k as u32;
                    free.1 -= m * k as u32;
                    value += k as f64 * (*c as f64 / 1000.0 + *m as f64 / 4096.0);
                    packed.push(k);
                }
                let all = packed
                    .iter()
                    .zip(&pending)
                    .all(|(k, (_, ids))| *k == ids.len());
                let price = price_pico_usd[t] as f64;
                let score = value / price.max(1.0);
                let better = match &best {
                    None => value > 0.0,
                    Some((bt, _, ball, bscore)) => match (all, *ball) {
                        (true, false) => true,
                        (false, true) => false,
                        (true, true) => price < price_pico_usd[*bt] as f64,
                        (false, false) => score > *bscore,
                    },
                };
                if better {
                    best = Some((t, packed, all, score));
                }
            }
            let Some((t, packed, _, _)) = best else { break };
            let mut ids_for_node = Vec::new();
            for ((_, ids), k) in pending.iter_mut().zip(packed) {
                ids_for_node.extend(ids.drain(..k));
            }
            nodes.push((t, ids_for_node));
        }
        nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{MINUTE, SECOND};

    #[test]
    fn bins_fill_open_bins_before_new_ones() {
        // Two 1 vCPU / 2 GiB bins free on launching instances take 2 of 5
        // tasks; the other 3 need ceil(3 / 2) = 2 new 2 vCPU / 4 GiB bins.
        let mut open = vec![(1000, 2048), (1000, 2048)];
        let n = bins_needed((2000, 4096), &mut open, vec![((1000, 2048), 5)]);
        assert_eq!(n, 2);
        // A class larger than the instance needs nothing.
        assert_eq!(
            bins_needed((2000, 4096), &mut vec![], vec![((4000, 1), 3)]),
            0
        );
    }

    #[test]
    fn ecs_scales_out_by_reservation_and_waits_for_warm_up() {
        let mut p = EcsManagedScaling::new(100, 1, 10, 5 * MINUTE, 15 * MINUTE, MINUTE);
        let view = |alive, waiting: Classes| EcsView {
            alive,
            non_empty: alive,
            launching: vec![],
            any_waiting: !waiting.is_empty(),
            waiting,
            largest: (2000, 8192),
            smallest: (2000, 8192),
            min: 0,
            max: 100,
        };
        // From zero: always two instances.
        assert_eq!(
            p.tick(MINUTE, view(0, vec![((1000, 1024), 1)])),
            EcsDecision::Launch(2)
        );
        // Inside the warm-up, nothing more.
        assert_eq!(
            p.tick(2 * MINUTE, view(2, vec![((1000, 1024), 8)])),
            EcsDecision::Hold
        );
        // After it: 8 tasks of 1 vCPU need 4 more instances (M = 6, N = 2).
        assert_eq!(
            p.tick(7 * MINUTE, view(2, vec![((1000, 1024), 8)])),
            EcsDecision::Launch(4)
        );
    }

    #[test]
    fn ecs_scale_in_is_a_ramp_each_minute_after_fifteen_datapoints() {
        // 20 empty instances, min 0, target 100 %. After 15 one-minute
        // datapoints below target the group sheds, each minute, at least one
        // and less than half of itself: ⌈20/2⌉ − 1 = 9, then ⌈11/2⌉ − 1 = 5,
        // ⌈6/2⌉ − 1 = 2, then one a minute: 20 → 11 → 6 → 4 → 3 → 2 → 1 → 0
        // at minutes 15 to 21.
        let mut p =
            EcsManagedScaling::new(100, 1, 10_000, MINUTE, 15 * MINUTE, MINUTE).with_alarm(0, true);
        let view = |alive| EcsView {
            alive,
            non_empty: 0,
            launching: vec![],
            waiting: vec![],
            any_waiting: false,
            largest: (2000, 8192),
            smallest: (2000, 8192),
            min: 0,
            max: 100,
        };
        let mut n = 20u64;
        let mut counts = Vec::new();
        for minute in 1..=22 {
            match p.tick(minute * MINUTE, view(n)) {
                EcsDecision::RemoveEmpty(k) => {
                    n -= k;
                    counts.push((minute, n));
                }
                EcsDecision::Hold => assert!(minute < 15 || n == 0, "minute {minute}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            counts,
            vec![
                (15, 11),
                (16, 6),
                (17, 4),
                (18, 3),
                (19, 2),
                (20, 1),
                (21, 0)
            ]
        );
        // The old cliff, kept as an option: all 20 at minute 15.
        let mut q = EcsManagedScaling::new(100, 1, 10_000, MINUTE, 15 * MINUTE, MINUTE);
        for minute in 1..15 {
            assert_eq!(q.tick(minute * MINUTE, view(20)), EcsDecision::Hold);
        }
        assert_eq!(q.tick(15 * MINUTE, view(20)), EcsDecision::RemoveEmpty(20));
        assert_eq!(EcsManagedScaling::scale_in_step(1, 1), 1);
        assert_eq!(EcsManagedScaling::scale_in_step(100, 2), 2);
    }

    #[test]
    fn ecs_counts_instances_in_the_largest_type_and_leaves_out_what_the_smallest_cannot_run() {
        // c7g.xlarge and c7g.4xlarge in one group, as ECS registers them
        // (memory less 1.9 %): smallest 4 vCPU / 8,036 MiB, largest
        // 16 vCPU / 32,145 MiB. 40 tasks of 1 vCPU / 2 GiB: one largest
        // instance holds min(16, ⌊32,145 / 2,048⌋ = 15) = 15, so M = N + ⌈40/15⌉
        // = 2 + 3 and the step is 3. Two 8 vCPU / 16 GiB tasks fit only the
        // largest type: not compatible, not counted.
        let mut p = EcsManagedScaling::new(100, 1, 10_000, 0, 15 * MINUTE, MINUTE);
        let view = |waiting: Classes| EcsView {
            alive: 2,
            non_empty: 2,
            launching: vec![],
            any_waiting: !waiting.is_empty(),
            waiting,
            largest: (16_000, 32_145),
            smallest: (4_000, 8_036),
            min: 0,
            max: 100,
        };
        assert_eq!(
            p.tick(MINUTE, view(vec![((8000, 16384), 2), ((1000, 2048), 40)])),
            EcsDecision::Launch(3)
        );
        // Only incompatible tasks wait: no scale-out, and no scale-in either.
        assert_eq!(
            p.tick(2 * MINUTE, view(vec![((8000, 16384), 2)])),
            EcsDecision::Hold
        );
        // Tasks that fit a launching instance need nothing more: 15 of them
        // fill one launching largest instance.
        let mut v = view(vec![((1000, 2048), 15)]);
        v.launching = vec![(16_000, 32_145)];
        v.alive = 3;
        v.non_empty = 2;
        // M = 3 + 0, N = 3: hold.
        assert_eq!(p.tick(3 * MINUTE, v), EcsDecision::Hold);
    }

    #[test]
    fn karpenter_prefers_the_cheapest_type_that_takes_every_pod() {
        // Two 1-vCPU pods: the small type (2 vCPU, $1) takes both for less
        // than the large one (8 vCPU, $4).
        let caps = [(2000, 8192), (8000, 32768)];
        let prices = [1_000_000_000_000u128, 4_000_000_000_000];
        let plan = Karpenter::plan(vec![((1000, 1024), vec![7, 9])], &caps, &prices, 10);
        assert_eq!(plan, vec![(0, vec![7, 9])]);
        // No room: nothing launched.
        assert!(Karpenter::plan(vec![((1000, 1024), vec![7])], &caps, &prices, 0).is_empty());
        let mut k = Karpenter::new(SECOND, 10 * SECOND);
        assert_eq!(k.pending(0), SECOND);
        assert!(!k.closes(SECOND / 2));
        assert!(k.closes(SECOND));
        assert!(!k.closes(2 * SECOND));
    }
}
