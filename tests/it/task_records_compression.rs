//! `[report] task_records_compression` (issue 24, fourth round): the same
//! rows and values in `tasks.parquet` whichever compression is chosen, read
//! back column by column; only the bytes on disk differ. The run has tasks
//! Fargate cannot place (64 vCPU), so the nullable columns hold nulls.

use crate::common::{Case, bin};
use fargate_sim::report::tasks;

const SCENARIO: &str = r#"name = "compressed"
seed = 11
[workload]
[[workload.generators]]
name = "steady"
arrivals = { process = "poisson", rate = "20/s" }
duration = { dist = "lognormal", median = "2min", p90 = "10min" }
sizes = [
  { cpu = 0.25, memory = "512MiB", weight = 4 },
  { cpu = 1, memory = "2GiB", weight = 2 },
  { cpu = 64, memory = "8GiB", weight = 1 },
]
count = 70000

[[platforms]]
name = "fargate"
kind = "fargate"

[[platforms]]
name = "spot"
kind = "fargate"
capacity = "spot"
"#;

/// A column's name and its values as text (numbers written out, nulls as `None`).
type Named = (String, Vec<Option<String>>);

/// Every column of `dir/tasks.parquet`, and the file's size.
fn columns(dir: &std::path::Path) -> (Vec<Named>, u64) {
    let path = dir.join("tasks.parquet");
    let t = tasks::read(&path).unwrap();
    let cols = t
        .names()
        .into_iter()
        .map(|n| {
            let text = t.text(&n).unwrap();
            let values = text
                .values()
                .into_iter()
                .map(|v| v.map(str::to_string))
                .collect();
            (n, values)
        })
        .collect();
    (cols, std::fs::metadata(&path).unwrap().len())
}

#[test]
fn every_compression_holds_the_same_values() {
    let case = Case::new(SCENARIO, None);
    let mut files = Vec::new();
    for c in ["snappy", "light", "lz4", "zstd", "none"] {
        let scenario = format!("{c}.toml");
        std::fs::write(
            case.dir().join(&scenario),
            SCENARIO.replace(
                "seed = 11\n",
                &format!("seed = 11\n[report]\ntask_records_compression = \"{c}\"\n"),
            ),
        )
        .unwrap();
        let (code, _, err) = bin(&["run", &scenario, "--out", c, "-q"], case.dir());
        assert_eq!(code, 0, "{c}: {err}");
        files.push((c, columns(&case.dir().join(c))));
    }
    // Left out, the key means "light": the same bytes.
    let (code, _, err) = bin(
        &["run", "scenario.toml", "--out", "default", "-q"],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(case.dir().join("default/tasks.parquet")).unwrap(),
        std::fs::read(case.dir().join("light/tasks.parquet")).unwrap()
    );
    let (snappy, snappy_size) = &files[0].1;
    let names: Vec<&str> = snappy.iter().map(|(n, _)| n.as_str()).collect();
    let want: Vec<&str> = tasks::COLUMNS.iter().map(|c| c.0).collect();
    assert_eq!(names, want);
    // Two platforms' rows, nulls where tasks were never placed.
    let rows = snappy[0].1.len();
    assert!(rows >= 140_000, "{rows} rows");
    let launch = &snappy.iter().find(|(n, _)| n == "launch_s").unwrap().1;
    assert!(launch.iter().any(Option::is_none) && launch.iter().any(Option::is_some));
    for (c, (cols, _)) in &files[1..] {
        for ((name, a), (_, b)) in snappy.iter().zip(cols) {
            assert!(a == b, "{c}: column {name} differs from snappy's");
        }
    }
    let size = |c: &str| files.iter().find(|f| f.0 == c).unwrap().1.1;
    // What each choice trades: none is the largest, zstd the smallest;
    // light stores the times and amounts as they are.
    assert!(size("none") > size("light"), "none {}", size("none"));
    assert!(size("light") > *snappy_size, "light {}", size("light"));
    assert!(size("zstd") < *snappy_size, "zstd {}", size("zstd"));
}
