//! Answers a reviewer can trust (issue 22, "Answers that mislead"): no
//! option is crowned that did not do the work, a cluster held at its `max`
//! is named, "not run" means one thing, tasks that can never run are said
//! out loud, overrides are recorded, noise is not a finding, and Fargate
//! Spot is never offered for ARM64.

use crate::common::{Case, bin, run};
use fargate_sim::pricing::Catalog;
use fargate_sim::report::{explain, html, table};
use fargate_sim::scenario::{LoadOptions, load_str};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n";

/// `n` tasks of `cpu` vCPU and `mem` MiB for `secs` seconds, all at time 0.
fn trace(n: usize, secs: u32, cpu: f64, mem: u32) -> String {
    let mut t = String::from(HEADER);
    for i in 0..n {
        t.push_str(&format!("t{i},0,{secs},{cpu},{mem}\n"));
    }
    t
}

/// Fargate against an ECS cluster of m5.large: 2 vCPU / 8 GiB tasks do not
/// fit an m5.large once the OS has its share, so the cluster runs nothing
/// and costs least.
const NOTHING_FITS: &str = r#"
name = "nothing-fits"
horizon = "2h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
[[platforms]]
name = "ecs-ec2"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = 1
min = 1
max = 10
"#;

#[test]
fn a_cluster_that_ran_nothing_is_not_the_cheapest() {
    let case = Case::new(NOTHING_FITS, Some(&trace(10, 600, 2.0, 8192)));
    let ran = run(&case, &[]);
    let ec2 = ran.platform("ecs-ec2");
    assert_eq!((ec2.tasks.completed, ec2.tasks.unschedulable), (0, 10));
    assert!(ec2.cost.compute_usd < ran.platform("fargate").cost.compute_usd);
    let undone = "10 of 10 tasks not run (10 could never run: larger than every allowed instance type (after the OS reservation))";

    let verdict = html::verdict(&ran.summary);
    assert!(
        verdict[0].starts_with("fargate is the only option that did the work, at $"),
        "{verdict:#?}"
    );
    assert!(
        verdict
            .iter()
            .all(|l| !l.contains("ecs-ec2 is the cheapest"))
    );
    assert!(
        verdict.contains(&format!(
            "ecs-ec2 is not compared: {undone}; its $0.21 pays for only the work it did."
        )),
        "{verdict:#?}"
    );

    let text = explain::explain(&ran.summary, &Catalog::builtin());
    assert!(text.contains("Cheapest: fargate at $"), "{text}");
    assert!(
        text.contains(&format!(
            "Not compared: ecs-ec2 ({undone}); its cost pays for only the work it did."
        )),
        "{text}"
    );
    assert!(!text.contains("smaller instance type"), "{text}");
    assert!(text.contains("Put a larger instance type first"), "{text}");

    let printed = table::render(&ran.summary);
    assert!(
        printed.contains(&format!(
            "warning: ecs-ec2: {undone}; not compared with the others on cost or start time\n"
        )),
        "{printed}"
    );
}

/// 20 one-hour tasks of 1 vCPU / 2 GiB at time 0 on a cluster held to one
/// m5.large: it runs one at a time, so from the first arrival to the 2-hour
/// horizon it sits at its max with tasks waiting.
fn capped(autoscaler: &str) -> String {
    format!(
        r#"
name = "capped"
horizon = "2h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
[[platforms]]
name = "cluster"
kind = "ec2"
orchestrator = "eks"
instance_types = ["m5.large"]
autoscaler = "{autoscaler}"
initial = 1
min = 1
max = 1
"#
    )
}

#[test]
fn a_cluster_pinned_at_its_max_is_flagged_and_not_crowned() {
    let case = Case::new(&capped("ecs_managed"), Some(&trace(20, 3600, 1.0, 2048)));
    let ran = run(&case, &[]);
    let c = ran.platform("cluster");
    assert_eq!(c.cluster.as_ref().unwrap().pinned_at_max_s, 7200.0);
    assert!(c.tasks.waiting_at_end > 10, "{:?}", c.tasks);
    assert_eq!(
        ran.platform("fargate")
            .cluster
            .as_ref()
            .map(|c| c.pinned_at_max_s),
        None
    );
    let line = "cluster sat at its max of 1 instances for 2.0h with tasks waiting; raise `max` (the Auto Scaling group's maximum size)";
    let verdict = html::verdict(&ran.summary);
    assert!(verdict.contains(&format!("{line}.")), "{verdict:#?}");
    assert!(verdict[0].starts_with("fargate is the only option that did the work"));
    assert!(
        table::render(&ran.summary).contains(&format!("warning: {line}\n")),
        "{}",
        table::render(&ran.summary)
    );
    let text = explain::explain(&ran.summary, &Catalog::builtin());
    assert!(text.contains(&format!("- {line}.\n")), "{text}");
}

