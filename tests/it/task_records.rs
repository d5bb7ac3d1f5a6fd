//! `tasks.parquet` written as the run goes (issue 24): a writer thread takes
//! each platform's records in chunks, streams the platform whose turn it is
//! and keeps later platforms' chunks in a spool until theirs. These runs
//! cross a row group (65,536 rows) on three platforms that run at once, and
//! check the file row for row against the records the library hands a sink.

use crate::common::{Case, bin, run};
use fargate_sim::report::tasks;

const SCENARIO: &str = r#"name = "records"
seed = 7
[workload]
[[workload.generators]]
name = "steady"
arrivals = { process = "poisson", rate = "40/s" }
duration = { dist = "lognormal", median = "2min", p90 = "10min" }
sizes = [
  { cpu = 0.25, memory = "512MiB", weight = 4 },
  { cpu = 1, memory = "2GiB", weight = 2 },
]
count = 70000

[[platforms]]
name = "fargate"
kind = "fargate"

[[platforms]]
name = "spot"
kind = "fargate"
capacity = "spot"

[[platforms]]
name = "lean"
kind = "fargate"
arch = "arm64"
"#;

#[test]
fn the_file_holds_every_record_in_scenario_order_and_nothing_is_left_behind() {
    let case = Case::new(SCENARIO, None);
    let ran = run(&case, &[]);
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "a", "-q"], case.dir());
    assert_eq!(code, 0, "{err}");
    let t = tasks::read(&case.dir().join("a/tasks.parquet")).unwrap();
    let platform: Vec<String> = t
        .strs("platform")
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let ids = t.u64s("task_id").unwrap();
    let cost = t.f64s("cost_usd").unwrap();
    let end = t.f64s("end_s").unwrap();
    let mut at = 0;
    for name in ["fargate", "spot", "lean"] {
        // Each platform's rows, in one block, in the order it recorded them.
        let want = ran.records_of(name);
        assert!(want.len() >= 70_000, "{name}: {}", want.len());
        for (i, r) in want.iter().enumerate() {
            let row = at + i;
            assert_eq!(platform[row], name, "row {row}");
            assert_eq!(ids[row], r.task_id, "{name} row {row}");
            assert_eq!(cost[row], r.cost.map(|m| m.usd()), "{name} row {row}");
            assert_eq!(end[row], r.end.map(|e| e as f64 / 1e6), "{name} row {row}");
        }
        at += want.len();
    }
    assert_eq!(t.height(), at);
    // No temporary file or spool remains beside the results.
    let hidden: Vec<String> = std::fs::read_dir(case.dir().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    // The same bytes again, whatever the threads' timing.
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "b", "-q"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read(case.dir().join("a/tasks.parquet")).unwrap()
            == std::fs::read(case.dir().join("b/tasks.parquet")).unwrap()
    );
}

/// A run that fails after the writer started removes what it wrote.
#[test]
fn a_failed_run_leaves_no_task_file() {
    let case = Case::new(
        "name = \"bad\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"fg\"\nkind = \"fargate\"\n",
        Some("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,10,1,2048\nb,5,x,1,2048\n"),
    );
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "out", "-q"], case.dir());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("trace.csv"), "{err}");
    let left: Vec<String> = std::fs::read_dir(case.dir().join("out"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("tasks"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}
