//! The cluster autoscalers as policies: each reads a view of the cluster and
//! returns a decision, which the model (`model.rs`) carries out.
//!
//! - [`EcsManagedScaling`]: ECS capacity-provider managed scaling, one
//!   decision per metric period from `CapacityProviderReservation`.
//! - [`Karpenter`]: batches pending pods, then launches the nodes that pack
//!   them most cheaply within the NodePool limits; [`disrupt`] is its
//!   disruption loop (emptiness, multi-node and single-node consolidation).

use super::constraints::PodRule;
use super::spec::{ConsolidationPolicy, NodePoolLimits};
use crate::time::SimTime;

/// Waiting tasks by size class `(milli-vCPU, MiB)`, largest memory first.
pub type Classes = Vec<((u32, u32), u64)>;

/// What an instance offers tasks: milli-vCPU, MiB and task slots (the
/// awsvpc ENIs or the EKS max pods; `u32::MAX` when nothing caps them).
pub type Bin = (u32, u32, u32);

/// New instances of capacity `cap` needed for the waiting tasks `classes`
/// (counts per size class, largest first), after filling `open_bins`: a
/// first-fit-decreasing packing by size class. Classes larger than `cap`
/// never fit and need nothing; a bin holds at most its task slots.
pub fn bins_needed(cap: Bin, open_bins: &mut Vec<Bin>, classes: Classes) -> u64 {
    let mut new_bins = 0u64;
    if cap.2 == 0 {
        return 0;
    }
    for ((c, m), mut n) in classes {
        if c > cap.0 || m > cap.1 {
            continue;
        }
        for bin in open_bins.iter_mut() {
            if n == 0 {
                break;
            }
            let k = (bin.0 / c.max(1)).min(bin.1 / m.max(1)).min(bin.2) as u64;
            let k = k.min(n);
            bin.0 -= c * k as u32;
            bin.1 -= m * k as u32;
            bin.2 -= k as u32;
            n -= k;
        }
        if n > 0 {
            let per_bin = (cap.0 / c.max(1)).min(cap.1 / m.max(1)).min(cap.2).max(1) as u64;
            let full = n / per_bin;
            let rest = n % per_bin;
            new_bins += full;
            if rest > 0 {
                new_bins += 1;
                open_bins.push((
                    cap.0 - c * rest as u32,
                    cap.1 - m * rest as u32,
                    cap.2 - rest as u32,
                ));
            }
        }
    }
    new_bins
}

/// A waiting task whose placement rules ECS managed scaling counts (issue
/// 21): its size `(milli-vCPU, MiB)` and the keys no two tasks on one
/// instance may share (its `distinctInstance` group, its static host port).
pub type Keyed = ((u32, u32), Vec<u64>);

/// [`bins_needed`] with tasks under placement rules: each keyed task, largest
/// first, goes to the first open bin with room, a free slot and none of its
/// keys (so a `distinctInstance` group or a host port takes one bin per
/// task), else to a new bin; then the plain `classes` fill what is left.
/// Keyed tasks larger than `cap` need nothing, as classes do.
pub fn bins_needed_keyed(
    cap: Bin,
    open_bins: &mut Vec<Bin>,
    keyed: &[Keyed],
    classes: Classes,
) -> u64 {
    if cap.2 == 0 {
        return 0;
    }
    let mut keys: Vec<Vec<u64>> = vec![Vec::new(); open_bins.len()];
    let mut new_bins = 0u64;
    let mut order: Vec<&Keyed> = keyed.iter().collect();
    order.sort_by_key(|k| std::cmp::Reverse((k.0.1, k.0.0)));
    for ((c, m), ks) in order {
        let (c, m) = (*c, *m);
        if c > cap.0 || m > cap.1 {
            continue;
        }
        let open = (0..open_bins.len()).find(|&i| {
            let b = open_bins[i];
            b.0 >= c && b.1 >= m && b.2 >= 1 && !ks.iter().any(|k| keys[i].contains(k))
        });
        match open {
            Some(i) => {
                let b = &mut open_bins[i];
                *b = (b.0 - c, b.1 - m, b.2 - 1);
                keys[i].extend_from_slice(ks);
            }
            None => {
                new_bins += 1;
                open_bins.push((cap.0 - c, cap.1 - m, cap.2 - 1));
                keys.push(ks.clone());
            }
        }
    }
    new_bins + bins_needed(cap, open_bins, classes)
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
    pub launching: Vec<Bin>,
    /// Tasks in PROVISIONING (waiting for capacity) by size class, largest
    /// first: at most the cluster's quota of them (empty when none wait).
    pub waiting: Classes,
    /// Tasks in PROVISIONING under `distinctInstance` or a static host port
    /// (issue 21), within the same quota: each needs an instance without
    /// its keys. `memberOf` is not counted (ECS sizes by resources only).
    pub keyed: Vec<Keyed>,
    /// Whether any task waits at all (also one ECS does not count).
    pub any_waiting: bool,
    /// The largest and the smallest value of each parameter (CPU, memory)
    /// over the group's instance types: ECS counts instances in the largest
    /// and leaves out tasks the smallest cannot run.
    pub largest: Bin,
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
        let keyed: Vec<Keyed> = view
            .keyed
            .into_iter()
            .filter(|((c, m), _)| *c <= small.0 && *m <= small.1)
            .collect();
        let waiting = !counted.is_empty() || !keyed.is_empty();
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
            n + bins_needed_keyed(view.largest, &mut launching, &keyed, counted)
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

/// What Karpenter knows of the instance types it may launch, by type.
#[derive(Clone, Debug)]
pub struct NodeTypes {
    /// What pods may request on a node of the type.
    pub allocatable: Vec<(u32, u32)>,
    /// The type's nominal (cpu, memory), which NodePool limits count.
    pub nominal: Vec<(u32, u32)>,
    /// Pods a node of the type runs at most (its max pods less its
    /// DaemonSet pods; `u64::MAX` when nothing caps them).
    pub pods: Vec<u64>,
    /// On-demand price, pico-USD per hour.
    pub price: Vec<u128>,
}

impl NodeTypes {
    /// How many pods of `class` fit in `free`.
    fn fits(free: (u32, u32), class: (u32, u32)) -> u64 {
        (free.0 / class.0.max(1)).min(free.1 / class.1.max(1)) as u64
    }

    /// How many more pods of `class` a node of type `t` takes with `used`
    /// already requested.
    fn more(&self, t: usize, used: (u64, u64, u64), class: (u32, u32)) -> u64 {
        let cap = self.allocatable[t];
        let free = (
            (cap.0 as u64).saturating_sub(used.0).min(u32::MAX as u64) as u32,
            (cap.1 as u64).saturating_sub(used.1).min(u32::MAX as u64) as u32,
        );
        Self::fits(free, class).min(self.pods[t].saturating_sub(used.2))
    }

    /// How many pods of `class` an empty node of type `t` takes.
    fn holds(&self, t: usize, class: (u32, u32)) -> u64 {
        Self::fits(self.allocatable[t], class).min(self.pods[t])
    }

    /// The cheapest of `options` (the first listed on a tie).
    fn cheapest(&self, options: &[usize]) -> Option<usize> {
        options.iter().copied().min_by_key(|&t| (self.price[t], t))
    }
}

/// A node Karpenter's scheduler would create: the types that still hold
/// every pod given to it, and those pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeClaim {
    pub options: Vec<usize>,
    pub ids: Vec<u64>,
    /// The zones its pods' node selectors allow (`None`: any).
    pub zones: Option<Vec<bool>>,
}

