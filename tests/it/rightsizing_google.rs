//! Usage from the Google traces' usage tables (`workload.usage`:
//! 2019 `instance_usage`, 2011 `task_usage`) and `trace convert` keeping
//! usage (issue 27), on hand-made fixtures in the published schemas
//! (tests/data/fixtures/SOURCE.md).

use crate::common::{Case, bin, run};
use fargate_sim::platform::Outcome;
use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::workload::{Task, Usage};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fixtures")
        .join(name)
}

fn tasks(text: &str, path: &Path) -> Vec<Task> {
    let (sc, _) = load_str(text, path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let (_, stream, _) = sc.workload.open_counted(sc.seed).unwrap();
    stream
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn google(format: &str, events: &str, usage: &str, rightsizing: &str) -> String {
    format!(
        r#"
name = "g"
seed = 1
[workload]
trace = "{}"
format = "{format}"
usage = "{}"
[[platforms]]
name = "asked"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
[[platforms]]
name = "right"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
rightsizing = {rightsizing}
"#,
        fixture(events).display(),
        fixture(usage).display()
    )
}

/// Instance 1001/0 of the fixtures asks for 0.0625 NCU and 0.03125 NMU: of
/// the default largest machine (32 vCPU, 128 GiB, data/defaults.toml
/// [traces.google]) 2,000 m and 4,096 MiB. It runs 10 s to 710 s over three
/// windows: 10-310 s (average 0.02 CPU, 0.01 memory; maximum 0.03, 0.012),
/// 310-610 s (0.03, 0.015; 0.05, 0.02), 610-710 s (0.01, 0.02; 0.02, no
/// memory maximum: the window's average stands in).
/// CPU average (0.02·300 + 0.03·300 + 0.01·100)/700 = 16/700 NCU × 32,000
/// = 731.4 → 732 m; CPU peak 0.05 × 32,000 = 1,600 m.
/// Memory average (0.01·300 + 0.015·300 + 0.02·100)/700 = 9.5/700 × 131,072
/// = 1,778.8 → 1,779 MiB; memory peak 0.02 × 131,072 = 2,621.4 → 2,622 MiB.
const HAND: Usage = Usage {
    cpu_avg_milli: 732,
    cpu_max_milli: 1600,
    memory_avg_mib: 1779,
    memory_max_mib: 2622,
    peak_known: true,
};

#[test]
fn google_2019_instance_usage_gives_each_task_its_usage() {
    let d = tempfile::tempdir().unwrap();
    let text = google(
        "google-2019",
        "google-2019-instance_events.csv",
        "google-2019-instance_usage.csv",
        "\"usage\"",
    );
    let all = tasks(&text, &d.path().join("s.toml"));
    assert_eq!(all.len(), 25);
    assert!(all.iter().all(|t| t.usage.is_some()));
    let t = all
        .iter()
        .find(|t| t.label.as_deref() == Some("1001/0"))
        .unwrap();
    assert_eq!((t.cpu_milli, t.memory_mib), (2000, 4096));
    assert_eq!(t.duration, 700_000_000);
    assert_eq!(t.usage.as_deref(), Some(&HAND));
    // Without the usage file the same trace carries none.
    let plain = text.replace("\nusage = ", "\n# usage = ");
    assert!(
        tasks(&plain, &d.path().join("s.toml"))
            .iter()
            .all(|t| t.usage.is_none())
    );
}

#[test]
fn google_2011_task_usage_gives_the_same_usage() {
    // The same instances in the 2011 schema: mean CPU rate (field 6),
    // canonical memory (7), maximum memory (11), maximum CPU rate (14).
    let d = tempfile::tempdir().unwrap();
    let text = google(
        "google-2011",
        "google-2011-task_events.csv",
        "google-2011-task_usage.csv",
        "\"usage\"",
    );
    let all = tasks(&text, &d.path().join("s.toml"));
    assert_eq!(all.len(), 25);
    let t = all
        .iter()
        .find(|t| t.label.as_deref() == Some("1001/0"))
        .unwrap();
    assert_eq!(t.usage.as_deref(), Some(&HAND));
}

#[test]
fn google_2019_right_sized_on_fargate_by_hand() {
    // cpu = avg, memory = max, no headroom: 732 m → 1 vCPU; 2,622 MiB → 3 GiB
    // (1 vCPU takes 2-8 GiB in 1 GiB steps). Not slowed (732 ≤ 1000), not
    // killed (2,622 ≤ 3,072).
    let case = Case::new(
        &google(
            "google-2019",
            "google-2019-instance_events.csv",
            "google-2019-instance_usage.csv",
            "{ policy = \"usage\", cpu = \"avg\", memory = \"max\", headroom = 0 }",
        ),
        None,
    );
    let ran = run(&case, &[]);
    let first = |p: &str| {
        ran.records_of(p)
            .into_iter()
            .filter(|r| r.submit == 0 && r.cpu_milli_requested == 2000)
            .map(|r| (r.cpu_milli_billed, r.memory_mib_billed, r.outcome))
            .collect::<Vec<_>>()
    };
    assert_eq!(first("asked"), vec![(2000, 4096, Outcome::Completed)]);
    assert_eq!(first("right"), vec![(1000, 3072, Outcome::Completed)]);
    // memory = avg: 1,779 MiB → 2 GiB, below the 2,622 MiB peak: killed half
    // way (350 s, billed), then run again at its own 2 vCPU / 4 GiB.
    let ran = run(&case, &["platforms.right.rightsizing.memory=\"avg\""]);
    let mut attempts: Vec<_> = ran
        .records_of("right")
        .into_iter()
        .filter(|r| r.submit == 0 && r.cpu_milli_requested == 2000)
        .map(|r| {
            (
                r.attempt,
                r.cpu_milli_billed,
                r.memory_mib_billed,
                r.run_span,
                r.outcome,
            )
        })
        .collect();
    attempts.sort_by_key(|a| a.0);
    assert_eq!(
        attempts,
        vec![
            (0, 1000, 2048, 350_000_000, Outcome::OomKilled),
            (1, 2000, 4096, 700_000_000, Outcome::Completed)
        ]
    );
}

#[test]
fn usage_file_is_refused_where_it_would_be_ignored() {
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nusage = \"trace.csv\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,1,1,1\n"),
    );
    let err = load_str(&case.text, &case.path, &LoadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("workload.usage"), "{err}");
    assert!(err.contains("google-2019"), "{err}");
}

