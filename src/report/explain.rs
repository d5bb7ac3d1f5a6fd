//! `fargate-sim explain RUN_DIR`: what happened in a finished run, in plain
//! language, computed from its summary: where each platform's money went,
//! what made tasks wait, how each service held its objective, and the one
//! change that would save the most, with its estimated effect.

use super::compare;
use super::format::{format_latency, format_seconds, format_usd_cents as usd, sentence};
use super::summary::{PlatformSummary, Summary};
use crate::pricing::{Arch, Capacity, Catalog, Os};
use serde::Serialize;
use std::collections::BTreeMap;

fn pct(part: f64, whole: f64) -> String {
    let p = if whole <= 0.0 {
        0.0
    } else {
        100.0 * part / whole
    };
    if p > 0.0 && p < 1.0 {
        "<1%".into()
    } else {
        format!("{p:.0}%")
    }
}

/// A change and what it would save, in dollars.
#[derive(Clone, Debug, Serialize)]
pub struct Saving {
    /// The platform the change applies to.
    pub platform: String,
    /// The estimated saving over the run.
    #[serde(rename = "usd")]
    pub dollars: f64,
    pub text: String,
}

/// The Fargate rate ratio `to / from` for a platform's region and OS (vCPU
/// rate; memory follows it closely).
fn fargate_ratio(
    catalog: &Catalog,
    p: &PlatformSummary,
    arch: Arch,
    capacity: Capacity,
) -> Option<f64> {
    let region = p.options.get("region")?;
    let os = match p.options.get("os").map(String::as_str) {
        Some("windows") => Os::Windows,
        _ => Os::Linux,
    };
    let from_arch = match p.options.get("arch").map(String::as_str) {
        Some("arm64") => Arch::Arm64,
        _ => Arch::X86_64,
    };
    let from_cap = match p.options.get("capacity").map(String::as_str) {
        Some("spot") => Capacity::Spot,
        _ => Capacity::OnDemand,
    };
    let find = |a: Arch, c: Capacity| {
        catalog
            .fargate
            .rates
            .iter()
            .find(|r| &r.region == region && r.os == os && r.arch == a && r.capacity == c)
    };
    let from = find(from_arch, from_cap)?;
    let to = find(arch, capacity)?;
    let base = from.vcpu.usd_per_hour();
    (base > 0.0).then(|| to.vcpu.usd_per_hour() / base)
}