/// The zones both masks allow (`None`: any); `None` when they share none.
fn meet(a: &Option<Vec<bool>>, b: &Option<Vec<bool>>) -> Option<Option<Vec<bool>>> {
    match (a, b) {
        (None, x) | (x, None) => Some(x.clone()),
        (Some(a), Some(b)) => {
            let m: Vec<bool> = a.iter().zip(b).map(|(x, y)| *x && *y).collect();
            m.iter().any(|x| *x).then_some(Some(m))
        }
    }
}

/// A node claim being filled: the claim, what its pods request (CPU, memory,
/// pods) and the keys they hold.
type Open = (NodeClaim, (u64, u64, u64), Vec<u64>);

/// A pending pod under scheduling rules: its size, id, and its rule (an
/// index into the rules given with it).
pub type RuledPod = ((u32, u32), u64, usize);

/// A node to launch: its type and the waiting tasks it is for.
pub type NodePlan = (usize, Vec<u64>);

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

    /// The node claims Karpenter's scheduler makes for the `pending` pods
    /// (ids by size class): pods in order of CPU then memory, largest first
    /// (its `byCPUAndMemoryDescending`), each to the first claim that some
    /// remaining type can still hold it on, else to a new claim whose
    /// options are the types that hold it and fit in what is left of the
    /// NodePool `limits` (which then lose the largest option's capacity, as
    /// `subtractMax` does). Pods no claim can take stay out.
    pub fn claims(
        pending: Vec<((u32, u32), Vec<u64>)>,
        types: &NodeTypes,
        limits: NodePoolLimits,
    ) -> Vec<NodeClaim> {
        Self::claims_ruled(pending, Vec::new(), &[], types, limits)
    }

    /// [`Karpenter::claims`] with pods under scheduling rules (issue 21),
    /// taken first, largest first: each joins the first claim with a type
    /// its rule allows that still holds it, a zone both allow and none of
    /// its keys (hostPort, anti-affine group), else opens a claim of the
    /// types its rule allows (and the zones). The plain pods follow as in
    /// `claims`, and may join a ruled claim.
    pub fn claims_ruled(
        mut pending: Vec<((u32, u32), Vec<u64>)>,
        mut ruled: Vec<RuledPod>,
        rules: &[PodRule],
        types: &NodeTypes,
        mut limits: NodePoolLimits,
    ) -> Vec<NodeClaim> {
        pending.sort_by_key(|(c, _)| std::cmp::Reverse(*c));
        let mut claims: Vec<Open> = Vec::new();
        ruled.sort_by_key(|(c, _, _)| std::cmp::Reverse(*c));
        let none = PodRule::default();
        for (class, id, r) in ruled {
            let rule = rules.get(r).unwrap_or(&none);
            let joined = claims.iter_mut().find_map(|(claim, used, keys)| {
                if !rule.keys_ok(keys) {
                    return None;
                }
                let zones = meet(&claim.zones, &rule.zones)?;
                claim
                    .options
                    .iter()
                    .any(|&t| rule.type_ok(t) && types.more(t, *used, class) >= 1)
                    .then_some((claim, used, keys, zones))
            });
            if let Some((claim, used, keys, zones)) = joined {
                claim
                    .options
                    .retain(|&t| rule.type_ok(t) && types.more(t, *used, class) >= 1);
                claim.zones = zones;
                claim.ids.push(id);
                *used = (used.0 + class.0 as u64, used.1 + class.1 as u64, used.2 + 1);
                keys.extend_from_slice(&rule.keys);
                continue;
            }
            let options: Vec<usize> = (0..types.allocatable.len())
                .filter(|&t| {
                    rule.type_ok(t) && types.holds(t, class) >= 1 && limits.admits(types.nominal[t])
                })
                .collect();
            if options.is_empty() {
                continue; // no node it may use fits: it stays pending
            }
            let largest = options.iter().fold((0u32, 0u32), |m, &t| {
                (m.0.max(types.nominal[t].0), m.1.max(types.nominal[t].1))
            });
            limits = limits.less(largest);
            claims.push((
                NodeClaim {
                    options,
                    ids: vec![id],
                    zones: rule.zones.clone(),
                },
                (class.0 as u64, class.1 as u64, 1),
                rule.keys.clone(),
            ));
        }
        for (class, ids) in pending {
            let mut rest = &ids[..];
            for (claim, used, _) in claims.iter_mut() {
                if rest.is_empty() {
                    break;
                }
                let best = claim
                    .options
                    .iter()
                    .map(|&t| types.more(t, *used, class))
                    .max()
                    .unwrap_or(0);
                let k = best.min(rest.len() as u64);
                if k == 0 {
                    continue;
                }
                claim.options.retain(|&t| types.more(t, *used, class) >= k);
                *used = (
                    used.0 + class.0 as u64 * k,
                    used.1 + class.1 as u64 * k,
                    used.2 + k,
                );
                claim.ids.extend_from_slice(&rest[..k as usize]);
                rest = &rest[k as usize..];
            }
            while !rest.is_empty() {
                let mut options: Vec<usize> = (0..types.allocatable.len())
                    .filter(|&t| types.holds(t, class) >= 1 && limits.admits(types.nominal[t]))
                    .collect();
                if options.is_empty() {
                    break;
                }
                let largest = options.iter().fold((0u32, 0u32), |m, &t| {
                    (m.0.max(types.nominal[t].0), m.1.max(types.nominal[t].1))
                });
                limits = limits.less(largest);
                let best = options
                    .iter()
                    .map(|&t| types.holds(t, class))
                    .max()
                    .unwrap_or(1);
                let k = best.min(rest.len() as u64);
                options.retain(|&t| types.holds(t, class) >= k);
                claims.push((
                    NodeClaim {
                        options,
                        ids: rest[..k as usize].to_vec(),
                        zones: None,
                    },
                    (class.0 as u64 * k, class.1 as u64 * k, k),
                    Vec::new(),
                ));
                rest = &rest[k as usize..];
            }
        }
        claims.into_iter().map(|(c, _, _)| c).collect()
    }

    /// The nodes to launch for the `pending` pods: one per node claim, of
    /// the cheapest type among the claim's options (EC2 Fleet's
    /// lowest-price allocation for on-demand). A batch of pods thus gets
    /// few, large nodes, each then shrunk to the cheapest type that holds
    /// what it got.
    pub fn plan(
        pending: Vec<((u32, u32), Vec<u64>)>,
        types: &NodeTypes,
        limits: NodePoolLimits,
    ) -> Vec<NodePlan> {
        Self::claims(pending, types, limits)
            .into_iter()
            .filter_map(|c| types.cheapest(&c.options).map(|t| (t, c.ids)))
            .collect()
    }

    /// [`Karpenter::plan`] with pods under scheduling rules: each node with
    /// the zones it must be launched in (`None`: any).
    pub fn plan_ruled(
        pending: Vec<((u32, u32), Vec<u64>)>,
        ruled: Vec<RuledPod>,
        rules: &[PodRule],
        types: &NodeTypes,
        limits: NodePoolLimits,
    ) -> Vec<(usize, Vec<u64>, Option<Vec<bool>>)> {
        Self::claims_ruled(pending, ruled, rules, types, limits)
            .into_iter()
            .filter_map(|c| types.cheapest(&c.options).map(|t| (t, c.ids, c.zones)))
            .collect()
    }
}

