//! Right-sizing (issue 27), worked by hand: a task killed for memory at its
//! right-sized size is retried at its request and both attempts are billed;
//! a CPU-bound task on a smaller Fargate size runs longer by the ratio; a
//! cluster of right-sized tasks packs more per instance and launches fewer
//! instances. Fargate rates (us-east-1, Linux/x86, data/pricing.toml):
//! $0.000011244 per vCPU-second and $0.000001235 per GiB-second.

use crate::common::{Case, run, usd};
use fargate_sim::platform::Outcome;

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n";

fn fargate(rightsizing: &str) -> String {
    format!(
        r#"
name = "rightsizing"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "asked"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
[[platforms]]
name = "right"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
rightsizing = {rightsizing}
"#
    )
}

#[test]
fn a_task_whose_peak_exceeds_its_new_memory_is_killed_retried_and_billed_twice() {
    // 1 vCPU / 2 GiB for 600 s; it uses 0.2 vCPU on average, 0.25 at most,
    // 600 MiB on average and 1500 MiB at its peak. Sized from CPU max and
    // memory average with no headroom: 250 m / 600 MiB → Fargate's 0.25 vCPU
    // / 1 GiB. Its 1500 MiB peak does not fit: killed half-way, at 300 s.
    let case = Case::new(
        &fargate(r#"{ policy = "usage", cpu = "max", memory = "avg", headroom = 0 }"#),
        Some(&format!("{HEADER}a,0,600,1,2048,g,0.2,0.25,600,1500\n")),
    );
    let ran = run(&case, &[]);
    // As asked: 600 × (1 × 0.000011244 + 2 × 0.000001235) = 0.0082284.
    assert_eq!(ran.total_atto("asked"), usd("0.0082284"));
    // Killed attempt: 300 × (0.25 × 0.000011244 + 1 × 0.000001235)
    // = 300 × 0.000004046 = 0.0012138; the retry at 1 vCPU / 2 GiB
    // 0.0082284; both billed: 0.0094422.
    assert_eq!(ran.total_atto("right"), usd("0.0094422"));
    let recs = ran.records_of("right");
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].outcome, Outcome::OomKilled);
    assert_eq!(
        (recs[0].cpu_milli_billed, recs[0].memory_mib_billed),
        (250, 1024)
    );
    assert_eq!(recs[0].billed_span, 300_000_000);
    assert_eq!(recs[1].outcome, Outcome::Completed);
    assert_eq!(recs[1].attempt, 1);
    assert_eq!(
        (recs[1].cpu_milli_billed, recs[1].memory_mib_billed),
        (1000, 2048)
    );
    let p = ran.platform("right");
    assert_eq!(p.tasks.completed, 1);
    let r = p.rightsizing.as_ref().unwrap();
    assert_eq!((r.resized, r.oom_kills, r.tasks_killed), (1, 1, 1));
    assert_eq!(r.kill_rate, Some(1.0));
    assert_eq!(r.oom_lost_seconds, 300.0);
    // Finished at 900 s (300 s lost, then the full 600 s) against 600 s.
    assert_eq!(p.simulated_end_s, 900.0);
    assert_eq!(ran.platform("asked").simulated_end_s, 600.0);
    assert!(ran.platform("asked").rightsizing.is_none());
}

#[test]
fn a_cpu_bound_task_on_a_smaller_fargate_size_runs_longer_by_the_ratio() {
    // 1 vCPU / 2 GiB for 600 s, using 0.5 vCPU on average: a fixed 0.25
    // vCPU / 1 GiB for its group throttles it to half its average, so it runs
    // 600 × 500 / 250 = 1200 s (CPU is a hard limit on Fargate).
    let case = Case::new(
        &fargate(r#"{ policy = "fixed", groups = { g = { cpu = 0.25, memory = "1GiB" } } }"#),
        Some(&format!("{HEADER}a,0,600,1,2048,g,0.5,1,800,1000\n")),
    );
    let ran = run(&case, &[]);
    let recs = ran.records_of("right");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].run_span, 1_200_000_000);
    // 1200 × (0.25 × 0.000011244 + 1 × 0.000001235) = 0.0048552.
    assert_eq!(ran.total_atto("right"), usd("0.0048552"));
    let r = ran.platform("right").rightsizing.clone().unwrap();
    assert_eq!((r.slowed, r.slowed_extra_seconds), (1, 600.0));
    assert_eq!(r.oom_kills, 0);
}