#[test]
fn karpenter_at_its_limit_gets_karpenter_advice() {
    let case = Case::new(&capped("karpenter"), Some(&trace(20, 3600, 1.0, 2048)));
    let ran = run(&case, &[]);
    assert_eq!(
        ran.platform("cluster")
            .cluster
            .as_ref()
            .unwrap()
            .pinned_at_max_s,
        7200.0
    );
    let line = "cluster sat at its NodePool limits (nodes = 1) for 2.0h with pods pending; raise `karpenter.limits`";
    let text = explain::explain(&ran.summary, &Catalog::builtin());
    assert!(text.contains(line), "{text}");
    for ecs in ["target capacity", "warm-up"] {
        assert!(!text.contains(ecs), "ECS words for Karpenter: {text}");
    }
    assert!(
        html::verdict(&ran.summary).contains(&format!("{line}.")),
        "{:#?}",
        html::verdict(&ran.summary)
    );
}

/// `n` tasks of 1 vCPU / 2 GiB for an hour, one a minute from 30 s on.
fn steady(n: usize) -> String {
    let mut t = String::from(HEADER);
    for i in 0..n {
        t.push_str(&format!("t{i},{},3600,1,2048\n", 30 + 60 * i));
    }
    t
}

/// 120 one-hour tasks, one a minute, on a cluster held to one m5.large,
/// which runs one at a time; the run is cut at 2 h.
///
/// By hand: task 0 is placed at 30 s and ends after its image pull and an
/// hour; task 1 takes its place (about 1 h 0 min 40 s) and is still running
/// at 2 h, when task 2 would start. So 2 of 120 were placed: 118 wait at the
/// end (98 %). The last quarter starts at 1 h 30 min (5,400 s), when the
/// 90 tasks submitted by then (at 30 s … 5,370 s) less the 2 placed wait:
/// 88. The backlog grew by 118 − 88 = 30 in half an hour: 60 an hour. The
/// cluster sat at its max of 1 with tasks waiting when the run ended.
#[test]
fn a_backlog_that_grows_at_max_is_flagged_everywhere() {
    let case = Case::new(&capped("ecs_managed"), Some(&steady(120)));
    let ran = run(&case, &[]);
    let c = ran.platform("cluster");
    assert_eq!((c.tasks.submitted, c.tasks.waiting_at_end), (120, 118));
    let b = c.unbounded_backlog.as_ref().expect("flagged");
    assert_eq!(
        (
            b.waiting_at_end,
            b.waiting_before,
            b.before_s,
            b.capped.as_str()
        ),
        (118, 88, 5400.0, "at_max")
    );
    assert_eq!(b.growth_per_hour, 60.0);
    // Fargate launched every task at once: its backlog drained.
    assert_eq!(ran.platform("fargate").unbounded_backlog, None);
    let line = "cluster has 118 tasks waiting and will not catch up: 98% of the tasks submitted, and the backlog grew by 60 tasks an hour over the last quarter of the run, while it sat at its max of 1 instances";
    assert!(
        table::render(&ran.summary).contains(&format!("warning: {line}\n")),
        "{}",
        table::render(&ran.summary)
    );
    let verdict = html::verdict(&ran.summary);
    assert!(verdict.contains(&format!("{line}.")), "{verdict:#?}");
    let text = explain::explain(&ran.summary, &Catalog::builtin());
    assert!(
        text.contains(&format!("\nBacklogs that will not catch up\n- {line}.\n")),
        "{text}"
    );

    // The same through the binary: the table, summary.json, report.html
    // and `explain`.
    let (code, out, err) = bin(&["run", "scenario.toml", "--out", "r"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("warning: {line}\n")), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.dir().join("r/summary.json")).unwrap())
            .unwrap();
    let p = json["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cluster")
        .unwrap();
    assert_eq!(p["unbounded_backlog"]["waiting_at_end"], 118);
    assert_eq!(p["unbounded_backlog"]["growth_per_hour"], 60.0);
    assert_eq!(p["unbounded_backlog"]["capped"], "at_max");
    assert!(json["platforms"][0].get("unbounded_backlog").is_none());
    let page = std::fs::read_to_string(case.dir().join("r/report.html")).unwrap();
    assert!(page.contains("cluster has 118 tasks waiting and will not catch up"));
    let (code, out, err) = bin(&["explain", "r"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("- {line}.\n")), "{out}");
}