/// A node Karpenter's disruption loop may look at: initialized (ready) and
/// not already being disrupted.
#[derive(Clone, Debug)]
pub struct NodeView {
    pub id: u32,
    pub type_idx: usize,
    pub spot: bool,
    /// What the node costs, pico-USD per hour.
    pub price: u128,
    /// Allocatable (cpu, memory) not requested by its pods.
    pub free: (u32, u32),
    /// Pods it may still take (its pod slots less its pods; `u64::MAX`
    /// when nothing caps them).
    pub free_pods: u64,
    /// Its pods' requests.
    pub pods: Vec<(u32, u32)>,
    /// Its pods' task ids, in the order of `pods` (the pods a command
    /// moves are named by them).
    pub pod_ids: Vec<u64>,
    /// Each pod's scheduling rule (an index into
    /// [`DisruptionView::rules`]), in the order of `pods`; empty when none
    /// of its pods has one.
    pub pod_rules: Vec<Option<usize>>,
    /// Its zone (0-based).
    pub zone: u32,
    /// Its pods under each PodDisruptionBudget (by budget, as in
    /// [`DisruptionView::pdb_allowed`]).
    pub pdb_pods: Vec<u64>,
    /// `consolidateAfter` has passed since its last pod event.
    pub consolidatable: bool,
    /// A recent consolidation nominated it for the pods it moves: it may
    /// take pods in a simulation but is not a candidate itself
    /// (`ValidateNodeDisruptable`: "node is nominated for a pending pod").
    pub nominated: bool,
}

/// What the disruption loop sees at a poll.
pub struct DisruptionView<'a> {
    /// Ready nodes not being disrupted, in launch order.
    pub nodes: Vec<NodeView>,
    /// Disruptions the budget still allows now.
    pub allowed: u64,
    /// Nodes that may go without a replacement (the cluster's `min` kept).
    pub removable: u64,
    pub types: &'a NodeTypes,
    pub limits: NodePoolLimits,
    /// Nominal (cpu, memory, nodes) of every node alive, the candidates
    /// included.
    pub used: (u64, u64, u64),
    /// Pods each PodDisruptionBudget still lets consolidation evict now
    /// (`maxUnavailable` less its pods evicted and not running again).
    pub pdb_allowed: Vec<u64>,
    /// The pods' scheduling rules (issue 21): a moved pod goes only to a
    /// node they allow.
    pub rules: Vec<PodRule>,
}

/// What the disruption loop decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disruption {
    /// Remove these nodes; their pods (if any) go to the other nodes.
    Delete(Vec<u32>),
    /// Launch one node of type `with`; when it is ready, remove `nodes`.
    Replace { nodes: Vec<u32>, with: usize },
}

impl Disruption {
    pub fn nodes(&self) -> &[u32] {
        match self {
            Disruption::Delete(n) | Disruption::Replace { nodes: n, .. } => n,
        }
    }
}

/// Which of Karpenter's disruption methods found a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Emptiness,
    MultiNode,
    SingleNode,
}

/// Where the scheduling simulation put a pod a command moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// An existing node (its id).
    Node(u32),
    /// The command's replacement node.
    Replacement,
}

