//! What a newcomer tripped on in a first pass over the tool (the QA pass
//! of session 33): a run given no work, a break-even search that found no
//! crossing, and `calibrate`'s output folder. Each test runs the binary as
//! a user would, or the library function the command prints.

use crate::common::{TINY, bin};
use fargate_sim::experiment::breakeven::{Breakeven, Evaluation};

/// A run whose generator starts after the horizon submits nothing: every
/// total is $0.00, and the table, `explain` and report.html say so instead
/// of calling one option the cheapest.
#[test]
fn a_run_given_no_work_says_so_instead_of_comparing_zeros() {
    let d = tempfile::tempdir().unwrap();
    // TINY runs 30 minutes; its generator now starts at 1 h.
    let text = TINY.replace("name = \"g\"\n", "name = \"g\"\nstart = \"1h\"\n");
    std::fs::write(d.path().join("late.toml"), text).unwrap();
    let (code, out, err) = bin(&["run", "late.toml", "--out", "r"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: the workload submitted no task and no service ran"),
        "{out}"
    );
    let (code, out, err) = bin(&["explain", "r"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Nothing to explain: the workload submitted no task"),
        "{out}"
    );
    assert!(!out.contains("Cheapest"), "{out}");
    assert!(!out.contains("would save"), "{out}");
    let html = std::fs::read_to_string(d.path().join("r/report.html")).unwrap();
    let verdict = &html[html.find("class=\"verdict\"").unwrap()..];
    let verdict = &verdict[..verdict.find("</div>").unwrap()];
    assert!(
        verdict.contains("The workload submitted no task"),
        "{verdict}"
    );
    assert!(!verdict.contains("cheapest"), "{verdict}");

    // `validate` says it before anything runs.
    let (code, out, err) = bin(&["validate", "late.toml"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("workload: 0 task(s)"), "{out}");
    assert!(
        out.contains(
            "warning: the workload submitted no task within the horizon and has no service"
        ),
        "{out}"
    );

    // With work, no such warning.
    let (code, out, err) = bin(
        &["run", "late.toml", "--out", "r2", "--set", "horizon=2h"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("submitted no task"), "{out}");
    let (code, out, err) = bin(&["validate", "late.toml", "--set", "horizon=2h"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("submitted no task"), "{out}");
}

fn evaluation(x: f64, cost_a: f64, cost_b: f64) -> Evaluation {
    Evaluation {
        x,
        cost_a,
        cost_b,
        undone_a: None,
        undone_b: None,
    }
}

/// Without a crossing, the search ran only the two ends: the line names
/// the cheaper side with its lead at each end, and says a narrower range
/// is needed to rule out two crossings in between.
#[test]
fn breakeven_without_a_crossing_names_the_cheaper_side_at_each_end() {
    let b = Breakeven {
        a: "fargate".into(),
        b: "ecs".into(),
        axis: "workload.load_scale".into(),
        crossing: None,
        span: None,
        // Figures of `breakeven` on 0.5 vCPU / 1 GiB tasks against m5.large.
        evaluations: vec![
            evaluation(0.1, 2.042482, 4.595014),
            evaluation(20.0, 430.113695, 461.062042),
        ],
    };
    let text = b.describe(0.1, 20.0);
    // 4.595014 − 2.042482 = 2.552532 → $2.55; 461.062042 − 430.113695 = 30.948347 → $30.95.
    assert!(
        text.contains(
            "fargate and ecs: no crossing within the range 0.1 to 20 (2 points run): fargate is cheaper at both ends (by $2.55 at 0.1 and $30.95 at 20); only the ends were run"
        ),
        "{text}"
    );
    // The other side cheaper: named.
    let b = Breakeven {
        evaluations: vec![evaluation(1.0, 3.0, 1.0), evaluation(2.0, 6.0, 2.5)],
        ..b
    };
    assert!(
        b.describe(1.0, 2.0)
            .contains("ecs is cheaper at both ends (by $2.00 at 1 and $3.50 at 2)"),
        "{}",
        b.describe(1.0, 2.0)
    );
}

/// On a real search (TINY: Fargate and Fargate Spot), Spot is named.
#[test]
fn breakeven_command_names_spot_as_cheaper_across_a_load_range() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.toml"), TINY).unwrap();
    let (code, out, err) = bin(
        &[
            "breakeven",
            "t.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "be",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "f and s: no crossing within the range 1 to 2 (9 points run): s is cheaper at every one"
        ),
        "{out}"
    );
}

/// `calibrate` takes its output folder as `run` does: a second run into
/// the same folder needs --force, which removes the earlier Q-Q charts it
/// does not draw again and leaves other files alone.
#[test]
fn calibrate_replaces_its_results_only_with_force() {
    let d = tempfile::tempdir().unwrap();
    let events = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/account/ecs-events.jsonl"
    );
    let args = ["calibrate", events, "--out", "cal"];
    let (code, _, err) = bin(&args, d.path());
    assert_eq!(code, 0, "{err}");
    let cal = d.path().join("cal");
    assert!(cal.join("startup.toml").is_file());
    let (code, _, err) = bin(&args, d.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cal already holds results (startup.toml); add --force"),
        "{err}"
    );
    // A chart of a launch type this export does not hold, and a file of ours.
    std::fs::write(cal.join("qq-ec2.png"), "old").unwrap();
    std::fs::write(cal.join("notes.md"), "mine").unwrap();
    let (code, out, err) = bin(&[&args[..], &["--force"]].concat(), d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("removed the earlier results' qq-ec2.png"),
        "{out}"
    );
    assert!(!cal.join("qq-ec2.png").exists());
    assert!(cal.join("qq-fargate.png").is_file());
    assert!(cal.join("notes.md").is_file());
}

/// A whole number past what TOML holds (i64) is read as text; the hint
/// used to echo it back rounded (18446744073709552000), another value too
/// large. It now names the limit and shows the form with a small number.
#[test]
fn a_count_too_large_for_toml_gets_a_hint_that_would_load() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.toml"), TINY).unwrap();
    let (code, _, err) = bin(
        &[
            "validate",
            "t.toml",
            "--set",
            "workload.generators.g.count=18446744073709551615",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "hint: `count` takes a whole number of at most 9223372036854775807, without quotes: --set workload.generators.g.count=1"
        ),
        "{err}"
    );
    assert!(!err.contains("18446744073709552000"), "{err}");
}

/// A key that takes a whole number (a cluster's `initial` or `max`, a
/// generator's `count`) was refused by `breakeven` (`--set …=1.0: expected
/// i64`), though its own hint names `platforms.NAME.max`. It is now searched
/// over whole numbers and stops at two neighbours where the cheaper side
/// changes.
#[test]
fn breakeven_searches_a_whole_number_axis_over_whole_numbers() {
    let d = tempfile::tempdir().unwrap();
    // 14 tasks of 1 vCPU / 4 GiB for the whole hour: on Fargate about
    // 14 × ($0.040478 + 4 × $0.004446) = $0.82 plus an IPv4 address each;
    // a fixed fleet of m5.4xlarge ($0.768 an hour, holding all 14) costs
    // about $0.78 with one instance and $1.55 with two: the cheaper side
    // changes between 1 and 2 instances.
    let scenario = r#"name = "fleet"
horizon = "1h"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 14 }
duration = "2h"
sizes = [{ cpu = 1, memory = "4GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
[[platforms]]
name = "e"
kind = "ec2"
instance_types = ["m5.4xlarge"]
autoscaler = "none"
initial = 1
"#;
    std::fs::write(d.path().join("c.toml"), scenario).unwrap();
    let (code, _, err) = bin(
        &[
            "breakeven",
            "c.toml",
            "--axis",
            "platforms.e.initial",
            "--between",
            "1",
            "10",
            "--out",
            "be",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("be/breakeven.json")).unwrap())
            .unwrap();
    let evals = json["evaluations"].as_array().unwrap();
    let xs: Vec<f64> = evals.iter().map(|e| e["x"].as_f64().unwrap()).collect();
    assert!(xs.iter().all(|x| x.fract() == 0.0), "{xs:?}");
    let crossing = json["crossing"].as_f64().expect("the costs cross");
    // The two evaluations around the crossing are neighbours, and the
    // cheaper side changes between them.
    let below = evals
        .iter()
        .rfind(|e| e["x"].as_f64().unwrap() <= crossing)
        .unwrap();
    let above = evals
        .iter()
        .find(|e| e["x"].as_f64().unwrap() > crossing)
        .unwrap();
    assert_eq!(
        above["x"].as_f64().unwrap() - below["x"].as_f64().unwrap(),
        1.0,
        "{evals:?}"
    );
    let diff = |e: &serde_json::Value| {
        e["cost_a_usd"].as_f64().unwrap() - e["cost_b_usd"].as_f64().unwrap()
    };
    assert!(diff(below) * diff(above) < 0.0, "{evals:?}");
    assert_eq!(below["x"].as_f64(), Some(1.0), "{evals:?}");
    // 1 and 10, then 5, 3 and 2: five runs.
    assert_eq!(xs, [1.0, 2.0, 3.0, 5.0, 10.0]);

    // Decimal bounds on a whole-number key: refused, naming the key.
    let (code, _, err) = bin(
        &[
            "breakeven",
            "c.toml",
            "--axis",
            "platforms.e.initial",
            "--between",
            "1.5",
            "10",
            "--out",
            "be2",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`platforms.e.initial` takes a whole number; give two whole numbers"),
        "{err}"
    );
}

/// `run trace.csv` (a trace given where a scenario goes) and `run
/// tasks.json` (an ECS export) fail with toml's message and then a hint that
/// names the command that writes a scenario around the file; a binary
/// Parquet trace, which is not text at all, gets the same hint.
#[test]
fn a_trace_given_as_a_scenario_points_at_new_trace() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(
        p.join("jobs.csv"),
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\nt1,0,60,1,2048\n",
    )
    .unwrap();
    std::fs::write(
        p.join("tasks.json"),
        "{\"tasks\": [{\"taskArn\": \"arn:aws:ecs:us-east-1:123456789012:task/c/abc\"}]}\n",
    )
    .unwrap();
    std::fs::write(p.join("t.parquet"), [b'P', b'A', b'R', b'1', 0xff, 0xfe, 0]).unwrap();
    let (code, _, err) = bin(&["run", "jobs.csv"], p);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("scenario jobs.csv: TOML parse error at line 1"),
        "{err}"
    );
    assert!(
        err.contains("hint: jobs.csv looks like a trace, not a scenario: write a scenario that replays it with `fargate-sim new --trace jobs.csv scenario.toml`"),
        "{err}"
    );
    let (code, _, err) = bin(&["run", "t.parquet"], p);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read scenario t.parquet"), "{err}");
    assert!(
        err.contains("`fargate-sim new --trace t.parquet scenario.toml`"),
        "{err}"
    );
    let (code, _, err) = bin(&["run", "tasks.json"], p);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`fargate-sim new --from tasks.json scenario.toml`"),
        "{err}"
    );
    // The hint's command works on the trace as named.
    let (code, _, err) = bin(&["new", "--trace", "jobs.csv", "scenario.toml"], p);
    assert_eq!(code, 0, "{err}");
    // A scenario with a TOML mistake keeps toml's message alone.
    std::fs::write(p.join("bad.toml"), "name = \n").unwrap();
    let (code, _, err) = bin(&["run", "bad.toml"], p);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("looks like a trace"), "{err}");
}