/// The changes worth making on one platform, with their estimated savings.
fn savings(catalog: &Catalog, p: &PlatformSummary) -> Vec<Saving> {
    let mut out = Vec::new();
    let karpenter = is_karpenter(p);
    let c = &p.cost.components;
    let total = p.cost.total_usd;
    if p.kind == "fargate" {
        let compute = c.vcpu_usd + c.memory_usd + c.storage_usd + c.os_license_usd;
        // All on demand (a strategy that already mixes in Spot is not).
        let on_demand = p.options.get("capacity").is_none_or(|v| v == "on_demand");
        let x86 = p.options.get("arch").is_none_or(|v| v != "arm64");
        // Fargate Spot runs x86_64 tasks only: never suggested for ARM64.
        if on_demand
            && x86
            && let Some(r) = fargate_ratio(catalog, p, Arch::X86_64, Capacity::Spot)
        {
            out.push(Saving {
                platform: p.name.clone(),
                dollars: compute * (1.0 - r),
                text: format!(
                    "run {} on Fargate Spot: about {} less ({} of its cost), if the tasks can take a 2-minute interruption notice",
                    p.name,
                    usd(compute * (1.0 - r)),
                    pct(compute * (1.0 - r), total)
                ),
            });
        }
        // ARM64 only on demand: moving a Spot platform to ARM would lose Spot.
        if x86
            && on_demand
            && p.options.get("os").is_none_or(|v| v == "linux")
            && let Some(r) = fargate_ratio(catalog, p, Arch::Arm64, Capacity::OnDemand)
        {
            out.push(Saving {
                platform: p.name.clone(),
                dollars: compute * (1.0 - r),
                text: format!(
                    "build the images for ARM and run {} on Graviton: about {} less ({}), with no change in behaviour",
                    p.name,
                    usd(compute * (1.0 - r)),
                    pct(compute * (1.0 - r), total)
                ),
            });
        }
        // Billed time that ran no task: image pulls, the one-minute minimum,
        // interrupted runs.
        let billed = p.billed.task_seconds;
        let useful = p.tasks.run_seconds;
        if billed > 0.0 && useful > 0.0 && billed > useful {
            let overhead = (billed - useful) / billed;
            if overhead > 0.15 {
                out.push(Saving {
                    platform: p.name.clone(),
                    dollars: compute * overhead,
                    text: format!(
                        "{} pays for {} of its billed task time while no task code runs (image pulls, the one-minute minimum, interruptions): smaller images or fewer, longer tasks would recover part of up to {}",
                        p.name,
                        pct(billed - useful, billed),
                        usd(compute * overhead)
                    ),
                });
            }
        }
    }
    if let Some(cl) = &p.cluster
        && cl.idle_usd > 0.0
    {
        let share = cl.idle_fraction.unwrap_or(0.0);
        if share > 0.2 {
            let levers = if karpenter {
                "a lower `min`, consolidation_policy = \"WhenEmptyOrUnderutilized\" with a short `consolidate_after`, or more instance types to choose from"
            } else {
                "a lower `min`, a smaller instance type or a higher target capacity"
            };
            out.push(Saving {
                platform: p.name.clone(),
                dollars: cl.idle_usd,
                text: format!(
                    "{} leaves {} of its instance bill idle ({}): {levers} would recover part of it; at this utilisation Fargate may be cheaper (try `fargate-sim breakeven`)",
                    p.name,
                    pct(cl.idle_usd, c.instances_usd),
                    usd(cl.idle_usd)
                ),
            });
        }
        if c.spot_savings_usd == 0.0 {
            // Half the instances on Spot, at the default discount (sourced in
            // data/defaults.toml).
            let discount = crate::scenario::defaults::Defaults::builtin()
                .ec2
                .spot_discount;
            let saved = c.instances_usd * 0.5 * discount;
            out.push(Saving {
                platform: p.name.clone(),
                dollars: saved,
                text: format!(
                    "putting half of {}'s instances on Spot (capacity = {{ on_demand = 1, spot = 1 }}) would save about {} at the default {:.0}% Spot discount, less what interruptions cost",
                    p.name,
                    usd(saved),
                    discount * 100.0
                ),
            });
        }
    }
    out
}

/// Whether a cluster is scaled by Karpenter (its advice speaks of nodes,
/// pods and NodePools, not ECS's target capacity and warm-up).
fn is_karpenter(p: &PlatformSummary) -> bool {
    p.options.get("autoscaler").map(String::as_str) == Some("karpenter")
}

/// Whether a cluster sat at its `max` with tasks waiting long enough to say so.
fn is_pinned(p: &PlatformSummary) -> bool {
    compare::pinned(p).is_some()
}

/// What made the tasks of one platform wait, in one sentence.
fn waiting(p: &PlatformSummary) -> Option<String> {
    let l = &p.latency;
    let start = l.time_to_start.p95?;
    let wait = l.wait.p95.unwrap_or(0.0);
    let startup = l.startup.p95.unwrap_or(0.0);
    let cause = if wait > startup {
        if p.kind == "ec2" && is_pinned(p) {
            "mostly waiting for room while the cluster sat at its `max`"
        } else if p.kind == "ec2" && is_karpenter(p) {
            "mostly waiting for room on a node (Karpenter's batch window, then new nodes launching)"
        } else if p.kind == "ec2" {
            "mostly waiting for room on an instance (new instances, and the autoscaler's warm-up between steps)"
        } else if p.kind == "function" {
            "mostly throttled, waiting for a free instance under the instance limit (max_instances)"
        } else {
            "mostly waiting for launch tokens (the account's launch rate limit)"
        }
    } else if p.kind == "function" {
        "mostly cold starts (a new instance initialising; warm instances start at once)"
    } else if p.kind == "ec2" {
        "mostly the container start (image pull on an instance without the image)"
    } else {
        "mostly Fargate's own start-up (capacity, network interface and image pull)"
    };
    Some(format!(
        "{}: 95% of tasks ran within {} of being submitted; the wait for a launch or a place was {} at p95 and the start-up {}: {cause}.",
        p.name,
        format_seconds(start),
        format_seconds(wait),
        format_seconds(startup)
    ))
}

