//! A long time series (issue 24): spooled to disk past the recorder's
//! chunk, written streaming, it gives the same `timeseries.parquet` and
//! `timeseries.csv` bytes as the whole table written at once (polars' own
//! row groups included), and the charts read the same thinned lines from
//! the rows, from the table and from the file.

use fargate_sim::platform::series::{Gauges, SeriesRecorder};
use fargate_sim::pricing::Money;
use fargate_sim::report::timeseries;

/// A recorder of `n` one-minute rows (`chunk` kept in memory), its values
/// varying so thinning has minima and maxima to keep.
fn recorder(n: u64, chunk: usize, ec2: bool) -> SeriesRecorder {
    let mut r = SeriesRecorder::with_chunk(60_000_000, chunk);
    for i in 1..=n {
        let g = Gauges {
            tasks_waiting: (i * 7_919) % 10_007,
            tasks_starting: i % 3,
            tasks_running: 100 + (i % 1_440),
            replicas_running: 0,
            instances_launching: ec2.then_some(i % 2),
            instances_running: ec2.then_some(50 - (i % 5)),
            cpu_milli_provisioned: 200_000,
            cpu_milli_allocated: 150_000 + 250 * (i % 97),
            memory_mib_provisioned: 819_200,
            memory_mib_allocated: 512 * (i % 1_000),
        };
        r.push(
            i * 60_000_000,
            3 * i,
            3 * i - 2,
            g,
            Money(u128::from(i) * 1_234_567_891),
        );
    }
    r.settle(Money(u128::from(n) * 1_234_567_891 + 17), 3 * n);
    r
}

#[test]
fn a_spooled_series_writes_the_bytes_of_the_whole_table() {
    // 800,003 rows over three platforms: polars cuts the whole table into
    // 3 row groups of 266,667, 266,667 and 266,669 rows.
    assert_eq!(
        timeseries::row_groups(800_003),
        vec![266_667, 266_667, 266_669]
    );
    assert_eq!(timeseries::row_groups(524_287), vec![524_287]);
    assert_eq!(timeseries::row_groups(0), Vec::<usize>::new());
    let a = recorder(500_000, 4_096, true);
    let b = recorder(3, 4_096, false);
    let c = recorder(300_000, 1_000_000, false);
    assert_eq!(a.len() + b.len() + c.len(), 800_003);
    let platforms = [
        ("ecs", Some(&a)),
        ("none", None),
        ("lambda", Some(&b)),
        ("fargate", Some(&c)),
    ];
    let streamed = tempfile::tempdir().unwrap();
    let staged = fargate_sim::io::staged::Staged::new();
    timeseries::write_streamed(&staged, streamed.path(), &platforms).unwrap();
    staged.commit(None).unwrap();
    let charts = timeseries::chart_series(&platforms).unwrap();
    // The same rows as one table, written at once.
    let rows: Vec<_> = [("ecs", &a), ("lambda", &b), ("fargate", &c)]
        .iter()
        .map(|(n, r)| (*n, r.to_vec().unwrap()))
        .collect();
    let slices: Vec<(&str, &[_])> = rows.iter().map(|(n, r)| (*n, r.as_slice())).collect();
    let mut table = timeseries::frame(&slices).unwrap();
    let whole = tempfile::tempdir().unwrap();
    timeseries::write(whole.path(), &mut table).unwrap();
    for file in ["timeseries.parquet", "timeseries.csv"] {
        let (x, y) = (
            std::fs::read(streamed.path().join(file)).unwrap(),
            std::fs::read(whole.path().join(file)).unwrap(),
        );
        assert!(x == y, "{file} differs ({} and {} bytes)", x.len(), y.len());
    }
    // The charts: one series per platform with rows, thinned to at most
    // 2,400 points a line, the same from the rows, the table and the file.
    assert_eq!(charts.len(), 3, "a platform without rows has no series");
    assert_eq!(charts, timeseries::charts_from_table(&table).unwrap());
    assert_eq!(
        charts,
        timeseries::charts_from_parquet(&streamed.path().join("timeseries.parquet")).unwrap()
    );
    let ecs = &charts[0];
    assert!(ecs.has_instances() && !charts[1].has_instances());
    assert_eq!(ecs.t_end_max_s, 500_000.0 * 60.0);
    assert_eq!(ecs.tasks_waiting.len, 500_000);
    assert!(ecs.tasks_waiting.points.len() <= 2_400);
    assert_eq!(ecs.tasks_waiting.max, 10_006.0);
    // The last row's cost includes the settlement's 17 micro-units.
    assert_eq!(
        ecs.cost_last_usd,
        Some(Money(500_000 * 1_234_567_891 + 17).usd())
    );
    // A three-row line keeps its three points.
    assert_eq!(charts[1].tasks_running.points.len(), 3);
}

/// A run of 20,000 one-minute rows (past the 16,384 kept in memory):
/// written whole with a usable temporary folder; stopped with the spool
/// file named (exit 1, not a panic) when the folder cannot be written.
#[test]
fn a_long_run_spools_its_series_and_names_a_spool_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("long.toml"),
        r#"name = "long"
seed = 1
horizon = "20000min"
[[workload.generators]]
name = "jobs"
arrivals = { process = "poisson", rate = "1/h" }
duration = "10min"
sizes = [{ cpu = 0.25, memory = "512MiB" }]
[[platforms]]
name = "fargate"
kind = "fargate"
"#,
    )
    .unwrap();
    let run = |tmp: &std::path::Path, out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
            .args(["run", "long.toml", "-q", "--out", out])
            .env("TMPDIR", tmp)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run(dir.path(), "ok");
    assert_eq!(code, Some(0), "{err}");
    let csv = std::fs::read_to_string(dir.path().join("ok/timeseries.csv")).unwrap();
    // A header and one row a minute.
    assert_eq!(csv.lines().count(), 20_001);
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with("fargate,1199940.0,1200000.0,"),
        "{}",
        csv.lines().last().unwrap()
    );
    // Nothing is left behind in the temporary folder.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("fargate-sim-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let missing = dir.path().join("no-such-folder");
    let (code, err) = run(&missing, "broken");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cannot write") && err.contains("fargate-sim-series-"),
        "{err}"
    );
}