#[test]
fn a_backlog_that_drains_or_can_still_scale_is_not_flagged() {
    // The same tasks on a cluster that may grow to 200 instances: it keeps
    // up, so at most a few wait at the end.
    let case = Case::new(
        &capped("ecs_managed").replace("max = 1\n", "max = 200\n"),
        Some(&steady(120)),
    );
    let ran = run(&case, &[]);
    let c = ran.platform("cluster");
    assert!(c.tasks.waiting_at_end < 12, "{:?}", c.tasks);
    assert_eq!(c.unbounded_backlog, None);
    // Held at its max but with no horizon: the run goes on until the
    // backlog drains, so nothing waits at the end.
    let drained = Case::new(
        &capped("ecs_managed").replace("horizon = \"2h\"\n", ""),
        Some(&steady(20)),
    );
    let ran = run(&drained, &[]);
    let c = ran.platform("cluster");
    assert_eq!((c.tasks.completed, c.tasks.waiting_at_end), (20, 0));
    assert_eq!(c.unbounded_backlog, None);
    let printed = table::render(&ran.summary);
    assert!(!printed.contains("will not catch up"), "{printed}");
}

#[test]
fn not_run_has_one_meaning_and_running_at_end_is_apart() {
    // One task of 2 hours cut by a 1-hour horizon: it is running at the
    // end, not "not run".
    let case = Case::new(
        r#"
name = "cut"
horizon = "1h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
"#,
        Some(&format!("{HEADER}a,0,7200,1,2048\nb,0,60,1,2048\n")),
    );
    let ran = run(&case, &[]);
    let t = &ran.platform("fargate").tasks;
    assert_eq!((t.completed, t.running_at_end), (1, 1));
    assert_eq!(fargate_sim::report::compare::not_run(t), 0);
    let printed = table::render(&ran.summary);
    // Headers take two lines: "running" above "at end".
    let (top, bottom) = (
        printed.lines().nth(2).unwrap(),
        printed.lines().nth(3).unwrap(),
    );
    assert!(
        top.contains("running") && bottom.contains("at end"),
        "{printed}"
    );
    let row = printed.lines().find(|l| l.contains("fargate ")).unwrap();
    let cells: Vec<&str> = row.split('┆').map(str::trim).collect();
    // platform, kind, cost, cost/task, completed, running at end, not run, …
    assert_eq!(&cells[4..7], &["1/2", "1", "0"], "{printed}");
    let page = html::render(&ran.summary, &[]);
    assert!(
        page.contains("<td class=\"n\">1/2</td><td class=\"n\">1</td><td class=\"n\">0</td>"),
        "{page}"
    );
    assert!(
        html::verdict(&ran.summary)
            .iter()
            .all(|l| !l.contains("Caution"))
    );
}

#[test]
fn service_replicas_are_not_tasks() {
    let case = Case::new(
        r#"
name = "service-only"
horizon = "10min"
[workload]
[[workload.services]]
name = "api"
cpu = 0.5
memory = "1GiB"
replicas = { min = 2, max = 2 }
service_time = "20ms"
requests = { curve = "constant", rate = "10/s" }
[[platforms]]
name = "fargate"
kind = "fargate"
"#,
        None,
    );
    let ran = run(&case, &[]);
    let t = &ran.platform("fargate").tasks;
    assert_eq!((t.submitted, t.completed, t.running_at_end), (0, 0, 0));
    let r = t.service_replicas.as_ref().expect("replicas counted apart");
    assert_eq!((r.submitted, r.running_at_end), (2, 2));
    assert_eq!(
        r.submitted,
        r.completed + r.failed + r.unschedulable + r.running_at_end + r.waiting_at_end
    );
    let printed = table::render(&ran.summary);
    // No "completed 0/2" for the replicas (the replicas column's mean/peak
    // "2.0/2" is another table).
    assert!(!printed.contains(" 0/2 "), "{printed}");
    assert!(!printed.contains("running at end"), "{printed}");
}

/// Fargate alone, on `trace.csv`.
const TOO_BIG: &str = r#"
name = "too-big"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
"#;