/// A pod a command moves: its task id, its request, and the node the
/// simulation chose for it. Karpenter records that choice
/// (`Results.Record` nominates the node, `pkg/controllers/provisioning/
/// scheduling/scheduler.go`), and the model starts the pod there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    pub pod: u64,
    pub size: (u32, u32),
    pub to: Target,
}

/// A disruption command: the method that found it, what it does to the
/// nodes, and where each evicted pod goes (none for empty nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub method: Method,
    pub disruption: Disruption,
    pub moves: Vec<Move>,
}

/// Karpenter's disruption methods, in the order its controller tries them
/// (`NewMethods`: emptiness, then multi-node, then single-node
/// consolidation; drift and expiry are not modelled). The first method
/// that finds a command wins the poll.
pub fn disrupt(view: &DisruptionView<'_>, policy: ConsolidationPolicy) -> Option<Command> {
    if view.allowed == 0 {
        return None;
    }
    // Candidates in Karpenter's order: price per unit of disruption
    // (1 + one per pod) highest first (`SavingsRatio`), stable.
    let mut order: Vec<usize> = (0..view.nodes.len())
        .filter(|&i| view.nodes[i].consolidatable && !view.nodes[i].nominated)
        .collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (&view.nodes[a], &view.nodes[b]);
        // price_a / (1 + pods_a) > price_b / (1 + pods_b), exactly.
        (nb.price * (1 + na.pods.len() as u128)).cmp(&(na.price * (1 + nb.pods.len() as u128)))
    });
    // Emptiness: every empty candidate, within the budget.
    let empty: Vec<u32> = order
        .iter()
        .filter(|&&i| view.nodes[i].pods.is_empty())
        .take(view.allowed.min(view.removable) as usize)
        .map(|&i| view.nodes[i].id)
        .collect();
    if !empty.is_empty() {
        return Some(Command {
            method: Method::Emptiness,
            disruption: Disruption::Delete(empty),
            moves: Vec::new(),
        });
    }
    if policy == ConsolidationPolicy::WhenEmpty {
        return None;
    }
    let busy: Vec<usize> = order
        .into_iter()
        .filter(|&i| !view.nodes[i].pods.is_empty())
        .collect();
    // Multi-node: the budget's worth of candidates (at most 100); binary
    // search for the longest prefix of two or more that can go at once.
    let batch: Vec<usize> = busy
        .iter()
        .copied()
        .take(view.allowed.min(100) as usize)
        .collect();
    if batch.len() >= 2 {
        let (mut lo, mut hi) = (1usize, batch.len() - 1);
        let mut found = None;
        while lo <= hi {
            let mid = (lo + hi) / 2;
            match consolidate(view, &batch[..=mid]) {
                Some(d) => {
                    found = Some(d);
                    lo = mid + 1;
                }
                None => hi = mid - 1,
            }
        }
        if let Some((disruption, moves)) = found {
            return Some(Command {
                method: Method::MultiNode,
                disruption,
                moves,
            });
        }
    }
    // Single-node: the first candidate that can go alone.
    busy.iter()
        .find_map(|&i| consolidate(view, &[i]))
        .map(|(disruption, moves)| Command {
            method: Method::SingleNode,
            disruption,
            moves,
        })
}

/// Checks a command again after the validation delay: the candidates must
/// still be candidates (and still empty for an emptiness command), and the
/// same kind of command must still hold for them. The command returned
/// carries the moves of this new simulation: the ones carried out.
pub fn revalidate(view: &DisruptionView<'_>, command: &Command) -> Option<Command> {
    let method = command.method;
    let mut idx = Vec::new();
    for id in command.disruption.nodes() {
        let i = view
            .nodes
            .iter()
            .position(|n| n.id == *id && n.consolidatable && !n.nominated)?;
        idx.push(i);
    }
    match method {
        Method::Emptiness => {
            let still: Vec<u32> = idx
                .iter()
                .filter(|&&i| view.nodes[i].pods.is_empty())
                .map(|&i| view.nodes[i].id)
                .take(view.removable as usize)
                .collect();
            (!still.is_empty()).then_some(Command {
                method,
                disruption: Disruption::Delete(still),
                moves: Vec::new(),
            })
        }
        _ => {
            if idx.iter().any(|&i| view.nodes[i].pods.is_empty()) {
                return None;
            }
            let (again, moves) = consolidate(view, &idx)?;
            let same = matches!(
                (&again, &command.disruption),
                (Disruption::Delete(_), Disruption::Delete(_))
                    | (Disruption::Replace { .. }, Disruption::Replace { .. })
            );
            same.then_some(Command {
                method,
                disruption: again,
                moves,
            })
        }
    }
}

