//! `fargate-sim new --trace` writes a starter that runs as written (issue
//! 24): a trace holding rows that cannot be replayed (the Alibaba 2017
//! sample's Waiting and Running rows) gets `on_bad_row = "skip"`, with the
//! counts it found, and the run then skips exactly those rows.

use crate::common::{bin, excerpt_traces, full_traces};
use fargate_sim::report::Summary;
use std::collections::BTreeMap;
use std::path::Path;

/// Rows of an Alibaba 2017 `batch_task.csv` whose `status` (the sixth
/// column) is `status`, counted from the file itself.
fn rows_with_status(trace: &Path, status: &str) -> u64 {
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(5).map(str::trim) == Some(status))
        .count() as u64
}

/// Writes the starter for `trace` in a new folder; returns the folder and
/// the starter's text.
fn starter(trace: &Path) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(
        &["new", "ali.toml", "--trace", trace.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote ali.toml"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("ali.toml")).unwrap();
    (dir, text)
}

#[test]
fn new_trace_starter_on_the_alibaba_2017_excerpt_skips_its_unusable_rows_and_runs() {
    let trace = excerpt_traces().join("alibaba-v2017/batch_task.csv");
    let (waiting, running) = (
        rows_with_status(&trace, "Waiting"),
        rows_with_status(&trace, "Running"),
    );
    // The excerpt's own counts (59 Waiting, 132 Running of 1,537 rows).
    assert_eq!((waiting, running), (59, 132));
    let (dir, text) = starter(&trace);
    assert!(
        text.lines().any(|l| l == "on_bad_row = \"skip\""),
        "the option is set, not commented:\n{text}"
    );
    assert!(text.contains("# Reading the whole trace found "), "{text}");
    assert!(
        text.contains(&format!("#   {waiting} never ran (status Waiting)\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "#   {running} still running when the trace ends (status Running): no end time\n"
        )),
        "{text}"
    );
    // Runs as written (task records off only to keep the test short), and
    // skips exactly the rows the comment counts.
    let (code, _, err) = bin(&["run", "ali.toml", "-q", "--no-task-records"], dir.path());
    assert_eq!(code, 0, "{err}");
    let summary: Summary = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("output/ali/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary.skipped_rows.get("never ran (status Waiting)"),
        Some(&waiting)
    );
    assert_eq!(
        summary
            .skipped_rows
            .get("still running when the trace ends (status Running): no end time"),
        Some(&running)
    );
    let total: u64 = summary.skipped_rows.values().sum();
    assert!(
        text.contains(&format!("found {total} row(s) that cannot be replayed")),
        "{text}"
    );
}

#[test]
fn new_trace_starter_on_the_alibaba_2017_sample_sets_skip_from_its_first_tasks() {
    let Some(root) = full_traces(
        "starter_trace::new_trace_starter_on_the_alibaba_2017_sample_sets_skip_from_its_first_tasks",
    ) else {
        return;
    };
    let trace = root.join("alibaba-v2017/batch_task.csv");
    let (dir, text) = starter(&trace);
    // 10.5 M tasks: the first 5,000,000 are read, enough to meet Waiting
    // rows (the first is line 4).
    assert!(
        text.contains("# Reading its first 5000000 tasks found "),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "on_bad_row = \"skip\""), "{text}");
    assert!(text.contains(" never ran (status Waiting)\n"), "{text}");
    // The scenario loads as written (the run itself takes a minute: see
    // docs/performance.md).
    let (code, out, err) = bin(&["validate", "ali.toml"], dir.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn new_trace_starter_leaves_the_option_commented_for_a_clean_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,60,0.25,512\nb,30,120,1,2048\n",
    )
    .unwrap();
    let (code, _, err) = bin(&["new", "clean.toml", "--trace", "t.csv"], dir.path());
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("clean.toml")).unwrap();
    assert!(
        text.contains("# on_bad_row = \"skip\"   # count and skip"),
        "{text}"
    );
    assert!(!text.contains("cannot be replayed"), "{text}");
    let (code, _, err) = bin(&["run", "clean.toml", "-q"], dir.path());
    assert_eq!(code, 0, "{err}");
    let skipped: BTreeMap<String, u64> = serde_json::from_str::<Summary>(
        &std::fs::read_to_string(dir.path().join("output/clean/summary.json")).unwrap(),
    )
    .unwrap()
    .skipped_rows;
    assert!(skipped.is_empty(), "{skipped:?}");
}