#[test]
fn validate_and_run_say_which_tasks_can_never_run() {
    let case = Case::new(TOO_BIG, Some(&trace(3, 60, 32.0, 65536)));
    let (code, out, err) = bin(&["validate", "scenario.toml"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: platform `fargate` can never run 3 of 3 task(s): 32 vCPU is above the largest size (16 vCPU); a run counts them as not run and leaves them out of its cost\n"),
        "{out}"
    );
    let (code, out, err) = bin(&["run", "scenario.toml", "--out", "r"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: fargate: 3 of 3 tasks not run (3 could never run: 32 vCPU is above the largest size (16 vCPU))\n"),
        "{out}"
    );
}

/// Two reasons a task cannot run: each says how many tasks it stops, in
/// words ("2 because …"), not a count run into the reason's own number.
#[test]
fn several_reasons_a_task_cannot_run_each_say_how_many() {
    let mut t = trace(2, 60, 32.0, 65536);
    t.push_str("t9,0,60,1,200000\n");
    let case = Case::new(TOO_BIG, Some(&t));
    let (code, out, err) = bin(&["validate", "scenario.toml"], case.dir());
    assert_eq!(code, 0, "{err}");
    let both = [
        "2 because 32 vCPU is above the largest size (16 vCPU)",
        "1 because 200000 MiB is above the largest size (120 GiB)",
    ];
    assert!(out.contains("can never run 3 of 3 task(s): "), "{out}");
    for want in both {
        assert!(out.contains(want), "no `{want}` in\n{out}");
    }
    let (code, out, err) = bin(&["run", "scenario.toml", "--out", "r"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(3 could never run: "), "{out}");
    for want in both {
        assert!(out.contains(want), "no `{want}` in\n{out}");
    }
}

#[test]
fn exact_sizing_refuses_an_oversize_request() {
    let scenario = r#"
name = "too-big-exact"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
sizing = "exact"
"#;
    let case = Case::new(scenario, Some(&trace(1, 60, 32.0, 65536)));
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "r"], case.dir());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("platform `fargate` has sizing = \"exact\", and task `t0` asks for 32 vCPU / 65536 MiB, which is not a Fargate size: 32 vCPU is above the largest size (16 vCPU)"),
        "{err}"
    );
}

#[test]
fn fargate_spot_on_arm64_is_refused_and_never_priced() {
    let text = r#"
name = "arm-spot"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fg"
kind = "fargate"
arch = "arm64"
capacity = "spot"
"#;
    let case = Case::new(text, Some(&trace(1, 60, 1.0, 2048)));
    let e = load_str(&case.text, &case.path, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Fargate Spot does not run ARM64 tasks (AWS: \"Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider\""),
        "{e}"
    );
    let c = Catalog::builtin();
    assert!(
        c.fargate
            .rates
            .iter()
            .all(|r| !(r.arch == fargate_sim::pricing::Arch::Arm64
                && r.capacity == fargate_sim::pricing::Capacity::Spot))
    );
    let bad = fargate_sim::pricing::catalog::BUILTIN_PRICING.replacen(
        "arch = \"arm64\"\ncapacity = \"on_demand\"",
        "arch = \"arm64\"\ncapacity = \"spot\"",
        1,
    );
    let e = Catalog::parse(&bad, "test").unwrap_err().to_string();
    assert!(e.contains("Fargate Spot does not run ARM64 tasks"), "{e}");
    // explain offers Spot to x86 on demand only, never to ARM.
    let arm = Case::new(
        &text.replace("capacity = \"spot\"", "capacity = \"on_demand\""),
        Some(&trace(4, 600, 1.0, 2048)),
    );
    let ran = run(&arm, &[]);
    let advice = explain::explain(&ran.summary, &c);
    assert!(!advice.contains("Fargate Spot"), "{advice}");
}

#[test]
fn overrides_and_the_seed_source_are_recorded() {
    let case = Case::new(
        "name = \"o\"\nseed = 3\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"fg\"\nkind = \"fargate\"\n",
        Some(&trace(4, 60, 1.0, 2048)),
    );
    let (code, out, err) = bin(
        &[
            "run",
            "scenario.toml",
            "--set",
            "workload.load_scale=0.5",
            "--seed",
            "5",
            "--out",
            "r",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("o (--set workload.load_scale=0.5, --seed 5)\n"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.dir().join("r/summary.json")).unwrap())
            .unwrap();
    let sc = &json["scenario"];
    assert_eq!(sc["seed"], 5);
    assert_eq!(
        sc["overrides"],
        serde_json::json!(["workload.load_scale=0.5"])
    );
    assert!(sc["seed_source"].as_str().unwrap().starts_with("--seed"));
    let page = std::fs::read_to_string(case.dir().join("r/report.html")).unwrap();
    assert!(
        page.contains("Changed from the scenario file: <code>--set workload.load_scale=0.5</code>"),
        "{page}"
    );
    assert!(page.contains("seed 5 (--seed"), "{page}");
    // The file as written says where its seed came from.
    let ran = run(&case, &[]);
    assert_eq!(ran.summary.scenario.seed_source, "scenario file");
    assert!(ran.summary.scenario.overrides.is_empty());
    let ran = run(&case, &["seed=9"]);
    assert_eq!(ran.summary.scenario.seed_source, "--set seed=9");
}

#[test]
fn a_latency_difference_within_noise_is_not_a_finding() {
    let case = Case::new(
        r#"
name = "noise"
[workload]
trace = "trace.csv"
[[platforms]]
name = "a"
kind = "fargate"
[[platforms]]
name = "b"
kind = "fargate"
capacity = "spot"
"#,
        Some(&trace(4, 600, 1.0, 2048)),
    );
    let mut ran = run(&case, &[]);
    // The cheaper option (Spot) 0.4 s slower at p95: noise.
    ran.summary.platforms[0].latency.time_to_start.p95 = Some(64.0);
    ran.summary.platforms[1].latency.time_to_start.p95 = Some(64.4);
    ran.summary.platforms[0].latency.time_to_start.p50 = Some(30.0);
    let v = html::verdict(&ran.summary);
    assert!(v.iter().all(|l| !l.contains("latency cost")), "{v:#?}");
    assert!(
        v.contains(&"Tasks start in about the same time on every option compared (p95 between 64s and 64s): the choice is about cost.".to_string()),
        "{v:#?}"
    );
    // 20 s slower is a finding.
    ran.summary.platforms[1].latency.time_to_start.p95 = Some(84.0);
    let v = html::verdict(&ran.summary);
    assert!(
        v.iter().any(|l| l.starts_with(
            "The saving has a latency cost: at p95, tasks start in 84s on b against 64s on a"
        )),
        "{v:#?}"
    );
    // explain names both when they tie, not the one a second slower.
    ran.summary.platforms[1].latency.time_to_start.p95 = Some(64.4);
    let text = explain::explain(&ran.summary, &Catalog::builtin());
    assert!(text.contains("- a and b: Fargate's start-up"), "{text}");
}

#[test]
fn a_crossing_is_printed_with_the_precision_it_has() {
    use fargate_sim::experiment::breakeven::with_precision;
    assert_eq!(with_precision(1.003518, 0.02), "1.00");
    assert_eq!(with_precision(7.000146, 0.06), "7.00");
    assert_eq!(with_precision(123.4, 3.0), "123");
}

#[test]
fn breakeven_flags_points_where_a_side_left_work_undone() {
    // Ten 1 vCPU / 2 GiB tasks and one 4 vCPU / 16 GiB task, which no
    // m5.large can hold: the cluster's total never pays for the big task.
    let mut t = trace(10, 100, 1.0, 2048);
    t.push_str("big,0,100,4,16384\n");
    let case = Case::new(
        r#"
name = "be"
horizon = "1h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
min = 1
max = 1
"#,
        Some(&t),
    );
    let (code, out, err) = bin(
        &[
            "breakeven",
            "scenario.toml",
            "--axis",
            "workload.duration_scale",
            "--between",
            "1",
            "20",
            "--out",
            "be",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    let points: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  workload.duration_scale = "))
        .collect();
    assert!(points.len() > 10, "{out}");
    for p in &points {
        assert!(
            p.contains("   ! ec2 left work undone: ")
                && p.contains(
                    "could never run: larger than every allowed instance type (after the OS reservation))"
                ),
            "{out}"
        );
    }
    assert!(
        points[0].ends_with("   ! ec2 left work undone: 1 of 11 tasks not run (1 could never run: larger than every allowed instance type (after the OS reservation))"),
        "{out}"
    );
    assert!(
        out.contains("warning: not a like-for-like crossing: next to it, a side left work undone (marked ! above), so its lower total pays for less work\n"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("be/breakeven.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["like_for_like"], false);
    assert_eq!(json["a"], "fargate");
    assert!(json["crossing"].as_f64().is_some());
    let text = json["crossing_text"].as_str().unwrap();
    assert!(
        out.contains(&format!(
            "cost the same at workload.duration_scale = {text} (within 1% of each other from "
        )),
        "{out}"
    );
    assert!(json["evaluations"][0]["undone_a"].is_null());
    assert!(
        json["evaluations"][0]["undone_b"]
            .as_str()
            .unwrap()
            .contains("could never run")
    );
}