/// `trace convert` to CSV and to Parquet, then each read back as native.
fn round_trip(scenario_dir: &Path, file: &Path, format: &str) -> Vec<(Vec<Task>, String)> {
    let mut out = Vec::new();
    for to in ["back.csv", "back.parquet"] {
        let (code, _, err) = bin(
            &[
                "trace",
                "convert",
                &file.display().to_string(),
                "--format",
                format,
                "--to",
                to,
                "--force",
            ],
            scenario_dir,
        );
        assert_eq!(code, 0, "{err}");
        let text = format!(
            "name = \"t\"\n[workload]\ntrace = \"{to}\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n"
        );
        out.push((tasks(&text, &scenario_dir.join("s.toml")), to.to_string()));
    }
    out
}

fn usage_by_label(ts: &[Task]) -> Vec<(String, Option<Usage>)> {
    let mut v: Vec<_> = ts
        .iter()
        .map(|t| {
            (
                t.label.as_deref().unwrap_or("").to_string(),
                t.usage.as_deref().copied(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn trace_convert_keeps_usage_exactly() {
    let d = tempfile::tempdir().unwrap();
    // Alibaba 2017 batch_instance, whose tasks carry usage.
    let src = fixture("alibaba-2017-batch_instance.csv");
    let text = format!(
        "name = \"t\"\n[workload]\ntrace = \"{}\"\nformat = \"alibaba-2017-instances\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        src.display()
    );
    let original = tasks(&text, &d.path().join("s.toml"));
    assert!(original.iter().all(|t| t.usage.is_some()));
    for (back, to) in round_trip(d.path(), &src, "alibaba-2017-instances") {
        assert_eq!(back.len(), original.len(), "{to}");
        assert_eq!(usage_by_label(&back), usage_by_label(&original), "{to}");
    }
    // A native CSV with usage (a third of a vCPU, a missing peak) and a task
    // without: the converted trace has the four columns, empty for the latter.
    let native = d.path().join("n.csv");
    std::fs::write(
        &native,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n\
         a,0,60,1,2048,g,0.333,,700,1500\n\
         b,1,60,0.5,1024,g,,,,\n",
    )
    .unwrap();
    let text = "name = \"t\"\n[workload]\ntrace = \"n.csv\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n";
    let original = tasks(text, &d.path().join("s.toml"));
    assert_eq!(
        original[0].usage.as_deref(),
        Some(&Usage {
            cpu_avg_milli: 333,
            cpu_max_milli: 333,
            memory_avg_mib: 700,
            memory_max_mib: 1500,
            peak_known: true,
        })
    );
    for (back, to) in round_trip(d.path(), &native, "native") {
        assert_eq!(usage_by_label(&back), usage_by_label(&original), "{to}");
    }
    let csv = std::fs::read_to_string(d.path().join("back.csv")).unwrap();
    assert_eq!(
        csv,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n\
         a,0,60,1,2048,0,g,0.333,0.333,700,1500\n\
         b,1,60,0.5,1024,0,g,,,,\n"
    );
}
