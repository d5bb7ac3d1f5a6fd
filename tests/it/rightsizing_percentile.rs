//! Right-sizing a whole task group from a percentile of its usage (issue
//! 27, the recommenders' shape: VPA's p90 plus 15 %), worked by hand, and
//! `fargate-sim rightsize` printing the same size the run used. Fargate
//! rates (us-east-1, Linux/x86, data/pricing.toml): $0.000011244 per
//! vCPU-second and $0.000001235 per GiB-second.

use crate::common::{Case, bin, run, usd};
use fargate_sim::platform::Outcome;

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n";

/// Ten tasks of group g, each asking 4 vCPU / 8 GiB for 600 s. Task i
/// (1..=10) uses 0.05·i vCPU on average (50 … 500 m) and peaks at 0.1·i
/// vCPU; its memory peaks at 900, 1000, … 1700 MiB (tasks 1-9) and 2500 MiB
/// (task 10).
fn rows() -> String {
    let mut rows = String::from(HEADER);
    for i in 1..=10u32 {
        let peak = if i == 10 { 2500 } else { 800 + 100 * i };
        rows.push_str(&format!(
            "t{i},{i},600,4,8192,g,{},{},{},{peak}\n",
            f64::from(i) / 20.0,
            f64::from(i) / 10.0,
            peak / 2
        ));
    }
    rows
}

fn scenario(rightsizing: &str) -> String {
    format!(
        r#"
name = "percentile"
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
[[platforms]]
name = "right95"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
rightsizing = {{ policy = "usage", cpu = "p95", memory = "p95", headroom = 0.15 }}
"#
    )
}