/// For the platform whose tasks wait longest to run (p95), the change that
/// attacks the larger part of that wait, with the seconds at stake.
fn latency_change(summary: &Summary) -> Option<String> {
    let ps = &summary.platforms;
    let p = ps
        .iter()
        .filter(|p| p.latency.time_to_start.p95.is_some())
        .max_by(|a, b| {
            a.latency
                .time_to_start
                .p95
                .unwrap_or(0.0)
                .total_cmp(&b.latency.time_to_start.p95.unwrap_or(0.0))
        })?;
    let wait = p.latency.wait.p95.unwrap_or(0.0);
    let startup = p.latency.startup.p95.unwrap_or(0.0);
    let total = p.latency.time_to_start.p95.unwrap_or(0.0);
    if total < 1.0 {
        return None;
    }
    // Options whose p95 is within the noise of the slowest are named
    // together: a second between them is a random draw, not a finding. The
    // verdict's rule (`replications::same_start`): with replications, the
    // paired interval of the runs; in one run, a fixed share.
    let same = |q: &PlatformSummary| super::replications::same_start(summary, q, p);
    let tied: Vec<&str> = ps
        .iter()
        .filter(|q| q.kind == p.kind && (q.name == p.name || same(q)))
        .map(|q| q.name.as_str())
        .collect();
    let fastest = ps
        .iter()
        .filter_map(|q| q.latency.time_to_start.p95.map(|t| (q, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(q, _)| q.name != p.name && !same(q));
    let compare = fastest.map_or(String::new(), |(q, t)| {
        format!(
            " (for comparison, {} starts 95% of its tasks within {})",
            q.name,
            format_seconds(t)
        )
    });
    let p = &PlatformSummary {
        name: names(&tied),
        ..p.clone()
    };
    Some(if p.kind == "function" {
        let cold = p
            .function
            .as_ref()
            .and_then(|f| f.cold_start_rate)
            .unwrap_or(0.0);
        if wait > startup {
            format!(
                "{}: tasks wait up to {} (p95) for a free instance under the instance limit; raise max_instances (Lambda: ask for more account concurrency){compare}",
                p.name,
                format_seconds(wait)
            )
        } else {
            format!(
                "{}: cold starts take up to {} (p95), and {:.1}% of invocations waited for one; minimum instances (Lambda provisioned concurrency, Cloud Run minimum instances) keep instances warm, at a price{compare}",
                p.name,
                format_seconds(startup),
                cold * 100.0
            )
        }
    } else if wait > startup {
        if p.kind == "ec2" && is_pinned(p) {
            format!(
                "{}: tasks wait up to {} (p95) for room; {}{compare}",
                p.name,
                format_seconds(wait),
                compare::pinned(p).unwrap_or_default()
            )
        } else if p.kind == "ec2" && is_karpenter(p) {
            format!(
                "{}: pods wait up to {} (p95) for a node; keep headroom (a higher `min`, or low-priority placeholder pods that Karpenter keeps nodes for) so that bursts land on running nodes{compare}",
                p.name,
                format_seconds(wait)
            )
        } else if p.kind == "ec2" {
            format!(
                "{}: tasks wait up to {} (p95) for room on an instance; keep headroom (a lower ECS managed-scaling target capacity, or a higher `min`) so that bursts land on running instances{compare}",
                p.name,
                format_seconds(wait)
            )
        } else {
            format!(
                "{}: tasks wait up to {} (p95) for launch tokens; spread bursts over time or ask AWS for a higher Fargate launch rate (`launch_limit` shows the effect){compare}",
                p.name,
                format_seconds(wait)
            )
        }
    } else if p.kind == "ec2" {
        format!(
            "{}: the container start takes up to {} (p95); smaller images, or pre-pulled images on the instances, shorten it{compare}",
            p.name,
            format_seconds(startup)
        )
    } else {
        format!(
            "{}: Fargate's start-up takes up to {} (p95) of the {} tasks wait; smaller or lazily loaded (SOCI) images shorten the billed image pull, and warm EC2 capacity avoids it altogether{compare}",
            p.name,
            format_seconds(startup),
            format_seconds(total)
        )
    })
}

/// What surrounds compute: its share, the largest item, and what would cut it.
fn around_sentence(p: &PlatformSummary) -> String {
    let around = p.cost.around_usd;
    let by = p.cost.around_by_component();
    let mut text = format!(
        " Around compute: {} ({} of the bill; compute {}).",
        usd(around),
        pct(around, p.cost.total_usd),
        usd(p.cost.compute())
    );
    if let Some((name, v)) = by.first() {
        let cut = match name.as_str() {
            "public_ipv4" => {
                "a private subnet with NAT gateways pays per gateway instead of per address (worth it past a few dozen addresses, unless the traffic through NAT costs more); IPv6 or fewer, larger tasks also cut it"
            }
            "nat_gateway_hours" | "nat_data_processed" => {
                return text + &nat_advice(p, name, *v);
            }
            "vpc_endpoint_hours" | "vpc_endpoint_data_processed" => {
                "fewer zones, or NAT instead of endpoints when little goes through them, cut it"
            }
            "container_insights" | "high_resolution_metrics" => {
                "Container Insights on fewer clusters (or only in production) and standard-resolution scaling metrics cut it"
            }
            "logs_ingestion" => {
                "fewer log bytes (drop debug lines, sample request logs) or a cheaper log class cut it"
            }
            "ebs" => "smaller root volumes, or fewer, larger instances, cut it",
            "load_balancer_capacity" => {
                "larger requests per connection (keep-alive) or smaller responses (compression, a CDN) cut the LCUs"
            }
            "load_balancer_hours" => {
                "one load balancer shared by several services (listener rules) cuts it"
            }
            "ecr_transfer" => "replicating the image into this Region cuts it",
            "ecr_storage" => "a lifecycle policy that expires old images cuts it",
            _ => "keeping traffic within one zone cuts it",
        };
        text.push_str(&format!(
            " The largest item is {} at {}: {cut}.",
            name.replace('_', " "),
            usd(*v)
        ));
    }
    text
}

/// The largest item is NAT: how much of it image pulls and logs make, and
/// what interface VPC endpoints would cost instead (the figure the bill
/// line carries).
fn nat_advice(p: &PlatformSummary, name: &str, v: f64) -> String {
    let mut text = format!(
        " The largest item is {} at {}",
        name.replace('_', " "),
        usd(v)
    );
    let aws = p
        .cost
        .around
        .iter()
        .find(|l| l.resource.ends_with("/nat/ecr-logs"));
    match aws {
        Some(l) => {
            let alt = l
                .description
                .split_once("would carry them for ")
                .and_then(|(_, rest)| rest.split_whitespace().next());
            text.push_str(&format!(
                ": image pulls and CloudWatch Logs traffic make {} of NAT processing ({:.3} GB)",
                usd(l.cost_usd),
                l.quantity
            ));
            match alt {
                Some(a) => text.push_str(&format!(
                    "; interface VPC endpoints for ECR and CloudWatch Logs (with the free S3 gateway endpoint) would carry them for {a} over the run, {}",
                    if a.trim_start_matches('$').replace(',', "").parse::<f64>().is_ok_and(|x| x < l.cost_usd) {
                        "a saving: set `bill = { vpc_endpoints = true }`"
                    } else {
                        "more than NAT processing costs here: endpoints pay off only with more pulls or log bytes"
                    }
                )),
                None => text.push_str("; interface VPC endpoints for ECR and CloudWatch Logs could carry them (the Region has no endpoint rate to compare)"),
            }
            text.push_str("; a public subnet with public IPs avoids NAT altogether.");
        }
        None => text.push_str(
            ": it is the tasks' own egress; a public subnet with public IPs avoids NAT processing altogether.",
        ),
    }
    text
}

/// Names as a list: `a`, `a and b`, `a, b and c`.
fn names(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Where one platform's money went.
#[derive(Clone, Debug, Serialize)]
pub struct Spend {
    pub platform: String,
    pub kind: String,
    pub total_usd: f64,
    /// The summary's cost components (`cost.components` in summary.json).
    pub components: super::summary::Components,
    /// The sentence printed for it.
    pub text: String,
}

/// The cheapest of the options that did the work.
#[derive(Clone, Debug, Serialize)]
pub struct Cheapest {
    /// One platform, or two that cost about the same; empty when no option
    /// did all the work.
    pub platforms: Vec<String>,
    pub text: String,
}

/// An option left out of the comparison, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotCompared {
    pub platform: String,
    pub why: String,
}

/// Tasks a platform could never run, by reason.
#[derive(Clone, Debug, Serialize)]
pub struct NotRun {
    pub platform: String,
    pub tasks: u64,
    pub reasons: BTreeMap<String, u64>,
    pub text: String,
}

/// The explanation of a finished run, section by section: what `explain`
/// prints, and its `--format json` (docs/outputs.md).
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub scenario: String,
    /// Where the money went, one entry per platform in scenario order.
    pub money: Vec<Spend>,
    /// With two platforms or more.
    pub cheapest: Option<Cheapest>,
    pub not_compared: Vec<NotCompared>,
    /// Clusters held at their `max` while tasks waited.
    pub pinned: Vec<String>,
    /// Platforms whose backlog grew at the end with no way to add capacity.
    pub backlogs: Vec<String>,
    /// What made tasks wait, per platform.
    pub waits: Vec<String>,
    pub not_run: Vec<NotRun>,
    /// One sentence per service per platform.
    pub services: Vec<String>,
    /// The changes that would save money, largest estimate first.
    pub savings: Vec<Saving>,
    /// The change that would cut the wait the most.
    pub wait_change: Option<String>,
    pub note: String,
    /// Work each platform threw away and ran again (issue 34), with the fix.
    pub lost_work: Vec<String>,
}

const NOTE: &str = "The estimates scale this run's bill by catalog rate ratios; run the change as a scenario (--set …) to know for sure.";

/// The explanation of a finished run, as text.
pub fn explain(summary: &Summary, catalog: &Catalog) -> String {
    render(&explanation(summary, catalog))
}

/// The explanation of a finished run.
pub fn explanation(summary: &Summary, catalog: &Catalog) -> Explanation {
    let ps = &summary.platforms;
    let mut e = Explanation {
        scenario: summary.scenario.name.clone(),
        money: Vec::new(),
        cheapest: None,
        not_compared: Vec::new(),
        pinned: Vec::new(),
        backlogs: Vec::new(),
        waits: Vec::new(),
        not_run: Vec::new(),
        services: Vec::new(),
        savings: Vec::new(),
        wait_change: None,
        note: NOTE.into(),
        lost_work: Vec::new(),
    };
    if ps.is_empty() {
        return e;
    }
    if let Some(why) = super::compare::no_work(ps) {
        // Nothing to explain: every total is $0 (render prints the note).
        e.note = format!("Nothing to explain: {why}.");
        return e;
    }
    for p in ps {
        let c = &p.cost.components;
        let mut parts = Vec::new();
        for (name, v) in [
            ("vCPU", c.vcpu_usd),
            ("memory", c.memory_usd),
            ("storage", c.storage_usd),
            ("Windows licence", c.os_license_usd),
            ("control plane", c.control_plane_usd),
            ("requests", c.requests_usd),
        ] {
            if v > 0.0 {
                parts.push(format!("{name} {} ({})", usd(v), pct(v, p.cost.total_usd)));
            }
        }
        if let Some(cl) = &p.cluster {
            parts.push(format!(
                "instances {} ({}), of which {} ran tasks and {} stood idle",
                usd(c.instances_usd),
                pct(c.instances_usd, p.cost.total_usd),
                usd(cl.allocated_usd),
                usd(cl.idle_usd)
            ));
        }
        let mut text = format!(
            "{} ({}) cost {}: {}.",
            p.name,
            p.kind,
            usd(p.cost.total_usd),
            parts.join(", ")
        );
        if c.spot_savings_usd > 0.0 {
            text.push_str(&format!(
                " Spot saved {} against on demand",
                usd(c.spot_savings_usd)
            ));
            let interruptions =
                p.tasks.interrupted + p.cluster.as_ref().map_or(0, |c| c.instance_interruptions);
            if interruptions > 0 {
                text.push_str(&format!(
                    ", at the price of {interruptions} interruption(s) that threw away {} of task run time",
                    format_seconds(p.tasks.wasted_seconds)
                ));
            }
            text.push('.');
        }
        if let Some(cl) = p.cluster.as_ref().filter(|c| c.nodes_consolidated > 0) {
            text.push_str(&format!(
                " Karpenter consolidated {} node(s) ({} replaced by a cheaper one), evicting {} pod(s) that restarted elsewhere.",
                cl.nodes_consolidated, cl.consolidation_replacements, cl.pods_moved
            ));
        }
        if p.cost.around_usd > 0.0 {
            text.push_str(&around_sentence(p));
        }
        if p.kind == "fargate" && p.billed.task_seconds > 0.0 && p.tasks.run_seconds > 0.0 {
            text.push_str(&format!(
                " {} of the billed task time ran task code; the rest was image pulls, the billing minimum and rounding.",
                pct(p.tasks.run_seconds, p.billed.task_seconds)
            ));
        }
        e.money.push(Spend {
            platform: p.name.clone(),
            kind: p.kind.clone(),
            total_usd: p.cost.total_usd,
            components: c.clone(),
            text,
        });
    }
    let field = compare::field(ps);
    if ps.len() > 1 {
        let compared = field.by_cost();
        let (platforms, text) = match compared.as_slice() {
            [] => (
                Vec::new(),
                "Cheapest: none; no option did all the work.".to_string(),
            ),
            [only] => (
                vec![only.name.clone()],
                format!(
                    "Cheapest: {} at {}, the only option that did the work.",
                    only.name,
                    usd(only.cost.total_usd)
                ),
            ),
            [first, second, ..] => {
                use super::replications::{CostCall, cost_call, gap_sentence, one_run_hint};
                let (a, b) = (usd(first.cost.total_usd), usd(second.cost.total_usd));
                let (f, s) = (&first.name, &second.name);
                // Over replications, the judgement follows; in one run, a
                // close call says how to measure its noise.
                let after = match &summary.replications {
                    Some(r) => gap_sentence(r, f, s).map(|g| format!(" {g}")),
                    None => one_run_hint(first.cost.total_usd, second.cost.total_usd)
                        .map(|h| format!(" {h}")),
                }
                .unwrap_or_default();
                match cost_call(summary, first, second) {
                    CostCall::Cheaper => (vec![f.clone()], format!("Cheapest: {f} at {a}.{after}")),
                    CostCall::AboutSame => (
                        vec![f.clone(), s.clone()],
                        format!("Cheapest: {f} and {s} cost about the same ({a} and {b})."),
                    ),
                    CostCall::Untold(_) => (
                        vec![f.clone(), s.clone()],
                        format!(
                            "Cheapest: {f} and {s} cannot be told apart ({a} and {b} in this run).{after}"
                        ),
                    ),
                }
            }
        };
        e.cheapest = Some(Cheapest { platforms, text });
        e.not_compared = field
            .excluded
            .iter()
            .map(|(p, why)| NotCompared {
                platform: p.name.clone(),
                why: why.to_string(),
            })
            .collect();
    }
    e.pinned = ps.iter().filter_map(compare::pinned).collect();
    e.backlogs = ps.iter().filter_map(compare::unbounded_backlog).collect();
    e.waits = ps.iter().filter_map(waiting).collect();
    e.not_run = ps
        .iter()
        .filter(|p| p.tasks.unschedulable > 0)
        .map(|p| {
            let reasons =
                compare::counted_reasons(&p.tasks.unschedulable_reasons, |n| n.to_string());
            let too_large = p
                .tasks
                .unschedulable_reasons
                .keys()
                .any(|r| r.contains("larger than") || r.contains("above the largest"));
            let fix = match p.kind.as_str() {
                "ec2" if is_karpenter(p) => {
                    " Allow a larger instance type in the NodePool, or make the pods smaller."
                }
                "ec2" if p.options.get("autoscaler").map(String::as_str) == Some("ecs_managed") => {
                    " Put a larger instance type first (ECS managed scaling launches only the first), or make the tasks smaller."
                }
                "ec2" => " Use a larger instance type, or make the tasks smaller.",
                "fargate" if too_large => {
                    " Fargate has no larger size: split the tasks or run them on EC2."
                }
                _ => "",
            };
            NotRun {
                platform: p.name.clone(),
                tasks: p.tasks.unschedulable,
                reasons: p.tasks.unschedulable_reasons.clone(),
                text: format!(
                    "{} could not run {} task(s): {}.{fix}",
                    p.name,
                    p.tasks.unschedulable,
                    reasons.join("; ")
                ),
            }
        })
        .collect();
    e.services = ps
        .iter()
        .flat_map(|p| {
            p.services.iter().map(move |s| {
                let r = &s.requests;
                let lost = r.timed_out + r.rejected + r.failed;
                let slo = s.slo.as_ref().map_or(String::new(), |o| {
                    format!(
                        ", missed its p{} ≤ {} objective in {} of {} minutes",
                        o.percentile,
                        format_latency(o.latency_s),
                        o.minutes_violated,
                        o.minutes
                    )
                });
                let why = if lost == 0 {
                    String::new()
                } else if r.rejected + r.timed_out > 0 && s.replicas.peak_running as f64 > 1.5 * s.replicas.mean_running {
                    " Most lost requests came while replicas were being added: a higher minimum, a lower scaling target or faster start-up would absorb the rise.".into()
                } else {
                    " Requests were lost even at steady state: the service needs more replicas (a higher minimum or a lower target).".into()
                };
                format!(
                    "{} on {}: {} of {} requests served (p99 {}){slo}; {:.1} replicas on average, {} at peak, {}.{why}",
                    s.name,
                    p.name,
                    r.served,
                    r.arrived,
                    s.latency_s.p99.map_or("–".into(), format_latency),
                    s.replicas.mean_running,
                    s.replicas.peak_running,
                    usd(s.cost_usd)
                )
            })
        })
        .collect();
    // Savings only for options that did the work: shrinking a cluster whose
    // tasks did not fit would not save anything real.
    e.savings = field
        .compared
        .iter()
        .flat_map(|p| savings(catalog, p))
        .collect();
    // Right-sizing: a right-sized platform against its as-requested twin.
    for (platform, dollars, text) in super::rightsizing_lines::proposals(ps) {
        e.savings.push(Saving {
            platform,
            dollars,
            text,
        });
    }
    e.savings.sort_by(|a, b| b.dollars.total_cmp(&a.dollars));
    e.wait_change = latency_change(summary);
    lost_work(&mut e, ps);
    e
}

/// Issue 34: each platform's thrown-away work, when it ran late because of
/// it, and the fix; a cheapest option that threw work away says so.
fn lost_work(e: &mut Explanation, ps: &[PlatformSummary]) {
    use super::lost_work as lw;
    for p in ps {
        let Some(mut line) = lw::sentence(p) else {
            continue;
        };
        if let Some(later) = lw::finished_later(p, ps).filter(|_| lw::notable(p)) {
            line.push_str(&format!("; {later}"));
        }
        line.push('.');
        if let Some(fix) = lw::fix(p).filter(|_| lw::notable(p)) {
            line.push_str(&format!(" {fix}."));
        }
        e.lost_work.push(line);
    }
    if let Some(c) = e.cheapest.as_mut() {
        for name in &c.platforms {
            if let Some(cav) = ps
                .iter()
                .find(|p| &p.name == name)
                .and_then(lw::crown_caveat)
            {
                c.text.push_str(&format!(" Caution: {cav}."));
            }
        }
    }
}

/// The explanation as the text `explain` prints.
pub fn render(e: &Explanation) -> String {
    let mut out = format!("{}\n", e.scenario);
    if e.money.is_empty() {
        if e.note != NOTE {
            out.push_str(&format!("\n{}\n", e.note));
        }
        return out;
    }
    out.push_str("\nWhere the money went\n");
    for m in &e.money {
        out.push_str(&format!("- {}\n", m.text));
    }
    if let Some(c) = &e.cheapest {
        out.push_str(&format!("{}\n", c.text));
    }
    for n in &e.not_compared {
        out.push_str(&format!(
            "Not compared: {} ({}); its cost pays for only the work it did.\n",
            n.platform, n.why
        ));
    }
    if !e.pinned.is_empty() {
        out.push_str("\nClusters held at their limit\n");
        for line in &e.pinned {
            out.push_str(&format!("- {}\n", sentence(line)));
        }
    }
    if !e.backlogs.is_empty() {
        out.push_str("\nBacklogs that will not catch up\n");
        for line in &e.backlogs {
            out.push_str(&format!("- {}\n", sentence(line)));
        }
    }
    if !e.waits.is_empty() {
        out.push_str("\nWhat made tasks wait\n");
        for w in &e.waits {
            out.push_str(&format!("- {w}\n"));
        }
    }
    if !e.lost_work.is_empty() {
        out.push_str("\nWork thrown away and run again\n");
        for line in &e.lost_work {
            out.push_str(&format!("- {line}\n"));
        }
    }
    if !e.not_run.is_empty() {
        out.push_str("\nTasks that could not run\n");
        for n in &e.not_run {
            out.push_str(&format!("- {}\n", n.text));
        }
    }
    if !e.services.is_empty() {
        out.push_str("\nServices\n");
        for s in &e.services {
            out.push_str(&format!("- {s}\n"));
        }
    }
    out.push_str("\nThe one change that would save the most\n");
    match e.savings.first() {
        Some(best) => {
            out.push_str(&format!("- {}\n", sentence(&best.text)));
            if e.savings.len() > 1 {
                out.push_str("Other changes, by estimated effect:\n");
                for s in e.savings.iter().skip(1).take(3) {
                    out.push_str(&format!("- {}\n", sentence(&s.text)));
                }
            }
        }
        None => out.push_str("- nothing obvious: no Spot, ARM, idle-capacity or start-up saving applies to these platforms.\n"),
    }
    if let Some(line) = &e.wait_change {
        out.push_str("\nThe one change that would cut the wait the most\n");
        out.push_str(&format!("- {}\n", sentence(line)));
    }
    out.push_str(&format!("\n{}\n", e.note));
    out
}