/// Whether the nodes `cand` (indexes into `view.nodes`) can go: their pods
/// are scheduled, largest first, onto the other consolidatable nodes'
/// free room and free pod slots (first fit); what is left must fit one new node cheaper than
/// the candidates together (`computeConsolidation`), and for several
/// candidates cheaper than any candidate of the same type
/// (`filterOutSameInstanceType`). Spot candidates are never replaced
/// (spot-to-spot consolidation is off by default). Candidates whose pods
/// number more than a PodDisruptionBudget still allows are not taken.
/// Returns the command with each pod's place in the simulation (the other
/// nodes in launch order, as Karpenter's scheduler tries existing nodes in
/// name order, `sortExistingNodes`).
fn consolidate(view: &DisruptionView<'_>, cand: &[usize]) -> Option<(Disruption, Vec<Move>)> {
    // Evicting the candidates' pods must keep every PodDisruptionBudget.
    for (b, &allowed) in view.pdb_allowed.iter().enumerate() {
        let evicted: u64 = cand
            .iter()
            .map(|&i| view.nodes[i].pdb_pods.get(b).copied().unwrap_or(0))
            .sum();
        if evicted > allowed {
            return None;
        }
    }
    let ids: Vec<u32> = cand.iter().map(|&i| view.nodes[i].id).collect();
    // Room on the other nodes: CPU, memory and pod slots (max pods or task
    // slots), as Karpenter's scheduling simulation counts them.
    let mut free: Vec<(u32, u32, u64, u32)> = view
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.consolidatable && !cand.contains(i))
        .map(|(_, n)| (n.free.0, n.free.1, n.free_pods, n.id))
        .collect();
    // Under scheduling rules (issue 21): each other node's type, zone and
    // the keys its pods hold; a moved pod goes only where its rule allows.
    let ruled = !view.rules.is_empty();
    let keys_of = |n: &NodeView| -> Vec<u64> {
        n.pod_rules
            .iter()
            .flatten()
            .flat_map(|&r| view.rules[r].keys.iter().copied())
            .collect()
    };
    let mut held: Vec<(usize, u32, Vec<u64>)> = if ruled {
        view.nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| n.consolidatable && !cand.contains(i))
            .map(|(_, n)| (n.type_idx, n.zone, keys_of(n)))
            .collect()
    } else {
        Vec::new()
    };
    let mut pods: Vec<((u32, u32), Option<usize>, u64)> = cand
        .iter()
        .flat_map(|&i| {
            let n = &view.nodes[i];
            n.pods.iter().enumerate().map(|(k, p)| {
                (
                    *p,
                    n.pod_rules.get(k).copied().flatten(),
                    n.pod_ids.get(k).copied().unwrap_or(u64::MAX),
                )
            })
        })
        .collect();
    pods.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut left: Vec<((u32, u32), Vec<u64>)> = Vec::new();
    let mut left_ruled: Vec<RuledPod> = Vec::new();
    let mut moves: Vec<Move> = Vec::with_capacity(pods.len());
    for (n, (p, rule, pod)) in pods.into_iter().enumerate() {
        let allowed = |j: usize| -> bool {
            let Some(r) = rule else {
                return true;
            };
            let (t, z, keys) = &held[j];
            let r = &view.rules[r];
            r.type_ok(*t) && r.zone_ok(*z) && r.keys_ok(keys)
        };
        match (0..free.len())
            .find(|&j| free[j].0 >= p.0 && free[j].1 >= p.1 && free[j].2 >= 1 && allowed(j))
        {
            Some(j) => {
                let f = &mut free[j];
                f.0 -= p.0;
                f.1 -= p.1;
                f.2 -= 1;
                moves.push(Move {
                    pod,
                    size: p,
                    to: Target::Node(f.3),
                });
                if let Some(r) = rule {
                    held[j].2.extend_from_slice(&view.rules[r].keys);
                }
            }
            None if rule.is_some() => {
                moves.push(Move {
                    pod,
                    size: p,
                    to: Target::Replacement,
                });
                left_ruled.push((p, n as u64, rule.unwrap_or(0)));
            }
            None => {
                moves.push(Move {
                    pod,
                    size: p,
                    to: Target::Replacement,
                });
                let last = left.len();
                if last > 0 && left[last - 1].0 == p {
                    left[last - 1].1.push(n as u64);
                } else {
                    left.push((p, vec![n as u64]));
                }
            }
        }
    }
    if left.is_empty() && left_ruled.is_empty() {
        return (cand.len() as u64 <= view.removable).then_some((Disruption::Delete(ids), moves));
    }
    if cand.iter().all(|&i| view.nodes[i].spot) {
        return None;
    }
    // The limits as Karpenter's scheduler sees them: the candidates'
    // capacity is freed.
    let mut used = view.used;
    for &i in cand {
        let cap = view.types.nominal[view.nodes[i].type_idx];
        used = (
            used.0.saturating_sub(cap.0 as u64),
            used.1.saturating_sub(cap.1 as u64),
            used.2.saturating_sub(1),
        );
    }
    let count: usize = left.iter().map(|(_, v)| v.len()).sum::<usize>() + left_ruled.len();
    let claims = Karpenter::claims_ruled(
        left,
        left_ruled,
        &view.rules,
        view.types,
        view.limits.remaining(used),
    );
    // A replacement must hold every moved pod; one its pods' zone selector
    // restricts is not made (the model launches replacements by zone
    // balance), so such pods keep their node.
    if claims.len() != 1 || claims[0].ids.len() != count || claims[0].zones.is_some() {
        return None;
    }
    let mut max_price: u128 = cand.iter().map(|&i| view.nodes[i].price).sum();
    if cand.len() > 1 {
        for &t in &claims[0].options {
            for &i in cand {
                if view.nodes[i].type_idx == t {
                    max_price = max_price.min(view.nodes[i].price);
                }
            }
        }
    }
    let options: Vec<usize> = claims[0]
        .options
        .iter()
        .copied()
        .filter(|&t| view.types.price[t] < max_price)
        .collect();
    let with = view.types.cheapest(&options)?;
    Some((Disruption::Replace { nodes: ids, with }, moves))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{MINUTE, SECOND};

    #[test]
    fn bins_fill_open_bins_before_new_ones() {
        // Two 1 vCPU / 2 GiB bins free on launching instances take 2 of 5
        // tasks; the other 3 need ceil(3 / 2) = 2 new 2 vCPU / 4 GiB bins.
        let free = u32::MAX;
        let mut open = vec![(1000, 2048, free), (1000, 2048, free)];
        let n = bins_needed((2000, 4096, free), &mut open, vec![((1000, 2048), 5)]);
        assert_eq!(n, 2);
        // A class larger than the instance needs nothing.
        assert_eq!(
            bins_needed((2000, 4096, free), &mut vec![], vec![((4000, 1), 3)]),
            0
        );
    }

    #[test]
    fn task_slots_cap_the_tasks_a_bin_takes() {
        // A c5.large in awsvpc mode without trunking: 2 ENIs left for tasks.
        // Twenty tasks of 0.1 vCPU / 128 MiB fit 18 by CPU (1,805 m), but
        // only 2 by slots: 10 instances, not 2.
        let n = bins_needed((1805, 3500, 2), &mut vec![], vec![((100, 128), 20)]);
        assert_eq!(n, 10);
        // Open bins fill up to their free slots too: one free slot takes one.
        let mut open = vec![(1805, 3500, 1)];
        assert_eq!(
            bins_needed((1805, 3500, 2), &mut open, vec![((100, 128), 5)]),
            2
        );
        // Karpenter: a node of 27 pods (an m5.large on EKS) takes 27 small
        // pods, so 30 need two nodes where CPU alone would say one.
        let mut t = types(&[(1805, 7518)], &[96]);
        t.pods = vec![27];
        let claims = Karpenter::claims(
            vec![((50, 64), (0..30).collect())],
            &t,
            NodePoolLimits::default(),
        );
        let sizes: Vec<usize> = claims.iter().map(|c| c.ids.len()).collect();
        assert_eq!(sizes, vec![27, 3]);
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
            keyed: vec![],
            largest: (2000, 8192, u32::MAX),
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

    fn types(caps: &[(u32, u32)], prices: &[u128]) -> NodeTypes {
        NodeTypes {
            allocatable: caps.to_vec(),
            nominal: caps.to_vec(),
            pods: vec![u64::MAX; caps.len()],
            price: prices.to_vec(),
        }
    }

    const DOLLAR: u128 = 1_000_000_000_000;

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
            keyed: vec![],
            any_waiting: false,
            largest: (2000, 8192, u32::MAX),
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
            keyed: vec![],
            largest: (16_000, 32_145, u32::MAX),
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
        v.launching = vec![(16_000, 32_145, u32::MAX)];
        v.alive = 3;
        v.non_empty = 2;
        // M = 3 + 0, N = 3: hold.
        assert_eq!(p.tick(3 * MINUTE, v), EcsDecision::Hold);
    }

    #[test]
    fn karpenter_prefers_the_cheapest_type_that_takes_every_pod() {
        // Two 1-vCPU pods: the small type (2 vCPU, $1) takes both for less
        // than the large one (8 vCPU, $4).
        let t = types(&[(2000, 8192), (8000, 32768)], &[DOLLAR, 4 * DOLLAR]);
        let none = NodePoolLimits::default();
        let plan = Karpenter::plan(vec![((1000, 1024), vec![7, 9])], &t, none);
        assert_eq!(plan, vec![(0, vec![7, 9])]);
        // No node left under the limits: nothing launched.
        let full = NodePoolLimits {
            nodes: Some(0),
            ..none
        };
        assert!(Karpenter::plan(vec![((1000, 1024), vec![7])], &t, full).is_empty());
        let mut k = Karpenter::new(SECOND, 10 * SECOND);
        assert_eq!(k.pending(0), SECOND);
        assert!(!k.closes(SECOND / 2));
        assert!(k.closes(SECOND));
        assert!(!k.closes(2 * SECOND));
    }

    #[test]
    fn karpenter_packs_a_batch_on_few_large_nodes_when_prices_tie_per_vcpu() {
        // m6i.large / xlarge / 4xlarge: 2, 4 and 16 vCPU at $0.096, $0.192
        // and $0.768 an hour (the same price per vCPU). 20 pods of 1 vCPU:
        // the first node claim takes 16 (only the 4xlarge holds them), the
        // next the other 4 (cheapest holder: the xlarge). Not 10 larges.
        let t = types(
            &[(2000, 8192), (4000, 16384), (16000, 65536)],
            &[96 * DOLLAR / 1000, 192 * DOLLAR / 1000, 768 * DOLLAR / 1000],
        );
        let ids: Vec<u64> = (0..20).collect();
        let plan = Karpenter::plan(vec![((1000, 1024), ids)], &t, NodePoolLimits::default());
        let kinds: Vec<(usize, usize)> = plan.iter().map(|(t, ids)| (*t, ids.len())).collect();
        assert_eq!(kinds, vec![(2, 16), (1, 4)]);
    }

    #[test]
    fn karpenter_keeps_within_nodepool_cpu_and_memory_limits() {
        // limits.cpu = 20 vCPU: the 16-vCPU claim leaves 4 vCPU, so the next
        // claim may only be a node of at most 4 vCPU (the xlarge), and a
        // third claim has no type left: 20 - 16 - 4 = 0.
        let t = types(
            &[(2000, 8192), (4000, 16384), (16000, 65536)],
            &[96 * DOLLAR / 1000, 192 * DOLLAR / 1000, 768 * DOLLAR / 1000],
        );
        let limits = NodePoolLimits {
            cpu_milli: Some(20_000),
            ..NodePoolLimits::default()
        };
        let ids: Vec<u64> = (0..30).collect();
        let plan = Karpenter::plan(vec![((1000, 1024), ids)], &t, limits);
        let kinds: Vec<(usize, usize)> = plan.iter().map(|(t, ids)| (*t, ids.len())).collect();
        assert_eq!(kinds, vec![(2, 16), (1, 4)]);
        // Memory binds the same way: 64 GiB + 16 GiB = 80 GiB.
        let limits = NodePoolLimits {
            memory_mib: Some(80 * 1024),
            ..NodePoolLimits::default()
        };
        let plan = Karpenter::plan(vec![((1000, 1024), (0..30).collect())], &t, limits);
        assert_eq!(plan.len(), 2);
    }

    fn node(id: u32, t: usize, price: u128, cap: (u32, u32), pods: &[(u32, u32)]) -> NodeView {
        let used = pods.iter().fold((0, 0), |a, p| (a.0 + p.0, a.1 + p.1));
        NodeView {
            id,
            type_idx: t,
            spot: false,
            price,
            free: (cap.0 - used.0, cap.1 - used.1),
            free_pods: u64::MAX,
            pods: pods.to_vec(),
            pod_ids: (0..pods.len() as u64)
                .map(|k| id as u64 * 100 + k)
                .collect(),
            pod_rules: Vec::new(),
            zone: 0,
            pdb_pods: Vec::new(),
            consolidatable: true,
            nominated: false,
        }
    }

    /// What `disrupt` decided, without the moves.
    fn decide(
        view: &DisruptionView<'_>,
        policy: ConsolidationPolicy,
    ) -> Option<(Method, Disruption)> {
        disrupt(view, policy).map(|c| (c.method, c.disruption))
    }

    #[test]
    fn budget_rounds_a_percent_up_as_karpenter_does() {
        use super::super::spec::Budget;
        // 10 % of 1..=10 nodes is 1; of 11 nodes 2 (1.1 rounded up).
        assert_eq!(Budget::Percent(10).allowed(1), 1);
        assert_eq!(Budget::Percent(10).allowed(10), 1);
        assert_eq!(Budget::Percent(10).allowed(11), 2);
        assert_eq!(Budget::Percent(10).allowed(0), 0);
        assert_eq!(Budget::Nodes(3).allowed(100), 3);
    }

    #[test]
    fn consolidation_deletes_empty_nodes_first_within_the_budget() {
        let t = types(&[(4000, 16384)], &[DOLLAR]);
        let nodes: Vec<NodeView> = (0..3)
            .map(|i| node(i, 0, DOLLAR, (4000, 16384), &[]))
            .collect();
        let view = DisruptionView {
            nodes,
            allowed: 2,
            removable: 3,
            types: &t,
            limits: NodePoolLimits::default(),
            used: (12_000, 3 * 16384, 3),
            pdb_allowed: Vec::new(),
            rules: Vec::new(),
        };
        let (m, d) = decide(&view, ConsolidationPolicy::WhenEmpty).unwrap();
        assert_eq!(m, Method::Emptiness);
        assert_eq!(d, Disruption::Delete(vec![0, 1]));
    }

    #[test]
    fn underused_nodes_are_deleted_or_replaced_by_a_cheaper_one() {
        // Three 16-vCPU nodes ($0.768/h each) hold 4 vCPU of pods between
        // them (2 + 1 + 1): the reproduced case of issue 21. Multi-node
        // consolidation orders candidates as Karpenter does (price / (1 +
        // pods), highest first: nodes 1, 2, then 0). WhenEmpty does nothing.
        let cap = (16000, 65536);
        let t = types(
            &[(2000, 8192), (4000, 16384), cap],
            &[96 * DOLLAR / 1000, 192 * DOLLAR / 1000, 768 * DOLLAR / 1000],
        );
        let p = 768 * DOLLAR / 1000;
        let nodes = vec![
            node(0, 2, p, cap, &[(1000, 1024), (1000, 1024)]),
            node(1, 2, p, cap, &[(1000, 1024)]),
            node(2, 2, p, cap, &[(1000, 1024)]),
        ];
        let view = DisruptionView {
            nodes,
            allowed: 1,
            removable: 3,
            types: &t,
            limits: NodePoolLimits::default(),
            used: (48_000, 3 * 65536, 3),
            pdb_allowed: Vec::new(),
            rules: Vec::new(),
        };
        assert_eq!(decide(&view, ConsolidationPolicy::WhenEmpty), None);
        // A budget of 1: no multi-node batch; single-node deletes node 1.
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            Some((Method::SingleNode, Disruption::Delete(vec![1])))
        );
        let view = DisruptionView { allowed: 2, ..view };
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            Some((Method::MultiNode, Disruption::Delete(vec![1, 2])))
        );
        // With a budget of 3 the whole cluster is one batch: its 4 pods fit
        // one xlarge ($0.192/h), cheaper than any candidate ($0.768/h each):
        // $2.304/h becomes $0.192/h.
        let view = DisruptionView { allowed: 3, ..view };
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            Some((
                Method::MultiNode,
                Disruption::Replace {
                    nodes: vec![1, 2, 0],
                    with: 1
                }
            ))
        );
        // One node left with 4 vCPU of pods on a 16-vCPU type: replaced by
        // the cheapest type that holds them, the xlarge ($0.192 < $0.768).
        let view = DisruptionView {
            nodes: vec![node(0, 2, p, cap, &[(1000, 1024); 4])],
            used: (16_000, 65536, 1),
            ..view
        };
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            Some((
                Method::SingleNode,
                Disruption::Replace {
                    nodes: vec![0],
                    with: 1
                }
            ))
        );
    }

    #[test]
    fn keyed_tasks_take_one_bin_each_and_plain_ones_fill_the_rest() {
        // An m5.large as ECS registers it (2,000 m, 8,036 MiB). Three tasks
        // of a distinctInstance group (key 0) of 250 m / 512 MiB need three
        // bins; four plain tasks of the same size then fit the first bin's
        // 1,750 m: 3 in all, where by size alone 7 tasks fit one.
        let cap = (2000, 8036, u32::MAX);
        let keyed: Vec<Keyed> = vec![((250, 512), vec![0]); 3];
        let plain = vec![((250, 512), 4)];
        assert_eq!(
            bins_needed_keyed(cap, &mut vec![], &keyed, plain.clone()),
            3
        );
        assert_eq!(bins_needed(cap, &mut vec![], vec![((250, 512), 7)]), 1);
        // Two tasks on host port 80 with one instance launching: the first
        // goes to the launching one, the second needs a new one.
        let port: Vec<Keyed> = vec![((250, 512), vec![(1 << 32) | 80]); 2];
        assert_eq!(bins_needed_keyed(cap, &mut vec![cap], &port, vec![]), 1);
        // A task too large for the type needs nothing, keyed or not.
        assert_eq!(
            bins_needed_keyed(cap, &mut vec![], &[((4000, 512), vec![0])], vec![]),
            0
        );
    }

    #[test]
    fn ruled_pods_open_claims_their_rules_allow() {
        // m5.large ($0.096) and c5.large ($0.085), both 2 vCPU. Two pods of
        // 250 m on hostPort 80 (rule 0): two claims; a plain pod joins the
        // first. A pod whose node selector names m5.large (rule 1) gets an
        // m5.large although the c5.large is cheaper; one naming zone 3 of 3
        // (rule 2) a claim for that zone.
        let t = types(
            &[(2000, 8192), (2000, 4096)],
            &[96 * DOLLAR / 1000, 85 * DOLLAR / 1000],
        );
        let rules = vec![
            PodRule {
                keys: vec![(1 << 32) | 80],
                ..PodRule::default()
            },
            PodRule {
                types: Some(vec![true, false]),
                ..PodRule::default()
            },
            PodRule {
                zones: Some(vec![false, false, true]),
                ..PodRule::default()
            },
        ];
        let none = NodePoolLimits::default();
        let plan = Karpenter::plan_ruled(
            vec![((250, 512), vec![9])],
            vec![((250, 512), 1, 0), ((250, 512), 2, 0)],
            &rules,
            &t,
            none,
        );
        assert_eq!(plan, vec![(1, vec![1, 9], None), (1, vec![2], None)]);
        let plan = Karpenter::plan_ruled(vec![], vec![((1000, 1024), 5, 1)], &rules, &t, none);
        assert_eq!(plan, vec![(0, vec![5], None)]);
        let plan = Karpenter::plan_ruled(vec![], vec![((1000, 1024), 6, 2)], &rules, &t, none);
        assert_eq!(plan, vec![(1, vec![6], Some(vec![false, false, true]))]);
    }

    #[test]
    fn consolidation_keeps_anti_affine_pods_apart() {
        // Two 2-vCPU nodes, each running one 500 m pod of group 0. Without
        // rules single-node consolidation deletes the first and moves its
        // pod to the second; under anti-affinity (key 0) the second already
        // runs one, the only type is no cheaper, so nothing is done.
        let cap = (2000, 8192);
        let t = types(&[cap], &[DOLLAR]);
        let nodes = vec![
            node(0, 0, DOLLAR, cap, &[(500, 512)]),
            node(1, 0, DOLLAR, cap, &[(500, 512)]),
        ];
        let view = DisruptionView {
            nodes,
            allowed: 1,
            removable: 2,
            types: &t,
            limits: NodePoolLimits::default(),
            used: (4000, 2 * 8192, 2),
            pdb_allowed: Vec::new(),
            rules: Vec::new(),
        };
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            Some((Method::SingleNode, Disruption::Delete(vec![0])))
        );
        let mut view = view;
        view.rules = vec![PodRule {
            keys: vec![0],
            ..PodRule::default()
        }];
        for n in &mut view.nodes {
            n.pod_rules = vec![Some(0)];
        }
        assert_eq!(
            decide(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized),
            None
        );
    }

    #[test]
    fn a_command_says_where_each_moved_pod_goes() {
        // The seed-659 loop of issue 21 in small: three m5.large as ECS
        // registers them (2,000 m, 8,036 MiB). Node 0 and node 1 run a
        // 1 vCPU / 3 GiB pod and a 0.25 vCPU / 512 MiB pod (750 m free),
        // node 2 one 1 vCPU pod (1,000 m free). Node 2 comes first
        // (price / 2 > price / 3) but its pod fits nowhere else; node 0
        // goes: largest first, its 1 vCPU pod to node 2 (node 1 has only
        // 750 m), its 0.25 vCPU pod to node 1. Spread alone would have put
        // the small pod (the older one) on node 2, the node with fewest
        // tasks, and left the large one without a node.
        let cap = (2000, 8036);
        let t = types(&[cap], &[96 * DOLLAR / 1000]);
        let p = 96 * DOLLAR / 1000;
        let (big, small) = ((1000, 3072), (250, 512));
        let view = DisruptionView {
            nodes: vec![
                node(0, 0, p, cap, &[big, small]),
                node(1, 0, p, cap, &[big, small]),
                node(2, 0, p, cap, &[big]),
            ],
            allowed: 1,
            removable: 3,
            types: &t,
            limits: NodePoolLimits::default(),
            used: (6000, 3 * 8192, 3),
            pdb_allowed: Vec::new(),
            rules: Vec::new(),
        };
        let c = disrupt(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized).unwrap();
        assert_eq!(c.method, Method::SingleNode);
        assert_eq!(c.disruption, Disruption::Delete(vec![0]));
        assert_eq!(
            c.moves,
            vec![
                Move {
                    pod: 0,
                    size: big,
                    to: Target::Node(2)
                },
                Move {
                    pod: 1,
                    size: small,
                    to: Target::Node(1)
                },
            ]
        );
        // Revalidated 15 s later on the same cluster: the same command.
        assert_eq!(revalidate(&view, &c), Some(c.clone()));
        // Node 0 nominated (it took moved pods in the last 20 s): not a
        // candidate, and a command naming it fails validation, but it
        // still takes pods. Node 1 goes instead: its 1 vCPU pod to node 2,
        // its 0.25 vCPU pod to node 0.
        let mut nominated = view.nodes.clone();
        nominated[0].nominated = true;
        let view = DisruptionView {
            nodes: nominated,
            ..view
        };
        assert_eq!(revalidate(&view, &c), None);
        let c = disrupt(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized).unwrap();
        assert_eq!(c.disruption, Disruption::Delete(vec![1]));
        assert_eq!(
            c.moves.iter().map(|m| (m.pod, m.to)).collect::<Vec<_>>(),
            vec![(100, Target::Node(2)), (101, Target::Node(0))]
        );
        // A replacement names the pods its new node takes: node 0 of the
        // repack case (four 1 vCPU pods on a 16-vCPU node) moves all four
        // to the xlarge that replaces it.
        let cap16 = (16000, 65536);
        let t = types(
            &[(4000, 16384), cap16],
            &[192 * DOLLAR / 1000, 768 * DOLLAR / 1000],
        );
        let view = DisruptionView {
            nodes: vec![node(0, 1, 768 * DOLLAR / 1000, cap16, &[(1000, 1024); 4])],
            allowed: 1,
            removable: 1,
            types: &t,
            limits: NodePoolLimits::default(),
            used: (16_000, 65536, 1),
            pdb_allowed: Vec::new(),
            rules: Vec::new(),
        };
        let c = disrupt(&view, ConsolidationPolicy::WhenEmptyOrUnderutilized).unwrap();
        assert_eq!(
            c.disruption,
            Disruption::Replace {
                nodes: vec![0],
                with: 0
            }
        );
        assert_eq!(
            c.moves.iter().map(|m| (m.pod, m.to)).collect::<Vec<_>>(),
            (0..4).map(|k| (k, Target::Replacement)).collect::<Vec<_>>()
        );
    }
}
