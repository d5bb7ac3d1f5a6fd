//! A task whose placement rules allow only instance types too small for it
//! is unschedulable (issue 21), as a task larger than every type is, not
//! left waiting until the horizon.

use crate::common::{Case, run};
use fargate_sim::platform::Outcome;

fn cluster(orchestrator: &str, autoscaler: &str, rules: &str) -> String {
    // A fixed fleet has one instance of each type; Karpenter starts with one.
    let (initial, max) = if autoscaler == "none" { (2, 2) } else { (1, 4) };
    format!(
        r#"
name = "rules-too-small"
horizon = "2h"
[workload]
[[workload.generators]]
name = "big"
arrivals = {{ process = "burst", at = ["0s"], size = 1 }}
duration = "10min"
sizes = [{{ cpu = 3, memory = "4GiB" }}]
[[workload.generators]]
name = "small"
arrivals = {{ process = "burst", at = ["0s"], size = 2 }}
duration = "10min"
sizes = [{{ cpu = 0.5, memory = "1GiB" }}]
[[platforms]]
name = "c"
kind = "ec2"
orchestrator = "{orchestrator}"
instance_types = ["m5.large", "m5.xlarge"]
autoscaler = "{autoscaler}"
initial = {initial}
max = {max}
instance_launch = "30s"
{rules}
"#
    )
}

#[test]
fn a_task_its_rules_keep_off_every_type_that_holds_it_is_unschedulable() {
    // A 3 vCPU / 4 GiB pod: an m5.large (2 vCPU) cannot hold it, an
    // m5.xlarge (4 vCPU) can. Pinned to m5.large by a node selector (EKS,
    // Karpenter) or a memberOf expression (ECS managed scaling) it can
    // never run: 1 unschedulable, with its reason, and the two small tasks
    // complete. Without the rule it runs on an m5.xlarge (Karpenter
    // launches one; the ECS fleet has one).
    let cases = [
        (
            "eks",
            "karpenter",
            r#"node_selector = { big = { "node.kubernetes.io/instance-type" = "m5.large" } }"#,
        ),
        (
            "ecs",
            "none",
            r#"constraints = [{ type = "memberOf", group = "big", expression = "attribute:ecs.instance-type == m5.large" }]"#,
        ),
    ];
    for (orchestrator, autoscaler, rules) in cases {
        let ran = run(
            &Case::new(&cluster(orchestrator, autoscaler, rules), None),
            &[],
        );
        let t = &ran.platform("c").tasks;
        assert_eq!(
            (t.submitted, t.completed, t.unschedulable, t.waiting_at_end),
            (3, 2, 1, 0),
            "{orchestrator}"
        );
        let reason = t.unschedulable_reasons.keys().next().unwrap();
        assert!(
            reason.contains("placement rules allow"),
            "{orchestrator}: {reason}"
        );
        let recs = ran.records_of("c");
        let refused: Vec<_> = recs
            .iter()
            .filter(|r| r.outcome == Outcome::Unschedulable)
            .collect();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].cpu_milli_requested, 3000);
        // Without the rule: all three complete.
        let ran = run(
            &Case::new(&cluster(orchestrator, autoscaler, ""), None),
            &[],
        );
        let t = &ran.platform("c").tasks;
        assert_eq!((t.completed, t.unschedulable), (3, 0), "{orchestrator}");
    }
}