#[test]
fn p90_of_a_group_sizes_every_task_alike_and_kills_the_ones_above() {
    let case = Case::new(
        &scenario(r#"{ policy = "usage", cpu = "p90", memory = "p90", headroom = 0.15 }"#),
        Some(&rows()),
    );
    let ran = run(&case, &[]);
    // p90 by nearest rank is the 9th of the ten values: 450 m average CPU
    // and a 1700 MiB memory peak; + 15 %: 517.5 → 518 m and 1955 MiB. On
    // Fargate's grid 518 m needs 1 vCPU, whose smallest memory, 2 GiB,
    // holds 1955 MiB: every task asks 1 vCPU / 2 GiB.
    let recs = ran.records_of("right");
    let first: Vec<_> = recs.iter().filter(|r| r.attempt == 0).collect();
    assert_eq!(first.len(), 10);
    assert!(
        first
            .iter()
            .all(|r| (r.cpu_milli_billed, r.memory_mib_billed) == (1000, 2048))
    );
    // Tasks 1-9 peak at 1700 MiB at most and fit; task 10's 2500 MiB peak
    // does not: killed half-way (300 s), then run again at its own 4 vCPU /
    // 8 GiB. One kill, no slowdown (500 m of work at most on 1 vCPU).
    let killed: Vec<_> = recs
        .iter()
        .filter(|r| r.outcome == Outcome::OomKilled)
        .collect();
    assert_eq!(killed.len(), 1);
    assert_eq!(killed[0].run_span, 300_000_000);
    let retry: Vec<_> = recs.iter().filter(|r| r.attempt == 1).collect();
    assert_eq!(
        (retry[0].cpu_milli_billed, retry[0].memory_mib_billed),
        (4000, 8192)
    );
    let r = ran.platform("right").rightsizing.clone().unwrap();
    assert_eq!((r.resized, r.tasks_killed, r.slowed), (10, 1, 0));
    assert_eq!(r.kill_rate, Some(0.1));
    // The summary's group row says the size the group was given.
    let g = r.groups.iter().find(|g| g.group == "g").unwrap();
    assert_eq!(
        (g.size_cpu_vcpu, g.size_memory_mib),
        (Some(0.518), Some(1955))
    );
    assert_eq!(
        r.policy,
        "usage: cpu p90 of the group, memory p90 of the group, +15% headroom, at least 25m / 250 MiB a group; after a kill: original, killed 50% through the run"
    );
    // As asked: 10 × 600 × (4 × 0.000011244 + 8 × 0.000001235)
    // = 10 × 600 × 0.000054856 = 0.329136.
    assert_eq!(ran.total_atto("asked"), usd("0.329136"));
    // Right-sized: 9 × 600 × (0.000011244 + 2 × 0.000001235) = 9 × 0.0082284
    // = 0.0740556; task 10's kill 300 × 0.000013714 = 0.0041142 and its
    // retry 0.0329136: 0.1110834 in all.
    assert_eq!(ran.total_atto("right"), usd("0.1110834"));
    // p95 is the 10th value (rank ⌈9.5⌉): 500 m and 2500 MiB; + 15 % =
    // 575 m and 2875 MiB → 1 vCPU / 3 GiB, nobody killed:
    // 10 × 600 × (0.000011244 + 3 × 0.000001235) = 0.089694.
    let r95 = ran.platform("right95").rightsizing.clone().unwrap();
    assert_eq!((r95.resized, r95.tasks_killed), (10, 0));
    assert_eq!(ran.total_atto("right95"), usd("0.089694"));
}

#[test]
fn usage_alone_is_the_recommenders_default_and_rightsize_prints_the_runs_sizes() {
    // `rightsizing = "usage"` takes data/defaults.toml: p90 and p90 + 15 %,
    // the same run as the explicit form above.
    let case = Case::new(&scenario(r#""usage""#), Some(&rows()));
    let ran = run(&case, &[]);
    assert_eq!(ran.total_atto("right"), usd("0.1110834"));
    // End to end through the binary: the run writes usage.csv with the
    // p95 the third platform names, and `rightsize` with no flags gives
    // the defaults' p90 and p90 + 15 %: the sizes the run used.
    let out = case.dir().join("out");
    let (code, _, err) = bin(
        &["run", "scenario.toml", "--out", out.to_str().unwrap(), "-q"],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    let usage = std::fs::read_to_string(out.join("usage.csv")).unwrap();
    let head = usage.lines().next().unwrap();
    assert!(
        head.ends_with(",memory_avg_p90_mib,cpu_avg_p95_vcpu,memory_max_p95_mib"),
        "{usage}"
    );
    assert!(
        usage.contains("\ng,10,10,4,8192,0.25,0.45,0.9,1,1300,1700,2500,10,850,0.5,2500\n"),
        "{usage}"
    );
    let (code, text, err) = bin(&["rightsize", out.to_str().unwrap()], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("cpu: p90 of the tasks' average use, memory: p90 of their peaks, +15% headroom, at least 25m / 250 MiB"),
        "{text}"
    );
    assert!(
        text.contains("g: 10 tasks, asked 4 vCPU / 8192 MiB, recommended 0.518 vCPU / 1955 MiB"),
        "{text}"
    );
    assert!(
        text.contains("\"cpu\": \"1024\", \"memory\": \"2048\""),
        "{text}"
    );
    assert!(
        text.contains("resources: { requests: { cpu: 518m, memory: 1955Mi } }"),
        "{text}"
    );
    // p95, as the third platform: 575 m / 2875 MiB → 1 vCPU / 3 GiB.
    let (code, text, err) = bin(
        &[
            "rightsize",
            out.to_str().unwrap(),
            "--cpu",
            "p95",
            "--memory",
            "p95",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("recommended 0.575 vCPU / 2875 MiB"), "{text}");
    assert!(
        text.contains("\"cpu\": \"1024\", \"memory\": \"3072\""),
        "{text}"
    );
    // A percentile the run did not name has no column: refused, exit 2,
    // saying how to get it.
    let (code, _, err) = bin(
        &["rightsize", out.to_str().unwrap(), "--cpu", "p99"],
        case.dir(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cpu_avg_p99_vcpu"), "{err}");
    assert!(err.contains("cpu = \"p99\""), "{err}");
    // Bad percentiles on the command line: exit 2, never a panic.
    for bad in ["p0", "p101", "p9x"] {
        let (code, _, err) = bin(
            &["rightsize", out.to_str().unwrap(), "--memory", bad],
            case.dir(),
        );
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("p1 to p100"), "{err}");
    }
}

#[test]
fn a_cluster_packs_the_groups_size() {
    // The same ten tasks on one m5.2xlarge (8 vCPU, 32 GiB): as asked (4
    // vCPU each) two run at a time; at the group's 518 m / 1955 MiB all ten
    // fit at once, so the work ends sooner on the same single instance.
    let case = Case::new(
        r#"
name = "percentile-ec2"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "asked"
kind = "ec2"
instance_types = ["m5.2xlarge"]
initial = 1
max = 1
[[platforms]]
name = "right"
kind = "ec2"
instance_types = ["m5.2xlarge"]
initial = 1
max = 1
rightsizing = { policy = "usage", cpu = "p90", memory = "p90", headroom = 0.15 }
"#,
        Some(&rows()),
    );
    let ran = run(&case, &[]);
    let right = ran.records_of("right");
    assert!(
        right
            .iter()
            .filter(|r| r.attempt == 0)
            .all(|r| (r.cpu_milli_billed, r.memory_mib_billed) == (518, 1955)),
        "{right:?}"
    );
    let r = ran.platform("right").rightsizing.clone().unwrap();
    assert_eq!((r.resized, r.tasks_killed), (10, 1));
    assert!(
        ran.platform("right").simulated_end_s < ran.platform("asked").simulated_end_s,
        "{} vs {}",
        ran.platform("right").simulated_end_s,
        ran.platform("asked").simulated_end_s
    );
}