#[test]
fn after_oom_next_climbs_the_grid_until_the_peak_fits() {
    // As the first test, with after_oom = "next": killed at 0.25 vCPU / 1 GiB
    // (300 s), then at 0.25 vCPU / 2 GiB its 1500 MiB peak fits and it runs
    // its 600 s there: 600 × (0.25 × 0.000011244 + 2 × 0.000001235)
    // = 600 × 0.000005281 = 0.0031686; with the kill 0.0043824.
    let case = Case::new(
        &fargate(
            r#"{ policy = "usage", cpu = "max", memory = "avg", headroom = 0, after_oom = "next" }"#,
        ),
        Some(&format!("{HEADER}a,0,600,1,2048,g,0.2,0.25,600,1500\n")),
    );
    let ran = run(&case, &[]);
    let recs = ran.records_of("right");
    assert_eq!(recs.len(), 2);
    assert_eq!(
        (recs[1].cpu_milli_billed, recs[1].memory_mib_billed),
        (250, 2048)
    );
    assert_eq!(ran.total_atto("right"), usd("0.0043824"));
}

#[test]
fn right_sized_tasks_pack_more_per_instance_and_launch_fewer_instances() {
    // Eight tasks of 1 vCPU / 2 GiB at once on a cluster of one m5.large
    // (2 vCPU, 8 GiB, 8036 MiB registered): two fit per instance by CPU, so
    // ECS managed scaling adds 6 / 2 = 3 instances: 4 at the peak. They use
    // 0.25 vCPU and 400 MiB at most: sized from their peaks with no
    // headroom they ask 250 m / 400 MiB, all eight fit on the one instance
    // (2000 m, 3200 MiB), and nothing is launched.
    let mut rows = String::from(HEADER);
    for i in 0..8 {
        rows.push_str(&format!("t{i},0,600,1,2048,g,0.2,0.25,300,400\n"));
    }
    let case = Case::new(
        r#"
name = "packing"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "asked"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = 1
max = 10
[[platforms]]
name = "right"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = 1
max = 10
rightsizing = { policy = "usage", cpu = "max", memory = "max", headroom = 0 }
"#,
        Some(&rows),
    );
    let ran = run(&case, &[]);
    let asked = ran.platform("asked").cluster.clone().unwrap();
    let right = ran.platform("right").cluster.clone().unwrap();
    assert_eq!(asked.peak_instances, 4);
    assert_eq!(right.peak_instances, 1);
    assert_eq!(
        asked.instances_launched - right.instances_launched,
        3,
        "{asked:?} {right:?}"
    );
    assert!(ran.total_atto("right") < ran.total_atto("asked"));
    let r = ran.platform("right").rightsizing.clone().unwrap();
    assert_eq!((r.resized, r.oom_kills, r.slowed), (8, 0, 0));
    for p in ["asked", "right"] {
        assert_eq!(ran.platform(p).tasks.completed, 8);
    }
}

#[test]
fn a_cluster_task_killed_for_memory_is_retried_at_its_request() {
    // One task of 1 vCPU / 2 GiB for 600 s with a 1500 MiB peak, sized from
    // its 600 MiB average: killed half-way (300 s), placed again at 2 GiB.
    let case = Case::new(
        r#"
name = "oom"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
container_start = { image_pull = "0s", cached = "0s" }
rightsizing = { policy = "usage", cpu = "max", memory = "avg", headroom = 0 }
"#,
        Some(&format!("{HEADER}a,0,600,1,2048,g,0.2,0.25,600,1500\n")),
    );
    let ran = run(&case, &[]);
    let recs = ran.records_of("c");
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].outcome, Outcome::OomKilled);
    assert_eq!(recs[0].run_span, 300_000_000);
    assert_eq!(
        (recs[0].cpu_milli_requested, recs[0].memory_mib_requested),
        (250, 600)
    );
    assert_eq!(recs[1].outcome, Outcome::Completed);
    assert_eq!(
        (recs[1].cpu_milli_requested, recs[1].memory_mib_requested),
        (1000, 2048)
    );
    assert_eq!(recs[1].run_span, 600_000_000);
    let p = ran.platform("c");
    assert_eq!(p.tasks.completed, 1);
    assert_eq!(p.rightsizing.as_ref().unwrap().tasks_killed, 1);
}

