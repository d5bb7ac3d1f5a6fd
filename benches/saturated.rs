//! A saturated cluster (issue 22): events per second of an EC2 platform
//! whose backlog grows to hundreds of thousands of waiting tasks, against
//! the same workload on a cluster with room to spare. Before the fix, the
//! cost of each event grew with the backlog (Karpenter collected every
//! waiting task at each batch; each placement attempt looked at every size
//! class once per placed task), so a saturated run was many times slower.
//!
//! The workload: Poisson arrivals at 20 a second for `--hours` (default 6)
//! simulated hours, lognormal durations (median 5 min, p90 15 min), on m5
//! instances: about 8,000 vCPU of demand. Each platform runs alone, one
//! after the other, each the best of three:
//!
//! - `ecs, room to spare`: ECS managed scaling up to 5,000 instances (it keeps up);
//! - `ecs, at max`: the same, up to 100 instances (400 vCPU; the backlog grows);
//! - `karpenter, at max`: Karpenter, up to 100 nodes;
//! - `fixed fleet`: 100 instances, no autoscaler;
//! - `ecs, at max, 904 classes`: at max, with 904 task sizes instead of 32
//!   (the Alibaba 2017 sample has 990). Until issue 24 each event that
//!   freed room tried every waiting size that fitted in it; with the class
//!   heads indexed by size (`platform/ec2/heads.rs`) this row should run
//!   near the 32-size one.
//!
//! Run: `cargo bench --bench saturated` (`-- --hours 1` for a shorter run).
//! The figure to watch is the ratio of the saturated rows' events per
//! second to the first row's: about 1 or better once the cost per event no
//! longer grows with the backlog.

use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::simulate;
use std::path::Path;
use std::time::Instant;

/// `cpus` × `mems` size classes: vCPU from 0.25 in steps of 0.25, memory
/// from 512 MiB up to 4 GiB per vCPU.
fn sizes(cpus: u32, mems: u32) -> String {
    let mut out = Vec::new();
    for c in 1..=cpus {
        let cpu = 0.25 * c as f64;
        for m in 1..=mems {
            let mib = (512.0 + (4096.0 * cpu - 512.0) * (m - 1) as f64 / mems as f64) as u32;
            out.push(format!("{{ cpu = {cpu}, memory = \"{mib}MiB\" }}"));
        }
    }
    out.join(", ")
}

fn scenario(hours: u32, classes: (u32, u32), platform: &str) -> String {
    format!(
        r#"
name = "saturated"
seed = 1
horizon = "{hours}h"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = {{ process = "poisson", rate = "20/s" }}
duration = {{ dist = "lognormal", median = "5min", p90 = "15min" }}
sizes = [{}]
[[platforms]]
{platform}
"#,
        sizes(classes.0, classes.1)
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let hours = args
        .iter()
        .position(|a| a == "--hours")
        .and_then(|i| args.get(i + 1))
        .and_then(|h| h.parse().ok())
        .unwrap_or(6u32);
    let ecs = |max: u32| {
        format!(
            "name = \"ecs\"\nkind = \"ec2\"\ninstance_types = [\"m5.xlarge\"]\nautoscaler = \"ecs_managed\"\ninitial = 10\nmax = {max}"
        )
    };
    let cases = [
        ("ecs, room to spare", ecs(5000), (4, 8)),
        ("ecs, at max", ecs(100), (4, 8)),
        (
            "karpenter, at max",
            "name = \"karpenter\"\nkind = \"ec2\"\norchestrator = \"eks\"\ninstance_types = [\"m5.xlarge\", \"m5.2xlarge\"]\nautoscaler = \"karpenter\"\ninitial = 10\nmax = 100".to_string(),
            (4, 8),
        ),
        (
            "fixed fleet",
            "name = \"fixed\"\nkind = \"ec2\"\ninstance_types = [\"m5.xlarge\"]\nautoscaler = \"none\"\ninitial = 100".to_string(),
            (4, 8),
        ),
        ("ecs, at max, 904 classes", ecs(100), (8, 113)),
    ];
    println!("saturated cluster: {hours} simulated hours at 20 tasks/s (best of 3)");
    let mut reference = None;
    for (name, platform, classes) in cases {
        let text = scenario(hours, classes, &platform);
        let (scenario, catalog) =
            load_str(&text, Path::new("saturated.toml"), &LoadOptions::default())
                .expect("the benchmark scenario loads");
        let mut best = f64::MAX;
        let mut result = None;
        for _ in 0..3 {
            let started = Instant::now();
            let out = simulate::run(&scenario, &catalog, None).expect("runs");
            best = best.min(started.elapsed().as_secs_f64());
            result = Some(out);
        }
        let out = result.expect("ran");
        let p = &out.platforms[0];
        let rate = p.end.events as f64 / best;
        let ratio = *reference.get_or_insert(rate);
        println!(
            "  {name:<26} {:>9} events {:>7.3} s {:>6.2} M events/s ({:.2}× the first row); waiting at the end: {}",
            p.end.events,
            best,
            rate / 1e6,
            rate / ratio,
            p.tally.waiting_at_end
        );
    }
}
