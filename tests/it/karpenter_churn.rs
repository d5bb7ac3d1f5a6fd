//! Regression (issue 21): Karpenter consolidation must reach a fixed point.
//!
//! The cluster property test once found (proptest seed 127) a run that
//! never ended: `rate = "6/min"`, Karpenter on m5.large, placement
//! `["spread", "binpack"]`, scenario seed 659, no horizon. Consolidation
//! fitted a node's pods first-fit onto the other nodes, but the evicted
//! pods were then placed by spread and binpack in submit order: the small
//! pod took the room meant for the large one, which waited, a new node was
//! launched for it, and the next poll found the same kind of candidate
//! again. With a 24 h horizon that run consolidated 1,528 nodes and moved
//! 3,065 pods (5.4 per pod submitted); two pods restarted about 700 times
//! each. Karpenter nominates the nodes its simulation chose, and the model
//! now starts the moved pods there.

use crate::common::{Case, run};
use fargate_sim::platform::Outcome;
use std::collections::BTreeSet;

/// The property test's cluster case at seed 659, with a 24 h horizon so a
/// regression fails instead of hanging.
const LOOPED: &str = r#"
name = "cluster-prop"
seed = 659
horizon = "24h"
[workload]
[[workload.generators]]
name = "steady"
arrivals = { process = "poisson", rate = "6/min" }
duration = { dist = "lognormal", median = "3min", p90 = "12min" }
sizes = [{ cpu = 0.25, memory = "512MiB", weight = 2 }, { cpu = 1, memory = "3GiB" }, { cpu = 2, memory = "7GiB", weight = 0.5 }, { cpu = 4, memory = "1GiB", weight = 0.1 }]
until = "90min"
[[workload.generators]]
name = "burst"
arrivals = { process = "burst", at = ["20min"], size = 60 }
duration = "5min"
sizes = [{ cpu = 0.5, memory = "1GiB" }]
[[platforms]]
name = "cluster"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "karpenter"
initial = 1
max = 40
placement = ["spread", "binpack"]
"#;

#[test]
fn karpenter_consolidation_stops_once_the_load_ends() {
    let ran = run(&Case::new(LOOPED, None), &[]);
    let p = ran.platform("cluster");
    let t = &p.tasks;
    let c = p.cluster.as_ref().expect("a cluster block");
    // The run drains: every pod that fits an m5.large completes (the 4 vCPU
    // ones are unschedulable), long before the horizon.
    assert_eq!((t.running_at_end, t.waiting_at_end), (0, 0));
    assert_eq!(t.completed + t.unschedulable, t.submitted);
    // One instance type: no replacement is ever cheaper, so every
    // consolidation deletes a node, and every interruption is a move (no
    // Spot).
    assert_eq!(c.consolidation_replacements, 0);
    assert_eq!(t.interrupted, c.pods_moved);
    // The loop's signature is gone: fewer moves than pods (it had 5.4 per
    // pod) and no pod restarted more than a few times (it had ~700).
    assert!(
        c.pods_moved < t.submitted,
        "{} pods moved for {} submitted",
        c.pods_moved,
        t.submitted
    );
    let recs = ran.records_of("cluster");
    let most = recs.iter().map(|r| r.attempt).max().unwrap_or(0);
    assert!(most <= 10, "a pod started {} times", most + 1);
    // The fixed point, by hand: once the last pod has arrived and its
    // node (if it needed one) is up, consolidation only deletes nodes and
    // starts moved pods on nodes that exist, so no node is launched after
    // that, and at most one node per non-empty node is drained. "Up" is
    // taken as 5 minutes after the last arrival (a 10 s batch plus the
    // launch time).
    let last = recs.iter().map(|r| r.submit).max().unwrap();
    let settled = last + 5 * 60_000_000;
    let launched = |r: &&&fargate_sim::platform::TaskRecord| r.launch.is_some();
    let before: BTreeSet<u32> = recs
        .iter()
        .filter(launched)
        .filter(|r| r.launch.unwrap() <= settled)
        .filter_map(|r| r.instance)
        .collect();
    let newer: Vec<u32> = recs
        .iter()
        .filter(launched)
        .filter_map(|r| r.instance)
        .filter(|i| !before.contains(i))
        .collect();
    assert!(
        newer.is_empty(),
        "nodes first used after the load: {newer:?}"
    );
    let busy: BTreeSet<u32> = recs
        .iter()
        .filter(launched)
        .filter(|r| r.launch.unwrap() <= settled && r.end.is_some_and(|e| e > settled))
        .filter_map(|r| r.instance)
        .collect();
    let drained: BTreeSet<u32> = recs
        .iter()
        .filter(|r| r.outcome == Outcome::Interrupted && r.end.is_some_and(|e| e > settled))
        .filter_map(|r| r.instance)
        .collect();
    assert!(
        drained.len() <= busy.len(),
        "{} nodes drained after the load, {} held pods then",
        drained.len(),
        busy.len()
    );
    assert!(c.nodes_consolidated <= c.instances_launched);
}

#[test]
fn the_looping_scenario_ends_without_a_horizon() {
    // End to end, as a user ran it: the same scenario with no horizon ran
    // forever before the fix. The binary must finish (it takes well under
    // a second); a regression is killed after 120 s and fails here instead
    // of hanging CI.
    let case = Case::new(&LOOPED.replace("horizon = \"24h\"\n", ""), None);
    assert!(!case.text.contains("horizon"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
        .args(["run", "scenario.toml", "--out", "out", "--quiet"])
        .current_dir(case.dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let status = status.expect("the run did not end within 120 s");
    assert_eq!(status.code(), Some(0));
    let summary = std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let t = &v["platforms"][0]["tasks"];
    assert_eq!(t["running_at_end"], 0);
    assert_eq!(t["waiting_at_end"], 0);
}
