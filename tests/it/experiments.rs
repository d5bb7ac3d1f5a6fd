//! Experiments: results that do not depend on -j or sharding, confidence
//! intervals that cover a known mean at about their rate, and a break-even
//! point computed by hand.

use crate::common::bin;
use fargate_sim::experiment::{Base, Shard, Sweep, breakeven, run_points};
use fargate_sim::scenario::LoadOptions;
use std::path::Path;

const SWEEP: &str = r#"
name = "sweep-test"
seed = 3
horizon = "1h"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = { process = "poisson", rate = "2/min" }
duration = { dist = "lognormal", median = "5min", p90 = "15min" }
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "fargate"
kind = "fargate"
[[platforms]]
name = "ecs"
kind = "ec2"
instance_types = ["m5.xlarge"]
autoscaler = "ecs_managed"
initial = 1
max = 50
[sweep]
replications = 3
[[sweep.axis]]
key = "workload.load_scale"
values = [0.5, 1, 2]
[[sweep.axis]]
keys = ["platforms.ecs.initial", "platforms.fargate.capacity"]
values = [[1, "on_demand"], [4, "spot"]]
"#;

#[test]
fn results_do_not_depend_on_jobs_or_shards() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), SWEEP).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["sweep", "s.toml", "-q"];
        all.extend_from_slice(args);
        let (code, _, err) = bin(&all, d.path());
        assert_eq!(code, 0, "{err}");
    };
    run(&["--out", "j1", "-j", "1"]);
    run(&["--out", "j2", "-j", "2"]);
    run(&["--out", "s0", "--shard", "0/3"]);
    run(&["--out", "s1", "--shard", "1/3"]);
    run(&["--out", "s2", "--shard", "2/3"]);
    let read = |p: &str| std::fs::read(d.path().join(p)).unwrap();
    assert_eq!(read("j1/results.csv"), read("j2/results.csv"));
    // Three replications: means with their 95% band.
    let svg = String::from_utf8(read("j1/sweep_cost_total_usd__workload.load_scale.svg")).unwrap();
    assert!(svg.contains("cost_total_usd (mean, 95% band)"), "{svg}");
    assert_eq!(read("j1/results.parquet"), read("j2/results.parquet"));
    // 3 × 2 points, 2 platforms, 3 replications + 1 aggregate row each.
    let csv = String::from_utf8(read("j1/results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 6 * 2 * 4);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        "point",
        "row",
        "replication",
        "seed",
        "workload.load_scale",
        "platforms.ecs.initial",
        "platforms.fargate.capacity",
        "platform",
        "cost_total_usd",
        "cost_total_usd_ci95_low",
        "cost_total_usd_sd",
    ] {
        assert!(header.contains(&col), "{col} in {header:?}");
    }
    // Missing shard: refused, naming it.
    let (code, _, err) = bin(&["merge", "s0", "s2", "--out", "m"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("1/3") && err.contains("missing"), "{err}");
    // The full set merges into the single-machine bytes.
    let (code, _, err) = bin(&["merge", "s0", "s1", "s2", "--out", "m"], d.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(read("m/results.csv"), read("j1/results.csv"));
    assert_eq!(read("m/results.parquet"), read("j1/results.parquet"));
    assert!(d.path().join("m/experiment.html").is_file());
    // The same merge as one JSON document for a script.
    let (code, out, err) = bin(
        &["merge", "s0", "s1", "s2", "--out", "mj", "--format", "json"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(doc["shards"].as_array().map(Vec::len), Some(3));
    assert_eq!(doc["points_total"], 6);
    assert_eq!(doc["replications"], 3);
    assert_eq!(doc["out"], "mj");
    assert_eq!(doc["rows"], 6 * 2 * 4);
    assert_eq!(
        doc["axes"],
        serde_json::json!([
            "workload.load_scale",
            "platforms.ecs.initial",
            "platforms.fargate.capacity"
        ])
    );
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "results.csv")
    );
    assert_eq!(read("mj/results.csv"), read("j1/results.csv"));
    // A tampered manifest (a shard index out of range) is refused, not a panic.
    std::fs::create_dir_all(d.path().join("bad")).unwrap();
    for f in ["results.parquet", "results.csv"] {
        std::fs::copy(d.path().join("s1").join(f), d.path().join("bad").join(f)).unwrap();
    }
    let m = std::fs::read_to_string(d.path().join("s1/experiment.json")).unwrap();
    std::fs::write(
        d.path().join("bad/experiment.json"),
        m.replace("\"shard\": 1", "\"shard\": 9"),
    )
    .unwrap();
    let (code, _, err) = bin(&["merge", "s0", "bad", "s2", "--out", "m3"], d.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a valid shard"), "{err}");
    // A shard of another experiment is refused.
    run(&["--out", "other", "--shard", "1/3", "--set", "seed=4"]);
    let (code, _, err) = bin(&["merge", "s0", "other", "s2", "--out", "m2"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("another experiment"), "{err}");
    // Array-job variables pick the shard.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
        .args(["sweep", "s.toml", "-q", "--out", "env1", "--shards", "3"])
        .env("JOB_COMPLETION_INDEX", "1")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(read("env1/results.csv"), read("s1/results.csv"));
}

#[test]
fn confidence_intervals_cover_the_known_mean() {
    // Poisson arrivals at 1/min for an hour, each a 2-minute 1 vCPU / 2 GiB
    // Fargate task with no start-up: E[cost] = 60 tasks × 120 s ×
    // ($0.000011244 + 2 × $0.000001235) = 60 × $0.00164568 = $0.0987408.
    let text = r#"
name = "known"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = { process = "poisson", rate = "1/min" }
until = "1h"
duration = "2min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
bill = { leave_out = ["public_ipv4"] }
"#;
    let truth = 60.0 * 120.0 * (0.000011244 + 2.0 * 0.000001235);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known.toml");
    std::fs::write(&path, text).unwrap();
    let experiments = 80;
    let mut covered = 0;
    for m in 0..experiments {
        let base = Base {
            path: path.clone(),
            text: text.to_string(),
            options: LoadOptions {
                seed: Some(10_000 + m),
                ..Default::default()
            },
        };
        let point = fargate_sim::experiment::Point {
            index: 0,
            settings: Vec::new(),
        };
        let runs = run_points(&base, &[point], 8, 1, None, &|_| {}).unwrap();
        let costs: Vec<f64> = runs[0]
            .iter()
            .map(|s| s.platforms[0].cost.total_usd)
            .collect();
        let (mean, _, half) = fargate_sim::experiment::results::mean_ci(&costs).unwrap();
        if (mean - truth).abs() <= half.unwrap() {
            covered += 1;
        }
    }
    // 95% nominal: 76 of 80 expected; the binomial sd is about 2.
    assert!(
        (70..=80).contains(&covered),
        "{covered} of {experiments} intervals cover the mean"
    );
}

#[test]
fn breakeven_agrees_with_the_hand_computation() {
    // Ten 1 vCPU / 2 GiB tasks of 100 s × duration_scale on Fargate (no
    // start-up) against one m5.large ($0.096/h) kept for the 1-hour horizon.
    // Fargate costs 10 × 100 s × s × $0.000013714 = $0.013714 × s, equal to
    // $0.096 at s = 0.096 / 0.013714 = 7.000146 without rounding. Billing
    // by whole seconds makes Fargate's cost a staircase: 700 s cost
    // $0.0959980 and anything above bills 701 s, $0.0961351, so the costs
    // cross at the step, s = 7.
    let text = r#"
name = "be"
horizon = "1h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
bill = { leave_out = ["public_ipv4"] }
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
min = 1
max = 1
bill = { leave_out = ["public_ipv4", "ebs"] }
"#;
    let dir = tempfile::tempdir().unwrap();
    let mut trace = String::from("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n");
    for i in 0..10 {
        trace.push_str(&format!("t{i},0,100,1,2048\n"));
    }
    std::fs::write(dir.path().join("trace.csv"), trace).unwrap();
    let path = dir.path().join("be.toml");
    std::fs::write(&path, text).unwrap();
    let base = Base::read(&path, LoadOptions::default()).unwrap();
    let b = breakeven::find(&base, "workload.duration_scale", 1.0, 20.0, None, 1e-6).unwrap();
    let x = b.crossing.expect("the costs cross");
    assert!((x - 7.0).abs() < 1e-4, "{x}");
    assert_eq!((b.a.as_str(), b.b.as_str()), ("fargate", "ec2"));
    let ec2 = b.evaluations[0].cost_b;
    assert!((ec2 - 0.096).abs() < 1e-12, "{ec2}");
    // The binary prints it and draws it.
    let (code, out, err) = bin(
        &[
            "breakeven",
            "be.toml",
            "--axis",
            "workload.duration_scale",
            "--between",
            "1",
            "20",
            "--tolerance",
            "1e-6",
            "--out",
            "be",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let at: f64 = out
        .split("cost the same at workload.duration_scale = ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!((at - 7.0).abs() < 1e-4, "{out}");
    assert!(dir.path().join("be/breakeven.svg").is_file());
}

#[test]
fn sweep_parsing_and_shards() {
    let s = Sweep::parse(SWEEP, Path::new("s.toml")).unwrap().unwrap();
    assert_eq!(s.points().len(), 6);
    assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), SWEEP).unwrap();
    let (code, _, err) = bin(&["sweep", "s.toml", "--shard", "7/7"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("--shard"), "{err}");
    let (code, _, err) = bin(
        &["sweep", "s.toml", "--shard", "0/7", "--out", "x"],
        d.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("at most 6 shards"), "{err}");
}

#[test]
fn batch_runs_every_bundled_scenario_into_one_table() {
    let d = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = ["quickstart.toml", "daily-peak.toml"];
    let mut args = vec!["batch".to_string(), "--out".into(), "b".into(), "-q".into()];
    args.extend(files.iter().map(|f| root.join(f).display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = bin(&args, d.path());
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(d.path().join("b/results.csv")).unwrap();
    // quickstart: 3 platforms, daily-peak: 3; a run row and an aggregate row each.
    assert_eq!(csv.lines().count(), 1 + 2 * (3 + 3));
    assert!(csv.lines().next().unwrap().contains("scenario"));
    let quick: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("quickstart.toml") && l.contains(",replication,"))
        .collect();
    assert_eq!(quick.len(), 3);
    // The run row carries the same total as a single run of the file.
    let (code, json, _) = bin(
        &[
            "run",
            root.join("quickstart.toml").to_str().unwrap(),
            "--out",
            "q",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    let total = s["platforms"][0]["cost"]["total_usd"].as_f64().unwrap();
    // The same total to the last few bits (the row's mean over one
    // replication is computed in floating point).
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "cost_total_usd").unwrap();
    let row: f64 = quick[0].split(',').nth(at).unwrap().parse().unwrap();
    assert!(
        (row - total).abs() < 1e-12 * total,
        "{total} vs {row} in {}",
        quick[0]
    );
}

/// Splits results.csv into a header and rows (no field holds a comma).
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let header = split(lines.next().unwrap_or_default());
    (header, lines.map(split).collect())
}

#[test]
fn batch_of_scenarios_with_and_without_services_does_not_panic() {
    // quickstart has no service, llm-inference a service `code-llm`,
    // serverless-peers a service `api`. The batch used to panic (index out
    // of bounds) on the first mix and, on the second, to file api's numbers
    // under code-llm's columns.
    let d = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = [
        "quickstart.toml",
        "llm-inference.toml",
        "serverless-peers.toml",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| root.join(f).display().to_string())
        .collect();
    let mut args = vec!["batch", "--out", "b", "-q"];
    args.extend(paths.iter().map(String::as_str));
    let (code, _, err) = bin(&args, d.path());
    assert_eq!(code, 0, "{err}");
    let (header, rows) =
        csv_rows(&std::fs::read_to_string(d.path().join("b/results.csv")).unwrap());
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (llm, api) = (col("service_code-llm_served"), col("service_api_served"));
    let (scenario, platform, row) = (col("scenario"), col("platform"), col("row"));
    // Every column once.
    let mut unique = header.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "{header:?}");
    for (i, file) in files.iter().enumerate() {
        // The values of one scenario's single run, platform by platform.
        let (code, json, err) = bin(
            &[
                "run",
                &paths[i],
                "--out",
                &format!("run{i}"),
                "--format",
                "json",
                "--no-task-records",
            ],
            d.path(),
        );
        assert_eq!(code, 0, "{err}");
        let s: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mine: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[scenario].ends_with(file) && r[row] == "replication")
            .collect();
        let platforms = s["platforms"].as_array().unwrap();
        assert_eq!(mine.len(), platforms.len(), "{file}");
        for (r, p) in mine.iter().zip(platforms) {
            assert_eq!(r.len(), header.len(), "{file}: {r:?}");
            assert_eq!(r[platform], p["name"].as_str().unwrap());
            let served = |service: &str| {
                p["services"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|sv| sv["name"] == service)
                    .map(|sv| sv["requests"]["served"].as_f64().unwrap())
            };
            let cell = |c: usize| r[c].parse::<f64>().ok();
            assert_eq!(cell(llm), served("code-llm"), "{file} {}", r[platform]);
            assert_eq!(cell(api), served("api"), "{file} {}", r[platform]);
        }
    }
    // The scenarios with a service do serve requests.
    assert!(
        rows.iter()
            .any(|r| r[llm].parse::<f64>().is_ok_and(|x| x > 0.0))
    );
    assert!(
        rows.iter()
            .any(|r| r[api].parse::<f64>().is_ok_and(|x| x > 0.0))
    );
}

#[test]
fn force_removes_stale_sweep_files_and_refuses_folders_that_are_not_results() {
    // Regression: --force left the earlier results' charts beside new ones.
    let d = tempfile::tempdir().unwrap();
    let scenario = format!("{}{}", crate::common::TINY, crate::common::TINY_SWEEP);
    std::fs::write(d.path().join("s.toml"), scenario).unwrap();
    std::fs::write(
        d.path().join("plain.toml"),
        crate::common::TINY.replace("tiny", "plain"),
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let (code, out, err) = bin(args, d.path());
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let names = |dir: &str| {
        let mut n: Vec<String> = std::fs::read_dir(d.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    ok(&[
        "sweep",
        "s.toml",
        "--out",
        "x",
        "--metric",
        "tasks_completed",
    ]);
    let first = names("x");
    assert!(first.contains(&"sweep_tasks_completed__workload.load_scale.png".to_string()));
    for n in &first {
        assert!(
            fargate_sim::experiment::results::is_experiment_file(n),
            "{n} is not known"
        );
    }
    std::fs::write(d.path().join("x/notes.md"), "mine").unwrap();
    let out = ok(&["sweep", "s.toml", "--out", "x", "--force", "-j", "1"]);
    assert!(out.contains("removed the earlier results' sweep_tasks_completed__workload.load_scale.png, sweep_tasks_completed__workload.load_scale.svg"), "{out}");
    let second = names("x");
    assert!(
        !second.iter().any(|n| n.contains("tasks_completed")),
        "{second:?}"
    );
    assert!(second.contains(&"sweep_cost_total_usd__workload.load_scale.svg".to_string()));
    assert!(second.contains(&"notes.md".to_string()));
    // One replication: each point is one run, and the axis says so.
    let svg = std::fs::read_to_string(
        d.path()
            .join("x/sweep_cost_total_usd__workload.load_scale.svg"),
    )
    .unwrap();
    assert!(svg.contains("cost_total_usd (one run a point)"), "{svg}");
    assert!(!svg.contains("95% band"));
    // A batch replacing the sweep leaves no sweep chart or manifest behind.
    ok(&["batch", "plain.toml", "--out", "x", "--force", "-q"]);
    assert_eq!(
        names("x"),
        vec!["notes.md", "results.csv", "results.parquet"]
    );
    // The breakeven folder: a folder of other things is refused.
    let (code, _, err) = bin(
        &[
            "breakeven",
            "plain.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "x",
            "--force",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "x is not empty and holds no earlier results of this command (no breakeven.svg)"
        ),
        "{err}"
    );
}