#[test]
fn tasks_without_usage_keep_their_size_and_runs_repeat() {
    let case = Case::new(
        &fargate(r#"{ policy = "usage", cpu = "max", memory = "max", headroom = 0.15 }"#),
        Some(&format!(
            "{HEADER}a,0,600,1,2048,g,,,,\nb,0,600,1,2048,g,0.1,0.2,100,200\n"
        )),
    );
    let ran = run(&case, &[]);
    let r = ran.platform("right").rightsizing.clone().unwrap();
    assert_eq!((r.resized, r.kept), (1, 1));
    // b: peaks 200 m / 200 MiB + 15 % (the VPA margin) = 230 m / 230 MiB
    // → 0.25 vCPU / 0.5 GiB for 600 s: 600 × (0.25 × 0.000011244 + 0.5 ×
    // 0.000001235) = 0.0020571; a as asked: 0.0082284.
    assert_eq!(ran.total_atto("right"), usd("0.0102855"));
    let again = run(&case, &[]);
    assert_eq!(again.total_atto("right"), ran.total_atto("right"));
}

#[test]
fn alibaba_2018_instances_carry_their_usage() {
    // The fixture's first row: cpu_avg 124.93, cpu_max 216.98 (100 = one
    // core), mem_avg 0.435, mem_max 0.625 (% of a 384 GiB machine).
    // CPU: 1249.3 → 1250 m average, 2169.8 → 2170 m peak (also its request);
    // memory: 0.435 % × 393,216 MiB = 1710.5 → 1711 MiB, 0.625 % → 2457.6
    // → 2458 MiB.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fixtures/alibaba-2018-batch_instance.csv");
    let case = Case::new(
        &format!(
            r#"
name = "ali"
seed = 1
[workload]
trace = "{}"
format = "alibaba-2018-instances"
[[platforms]]
name = "asked"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
[[platforms]]
name = "right"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
rightsizing = {{ policy = "usage", cpu = "avg", memory = "max", headroom = 0 }}
"#,
            fixture.display()
        ),
        None,
    );
    let ran = run(&case, &[]);
    let first = ran
        .records_of("asked")
        .into_iter()
        .find(|r| r.task_id == 0)
        .unwrap();
    assert_eq!(
        (first.cpu_milli_requested, first.memory_mib_requested),
        (2170, 2458)
    );
    // Sized from its 1250 m average and 2458 MiB peak: 2 vCPU / 4 GiB
    // becomes 2 vCPU / 4 GiB too (the grid's smallest size above 1.25 vCPU
    // is 2 vCPU, whose smallest memory is 4 GiB): no saving on this task.
    let right = ran
        .records_of("right")
        .into_iter()
        .find(|r| r.task_id == 0)
        .unwrap();
    assert_eq!(
        (right.cpu_milli_billed, right.memory_mib_billed),
        (2000, 4096)
    );
    let p = ran.platform("right");
    assert_eq!(p.tasks.submitted, 202);
    assert_eq!(p.tasks.completed, 202);
    let r = p.rightsizing.as_ref().unwrap();
    assert_eq!(r.oom_kills, 0);
    assert_eq!(r.resized + r.kept, 202);
    assert!(ran.total_atto("right") <= ran.total_atto("asked"));
}

#[test]
fn rightsize_prints_task_definition_and_pod_spec_sizes_from_a_run() {
    // Ten tasks of group g asking 2 vCPU / 4 GiB; peaks 0.1 … 1.0 vCPU and
    // 100 … 1000 MiB. The p90 CPU peak is 0.9 vCPU, + 15 % = 1.035 vCPU
    // (1035m); the largest memory peak 1000 MiB + 15 % = 1150 MiB. Fargate's
    // smallest size holding 1.035 vCPU is 2 vCPU, with at least 4 GiB:
    // "cpu": "2048", "memory": "4096".
    let mut rows = String::from(HEADER);
    for i in 1..=10 {
        rows.push_str(&format!(
            "t{i},{i},60,2,4096,g,{},{},{},{}\n",
            i as f64 / 20.0,
            i as f64 / 10.0,
            i * 50,
            i * 100
        ));
    }
    let case = Case::new(
        &fargate(r#"{ policy = "usage", cpu = "max", memory = "max", headroom = 0.15 }"#),
        Some(&rows),
    );
    let out = case.dir().join("out");
    let (code, _, err) = crate::common::bin(
        &["run", "scenario.toml", "--out", out.to_str().unwrap(), "-q"],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    let usage = std::fs::read_to_string(out.join("usage.csv")).unwrap();
    assert!(
        usage.contains("\ng,10,10,2,4096,0.25,0.45,0.9,1,500,900,1000,10,450\n"),
        "{usage}"
    );
    let (code, text, err) = crate::common::bin(
        &[
            "rightsize",
            out.to_str().unwrap(),
            "--cpu",
            "peak-p90",
            "--memory",
            "max",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("recommended 1.035 vCPU / 1150 MiB"), "{text}");
    assert!(
        text.contains("\"cpu\": \"2048\", \"memory\": \"4096\""),
        "{text}"
    );
    assert!(
        text.contains("resources: { requests: { cpu: 1035m, memory: 1150Mi } }"),
        "{text}"
    );
    assert!(
        text.contains("rightsizing = { policy = \"fixed\", groups = { g = { cpu = 1.035, memory = \"1150MiB\" } } }"),
        "{text}"
    );
    // A folder without usage.csv is refused with a message, exit 2.
    let (code, _, err) = crate::common::bin(&["rightsize", "."], case.dir());
    assert_eq!(code, 2);
    assert!(err.contains("usage.csv"), "{err}");
}
